"""
A pytest plugin: under ``CI=true`` a skipped test fails the session.

The style guide counts a skipped test as a failing one (a test that needs a server starts it
itself), and CI is where that must hold: any test skipped there, by ``pytest.skip``, a skip mark
or a fixture that skips, turns a passing session's exit status into 1, and the summary names the
skipped tests. An xfail is not a skip (``xfail_strict`` governs those). Outside CI a skip is
reported as usual and the exit status is pytest's own. tests/conftest.py loads it.
"""

import os

import pytest


class SkipsFailUnderCI:
    """Collects the skipped tests; under CI=true fails a session that would otherwise pass."""

    def __init__(self):
        self.skipped = []

    @staticmethod
    def enforced():
        return os.environ.get("CI") == "true"

    def pytest_runtest_logreport(self, report):
        if report.skipped and not hasattr(report, "wasxfail"):
            self.skipped.append(report.nodeid)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session, exitstatus):
        if self.enforced() and self.skipped and exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        if self.enforced() and self.skipped:
            terminalreporter.section("skipped under CI=true", red=True, bold=True)
            terminalreporter.line(f"{len(self.skipped)} skipped; under CI a skipped test fails the run:", red=True)
            for nodeid in self.skipped:
                terminalreporter.line(f"  {nodeid}")


def pytest_configure(config):
    config.pluginmanager.register(SkipsFailUnderCI(), "skips-fail-under-ci")
