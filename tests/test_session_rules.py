"""The test session's own rules: a skip under CI=true, an exception in a thread and a passing xfail fail."""

import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SKIPPING = """
import pytest

def test_runs():
    assert True

def test_skipped():
    pytest.skip("needs something that is not here")
"""

PASSING = """
def test_runs():
    assert True
"""


THREAD_RAISES = """
import threading

def test_thread():
    def work():
        raise RuntimeError("a worker died")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
"""


def run(pytester, monkeypatch, source, ci, *args):
    """Run ``source`` as a test file in a fresh pytest process with the plugin, CI set or not."""
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("PYTHONPATH", ROOT)
    pytester.makepyfile(test_inner=source)
    # Only the plugin under test: not this checkout's Django settings or factory fixtures.
    return pytester.runpytest_subprocess(
        "-p", "tests.support.ci_skips", "-p", "no:django", "-p", "no:cacheprovider", *args
    )


def test_a_skip_fails_the_run_under_ci(pytester, monkeypatch):
    """Under CI=true a session with one skipped test exits 1 and names the test."""
    result = run(pytester, monkeypatch, SKIPPING, "true")
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*skipped under CI=true*", "*test_inner.py::test_skipped*"])


def test_a_skip_passes_without_ci(pytester, monkeypatch):
    """Without CI (unset, or any other value) the same session passes."""
    for ci in (None, "false"):
        result = run(pytester, monkeypatch, SKIPPING, ci)
        result.assert_outcomes(passed=1, skipped=1)
        assert result.ret == pytest.ExitCode.OK, ci
        assert "skipped under CI=true" not in result.stdout.str()


def test_no_skip_passes_under_ci(pytester, monkeypatch):
    """Positive control: under CI=true a session without skips passes."""
    result = run(pytester, monkeypatch, PASSING, "true")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK


def test_an_exception_in_a_thread_fails_the_test(pytester, monkeypatch, pytestconfig):
    """With this suite's warning filters a thread that raises fails its test; without them pytest only warns."""
    filters = [arg for f in pytestconfig.getini("filterwarnings") for arg in ("-W", f)]
    result = run(pytester, monkeypatch, THREAD_RAISES, None, *filters)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RuntimeError: a worker died*"])
    control = run(pytester, monkeypatch, THREAD_RAISES, None)
    control.assert_outcomes(passed=1, warnings=1)


def test_this_session_enforces_it(pytestconfig):
    """This suite loads the plugin, makes xfails strict and fails on an exception in a thread."""
    assert pytestconfig.pluginmanager.has_plugin("skips-fail-under-ci")
    assert pytestconfig.getini("xfail_strict") is True
    assert "error::pytest.PytestUnhandledThreadExceptionWarning" in pytestconfig.getini("filterwarnings")
