"""tests/run.py (`make test`): two passes, a summary, and a failing exit status if either fails."""

import io
import os
import shutil
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from unittest import mock

from django.test import SimpleTestCase

from tests import run


class TestRun(SimpleTestCase):
    def run_main(self, statuses, env=None):
        """Run main() with pytest replaced by canned exit statuses per pass; return (status, output, calls)."""
        calls = []

        def fake_pass(name, args):
            calls.append((name, args))
            return statuses[name]

        out, err = io.StringIO(), io.StringIO()
        with mock.patch.object(run, "run_pass", side_effect=fake_pass), mock.patch.dict("os.environ", env or {}):
            with redirect_stdout(out), redirect_stderr(err):
                status = run.main(["-q"])
        return status, out.getvalue() + err.getvalue(), calls

    def test_both_passes_run_and_any_failure_fails(self):
        """SQLite then PostgreSQL run with the same arguments; the exit status is the first failure's."""
        cases = [
            ({"sqlite": 0, "postgres": 0}, 0, ["sqlite    passed", "postgres  passed"]),
            ({"sqlite": 1, "postgres": 0}, 1, ["sqlite    FAILED (exit status 1)", "postgres  passed"]),
            ({"sqlite": 0, "postgres": 2}, 2, ["sqlite    passed", "postgres  FAILED (exit status 2)"]),
        ]
        for statuses, expected, lines in cases:
            with self.subTest(statuses=statuses):
                status, output, calls = self.run_main(statuses, {"TEST_DATABASES": "sqlite,postgres"})
                self.assertEqual(status, expected)
                self.assertEqual(calls, [("sqlite", ["-q"]), ("postgres", ["-q"])])
                for line in lines:
                    self.assertIn(line, output)

    def test_test_databases_selects_passes(self):
        """TEST_DATABASES picks one pass; an unknown name is refused."""
        status, _, calls = self.run_main({"postgres": 0}, {"TEST_DATABASES": "postgres"})
        self.assertEqual((status, calls), (0, [("postgres", ["-q"])]))
        status, output, calls = self.run_main({}, {"TEST_DATABASES": "mysql"})
        self.assertEqual((status, calls), (2, []))
        self.assertIn("use sqlite, postgres or both", output)

    def test_missing_postgres_as_normal_user_says_how_to_install(self):
        """Without initdb, a normal user gets a ClusterError naming the package, and the pass exits 2."""
        with (
            mock.patch.object(run, "PG_ROOT", "/nonexistent"),
            mock.patch("shutil.which", return_value=None),
            mock.patch("os.geteuid", return_value=1000),
        ):
            with self.assertRaisesMessage(
                run.ClusterError, "install PostgreSQL (Debian, Ubuntu: sudo apt-get install postgresql)"
            ):
                run.ensure_postgres()
            with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()) as err:
                self.assertEqual(run.run_pass("postgres", []), 2)
        self.assertIn("PostgreSQL pass could not run", err.getvalue())

    def fake_initdb(self, bindir, version):
        os.makedirs(bindir)
        path = os.path.join(bindir, "initdb")
        with open(path, "w") as f:
            f.write(f"#!/bin/sh\necho 'initdb (PostgreSQL) {version}'\n")
        os.chmod(path, 0o755)

    def test_newest_installed_major_version(self):
        """Any installed major version is found, the newest first; without one under PG_ROOT, initdb on PATH."""
        root = tempfile.mkdtemp(prefix="pgroot-")
        self.addCleanup(shutil.rmtree, root)
        for version in ("13", "17", "15"):
            self.fake_initdb(os.path.join(root, version, "bin"), f"{version}.2")
        os.makedirs(os.path.join(root, "common"))  # Debian's postgresql-common lives beside the versions
        with mock.patch.object(run, "PG_ROOT", root):
            self.assertEqual(run.find_postgres(), (os.path.join(root, "17", "bin"), "17"))
        elsewhere = os.path.join(root, "elsewhere", "bin")
        self.fake_initdb(elsewhere, "16.4")
        with (
            mock.patch.object(run, "PG_ROOT", os.path.join(root, "none")),
            mock.patch("shutil.which", return_value=os.path.join(elsewhere, "initdb")),
        ):
            self.assertEqual(run.find_postgres(), (elsewhere, "16"))
