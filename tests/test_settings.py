"""Settings from the environment: safe defaults, a refusal without SECRET_KEY, a clean deploy check."""

import os
import subprocess
import sys
import tempfile

from django.test import SimpleTestCase

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def manage(*args, **env):
    """Run manage.py in a child with exactly the given environment (plus PATH), from an empty .env dir."""
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "project.settings"}
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "manage.py"), *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


PRODUCTION = {
    "DEBUG": "off",
    "SECRET_KEY": "x7Jq9-production-like-secret-key-of-fifty-or-more-characters-000",
    "ALLOWED_HOSTS": "deliveries.example.org",
    "SECURE_HSTS_PRELOAD": "on",
}


class TestSettings(SimpleTestCase):
    def test_refuses_to_start_without_secret_key(self):
        """DEBUG off and no SECRET_KEY: a clear message, exit 2, no traceback."""
        result = manage("check", DEBUG="off", SECRET_KEY="")
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("SECRET_KEY is not set", result.stderr)
        self.assertNotIn("Traceback", result.stderr)

    def test_deploy_check_clean_with_production_env(self):
        """manage.py check --deploy passes with production values given by environment alone."""
        with tempfile.TemporaryDirectory() as tmp:
            result = manage("check", "--deploy", "--fail-level", "WARNING", DELIVERY_STORE_ROOT=tmp, **PRODUCTION)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_bad_store_setting_fails_check(self):
        """A misconfigured store stops manage.py check with its id and no traceback."""
        result = manage("check", DELIVERY_STORE_BACKEND="deliveries.stores.Nope")
        self.assertEqual(result.returncode, 1)
        self.assertIn("deliveries.E001", result.stderr)
        self.assertNotIn("Traceback", result.stderr)

    def test_database_url(self):
        """DATABASE_URL selects the database."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "other.sqlite3")
            result = manage(
                "shell",
                "-c",
                "from django.db import connection; print(connection.settings_dict['NAME'])",
                DATABASE_URL=f"sqlite:///{path}",
            )
        self.assertEqual(result.stdout.strip().splitlines()[-1], path, result.stderr)

    def test_django_extensions_installed(self):
        """django-extensions' commands are there (show_urls lists the admin)."""
        result = manage("show_urls")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("/admin/", result.stdout)
