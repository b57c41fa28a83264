"""tests/run.py (`make test`): two passes, a summary, and a failing exit status if either fails."""

import io
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
        with mock.patch.object(run, "PG_BIN", "/nonexistent/bin"), mock.patch("os.geteuid", return_value=1000):
            with self.assertRaisesMessage(run.ClusterError, "install Debian's postgresql-15"):
                run.ensure_postgres()
            with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()) as err:
                self.assertEqual(run.run_pass("postgres", []), 2)
        self.assertIn("PostgreSQL pass could not run", err.getvalue())
