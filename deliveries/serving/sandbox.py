"""
Run a function in a bounded worker process: the one way previews run code on untrusted bytes
whose cost the bytes decide (Pygments' regular expressions, PDF rendering, image decoding,
difflib).

``run(function, *args, time_limit=..., memory_limit=...)`` calls ``function(*args)`` in a fresh
child process and returns its result, or raises:

- ``SandboxTimeout`` when the child has not answered ``time_limit`` seconds after it was asked:
  the child is killed (SIGKILL) then, so a regular expression that backtracks for minutes costs
  the web worker ``time_limit`` and no more (and a CPU time limit, ``RLIMIT_CPU``, stops it even
  if the web worker dies before it can kill it);
- ``SandboxMemoryError`` when the child needed more than ``memory_limit`` bytes of address
  space (``resource.setrlimit(RLIMIT_AS)`` in the child, so the allocation fails there, not in
  the web worker);
- ``SandboxFailed`` when the child raised anything else or died (a signal, a crash in a C
  library); the message says which.

Children come from a forkserver started once per web process, which has imported the preview
libraries already: a call costs a fork of that small process, not of the web worker (which may
hold threads, a database connection and a large heap), and not a fresh interpreter (see
bench/bench_previews.py for the cost). Each call gets its own child, so nothing one untrusted
file does survives into the next call. ``function`` and its arguments must be picklable:
module-level functions of plain data, which need no Django. As with any multiprocessing start
method but fork, the main script is imported as ``__mp_main__``, here once by the forkserver
(manage.py, gunicorn and pytest guard theirs with ``if __name__ == "__main__"``).
"""

import math
import multiprocessing
import resource
import signal
import time
from dataclasses import dataclass

__all__ = ["SandboxError", "SandboxFailed", "SandboxMemoryError", "SandboxTimeout", "Limits", "run"]

# Imported once by the forkserver, so each child starts with them loaded. "__main__" too: a child
# would otherwise import the main script again (gunicorn's, manage.py) before every call.
PRELOAD = ["__main__", "deliveries.serving.workers_preload"]

_context = None


class SandboxError(Exception):
    """
    The function did not return within its limits. The message says why, for a person, as a
    predicate whose subject is the work: "took longer than the preview's time limit of 5 s".
    """


class SandboxTimeout(SandboxError):
    pass


class SandboxMemoryError(SandboxError):
    pass


class SandboxFailed(SandboxError):
    pass


@dataclass(frozen=True)
class Limits:
    """A time limit in seconds and a memory limit in bytes (address space) for one call."""

    time: float
    memory: int


def _get_context():
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _context = context
    return _context


def cpu_seconds(limits):
    """The child's CPU time limit: past the wall-clock limit, for the kernel to enforce if the parent cannot."""
    return math.ceil(limits.time) + 1


def _child(connection, limits, function, args):
    """In the child: cap address space and CPU time, call, send ("ok", result) or ("error", kind, message)."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
        # The parent kills the child at the deadline; should the parent die first, the kernel still
        # stops a child that spins (SIGXCPU, then SIGKILL a second later).
        cpu = cpu_seconds(limits)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        result = function(*args)
        message = ("ok", result)
    except MemoryError:
        message = ("error", "memory", "")
    except BaseException as e:  # anything else, reported to the parent as text
        message = ("error", "failed", f"{type(e).__name__}: {e}")
    try:
        connection.send(message)
    except MemoryError:
        connection.send(("error", "memory", ""))
    connection.close()


def run(function, *args, limits):
    """Call ``function(*args)`` in a child process under ``limits``; return its result (see the module)."""
    context = _get_context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, limits, function, args), daemon=True)
    deadline = time.monotonic() + limits.time
    process.start()
    sender.close()
    try:
        # poll() says a message has begun; recv() then reads it whole, still bounded by the deadline
        # because the child is killed (and the pipe closed) when it passes.
        if not receiver.poll(max(0.0, deadline - time.monotonic())):
            raise _dead_or_late(process, limits, deadline)
        try:
            message = receiver.recv()
        except EOFError:
            raise _dead_or_late(process, limits, deadline) from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if message[0] == "ok":
        return message[1]
    if message[1] == "memory":
        raise SandboxMemoryError(_memory_message(limits))
    raise SandboxFailed(f"failed ({message[2]})")


def _memory_message(limits):
    return f"needed more than the preview's memory limit of {limits.memory // (1024 * 1024)} MiB"


def _dead_or_late(process, limits, deadline):
    """The error for a child that sent nothing: killed at the deadline, or died by itself."""
    # The pipe may close a moment before the child's exit is known: wait for it, within the deadline.
    process.join(max(0.0, deadline - time.monotonic()))
    if process.is_alive():
        process.kill()
        process.join()
        return SandboxTimeout(f"took longer than the preview's time limit of {limits.time:g} s")
    process.join()
    code = process.exitcode
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        if -code == signal.SIGXCPU:
            return SandboxTimeout(f"took longer than the preview's time limit of {limits.time:g} s (of CPU time)")
        # A C library that cannot allocate often aborts or crashes rather than raising.
        if -code in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
            return SandboxMemoryError(f"stopped with {name}: it {_memory_message(limits)}, or the file is damaged")
        return SandboxFailed(f"stopped with {name}")
    return SandboxFailed(f"stopped with exit status {code}")
