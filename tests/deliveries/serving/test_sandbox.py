"""deliveries.serving.sandbox: a function run in a child process killed at its deadline, under a memory cap."""

import os
import signal
import tempfile
import time
import unittest

from deliveries.serving import sandbox
from tests.support import sandbox_children as children

LIMITS = sandbox.Limits(time=5, memory=256 * 1024 * 1024)


def _running(pid):
    """Is process ``pid`` running (neither gone nor a zombie waiting to be reaped)?"""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


class TestSandbox(unittest.TestCase):
    def test_returns_the_result_from_another_process(self):
        """The function's result comes back, computed in a child: a new process for every call."""
        first = sandbox.run(children.pid, limits=LIMITS)
        second = sandbox.run(children.pid, limits=LIMITS)
        self.assertNotEqual(first, os.getpid())
        self.assertNotEqual(first, second)
        self.assertEqual(sandbox.run(children.allocate, 1024, limits=LIMITS), 1024)

    def test_a_child_that_loops_forever_is_killed_at_the_deadline(self):
        """SandboxTimeout names the limit; the child is gone afterwards, and the parent keeps serving."""
        for function in (children.loop_forever, children.spin_forever):
            with self.subTest(function=function.__name__), tempfile.TemporaryDirectory() as tmp:
                pid_file = os.path.join(tmp, "pid")
                started = time.monotonic()
                with self.assertRaisesMessage(
                    sandbox.SandboxTimeout, "took longer than the preview's time limit of 0.3 s"
                ):
                    sandbox.run(function, pid_file, limits=sandbox.Limits(0.3, LIMITS.memory))
                self.assertGreaterEqual(time.monotonic() - started, 0.3)
                with open(pid_file) as f:
                    pid = int(f.read())
                self.assertFalse(_running(pid))
        self.assertEqual(sandbox.run(children.allocate, 10, limits=LIMITS), 10)

    def test_a_child_that_allocates_beyond_the_limit_fails_cleanly(self):
        """An allocation past the memory limit fails in the child: SandboxMemoryError, and the parent goes on."""
        with self.assertRaisesMessage(
            sandbox.SandboxMemoryError, "needed more than the preview's memory limit of 256 MiB"
        ):
            sandbox.run(children.allocate, 1024 * 1024 * 1024, limits=LIMITS)
        # Positive control: the same call under the limit succeeds.
        self.assertEqual(sandbox.run(children.allocate, 64 * 1024 * 1024, limits=LIMITS), 64 * 1024 * 1024)

    def test_the_child_runs_under_kernel_limits(self):
        """The child's address space is capped at the memory limit and its CPU time just past the time limit."""
        address_space, cpu = sandbox.run(children.limits_in_force, limits=sandbox.Limits(1.5, LIMITS.memory))
        self.assertEqual(address_space, (LIMITS.memory, LIMITS.memory))
        self.assertEqual(cpu, (3, 4))
        self.assertNotEqual(children.limits_in_force()[1], cpu)  # the parent is not limited

    def test_a_child_past_its_cpu_time_is_a_timeout(self):
        """A child stopped by the kernel for its CPU time is reported as past the time limit."""
        with self.assertRaisesMessage(
            sandbox.SandboxTimeout, "took longer than the preview's time limit of 5 s (of CPU time)"
        ):
            sandbox.run(children.die, signal.SIGXCPU, limits=LIMITS)

    def test_an_exception_in_the_child_is_reported(self):
        """An exception raised in the child becomes SandboxFailed with its type and message."""
        with self.assertRaisesMessage(sandbox.SandboxFailed, "failed (RuntimeError: boom)"):
            sandbox.run(children.fail, "boom", limits=LIMITS)

    def test_a_child_that_dies_is_reported(self):
        """A child killed by a signal or exiting without an answer gives a SandboxError that says so."""
        with self.assertRaisesMessage(sandbox.SandboxFailed, "stopped with SIGTERM"):
            sandbox.run(children.die, signal.SIGTERM, limits=LIMITS)
        with self.assertRaisesMessage(
            sandbox.SandboxMemoryError,
            "stopped with SIGSEGV: it needed more than the preview's memory limit of 256 MiB, or the file is damaged",
        ):
            sandbox.run(children.crash, limits=LIMITS)
        with self.assertRaisesMessage(sandbox.SandboxFailed, "stopped with exit status 3"):
            sandbox.run(children.exit_quietly, limits=LIMITS)

    def assertRaisesMessage(self, exception, message):
        return self.assertRaisesRegex(exception, _escaped(message))


def _escaped(message):
    import re

    return re.escape(message)
