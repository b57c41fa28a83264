"""Malformed settings: a clear message that names the variable and an exit status, never a traceback."""

import tempfile

from django.test import SimpleTestCase

from tests.test_settings import manage


class TestMalformedSettings(SimpleTestCase):
    def test_each_misconfiguration(self):
        afile = tempfile.NamedTemporaryFile()
        self.addCleanup(afile.close)
        cases = [
            ({"DEBUG": "off", "SECRET_KEY": ""}, 2, "SECRET_KEY is not set"),
            ({"DATABASE_URL": "garbage"}, 2, "DATABASE_URL='garbage' is not a database URL"),
            ({"DELIVERY_STORE_FILE_MODE": "abc"}, 2, "DELIVERY_STORE_FILE_MODE='abc' is not an octal file mode"),
            ({"DELIVERY_STORE_DIR_MODE": "9"}, 2, "DELIVERY_STORE_DIR_MODE='9'"),
            ({"DELIVERY_STORE_CHUNK_SIZE": "abc"}, 2, "DELIVERY_STORE_CHUNK_SIZE='abc' is not valid"),
            ({"SECURE_HSTS_SECONDS": "x"}, 2, "SECURE_HSTS_SECONDS='x' is not valid"),
            ({"SQLITE_TIMEOUT": "soon"}, 2, "SQLITE_TIMEOUT='soon' is not valid"),
            ({"DELIVERY_STORE_CHUNK_SIZE": "0"}, 1, "deliveries.E002"),
            ({"DELIVERY_STORE_CHUNK_SIZE": "-5"}, 1, "refuses chunk_size=-5"),
            ({"DELIVERY_STORE_BACKEND": "deliveries.stores.Nope"}, 1, "deliveries.E001"),
            ({"DELIVERY_STORE_BACKEND": "os.path"}, 1, "deliveries.E001"),
            ({"DELIVERY_STORE_ROOT": afile.name}, 1, "deliveries.E003"),
            (
                {
                    "DELIVERY_STORE_BACKEND": "deliveries.stores.DbmDeliveryStore",
                    "DELIVERY_STORE_DBM_FILENAME": f"{afile.name}/x.dbm",
                },
                1,
                "deliveries.E003",
            ),
        ]
        for env, status, message in cases:
            with self.subTest(env=env):
                result = manage("check", **env)
                self.assertEqual(result.returncode, status, result.stderr)
                self.assertIn(message, result.stderr)
                self.assertNotIn("Traceback", result.stderr)

    def test_unusable_environment_is_one_line(self):
        """A bad time zone, an empty or relative store root, an unreachable or unmigrated database: one line, exit 2."""
        empty_db = tempfile.NamedTemporaryFile(suffix=".sqlite3")
        self.addCleanup(empty_db.close)
        cases = [
            (["check"], {"TIME_ZONE": "Mars/Base"}, "TIME_ZONE='Mars/Base' is not a time zone. Set TIME_ZONE"),
            (["check"], {"DELIVERY_STORE_ROOT": ""}, "DELIVERY_STORE_ROOT is empty, which would mean the current"),
            (["check"], {"DELIVERY_STORE_ROOT": "store"}, "DELIVERY_STORE_ROOT='store' is relative"),
            (["check"], {"DELIVERY_STORE_DBM_FILENAME": "x.dbm"}, "DELIVERY_STORE_DBM_FILENAME='x.dbm' is relative"),
            (
                ["checkstore"],
                {"DATABASE_URL": "postgres://someone:secret@127.0.0.1:1/nowhere"},
                "The database could not be used (connection",
            ),
            (["checkstore"], {"DATABASE_URL": f"sqlite:///{empty_db.name}"}, "run `manage.py migrate`"),
            (["seedfactory"], {"DATABASE_URL": f"sqlite:///{empty_db.name}"}, "Check DATABASE_URL"),
            (
                ["copystore", "--to", "deliveries.stores.MemoryDeliveryStore"],
                {"DATABASE_URL": f"sqlite:///{empty_db.name}"},
                "Check DATABASE_URL",
            ),
        ]
        for args, env, message in cases:
            with self.subTest(args=args, env=env):
                result = manage(*args, **env)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn(message, result.stderr)
                self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
                self.assertNotIn("secret", result.stderr)
