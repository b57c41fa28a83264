"""
Kill a writer with SIGKILL at random points and check what it leaves behind.

A trial forks a child from the test process (Django is set up already, so a child costs
milliseconds, not a fresh interpreter). The child streams a deterministic payload through
``Delivery.add_file`` into the store; the parent kills it after a random delay. Afterwards the
invariant is checked from the parent:

* every FileMeta has complete bytes: the store's bytes hash to the row's size and SHA-256;
* no partial bytes are visible: every object in the store holds the complete payload of its
  trial (an orphan may exist: bytes committed, row never committed);
* anything else is a leftover of an interrupted write (a temporary file or chunk).

A store that keeps several copies (``MirroredDeliveryStore``) has each copy checked so.
"""

import hashlib
import os
import random
import select
import signal
import time
from dataclasses import dataclass, field

from django.db import connections

PAYLOAD_CHUNK = 64 * 1024
CALIBRATION_TIMEOUT = 60


def payload_chunks(trial, size):
    """The deterministic payload of one trial, in 64 KiB chunks (different for every trial)."""
    seed = hashlib.sha256(f"trial-{trial}".encode()).digest()
    block = (seed * (PAYLOAD_CHUNK // len(seed) + 1))[:PAYLOAD_CHUNK]
    for offset in range(0, size, PAYLOAD_CHUNK):
        yield block[: min(PAYLOAD_CHUNK, size - offset)]


def payload_digest(trial, size):
    digest = hashlib.sha256()
    for chunk in payload_chunks(trial, size):
        digest.update(chunk)
    return digest.hexdigest()


@dataclass
class CrashReport:
    trials: int = 0
    killed: int = 0
    finished: int = 0
    rows: int = 0
    orphans: int = 0
    problems: list = field(default_factory=list)


def _child(delivery, trial, size, write_fd):
    """Runs in the forked child: stream one file, tell the parent, exit without cleanup."""
    try:
        os.write(write_fd, b"s")
        delivery.add_file(f"trial-{trial}.bin", payload_chunks(trial, size))
        os.write(write_fd, b"d")
        code = 0
    except BaseException:
        code = 1
    os._exit(code)


def _fork_writer(delivery, trial, size):
    """Fork a child that streams one trial's file; return (pid, read end of its pipe) once it started."""
    connections.close_all()  # the child must open its own connections, not share ours
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(delivery, trial, size, write_fd)
    os.close(write_fd)
    os.read(read_fd, 1)  # the child has started streaming
    return pid, read_fd


def time_one_write(delivery, size):
    """Seconds a forked child takes to stream one file, start to finish (the file is deleted after)."""
    from deliveries.models import FileMeta

    start = time.perf_counter()
    pid, read_fd = _fork_writer(delivery, -1, size)
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.perf_counter() - start > CALIBRATION_TIMEOUT:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError(f"one uninterrupted write took over {CALIBRATION_TIMEOUT} s: the child hung")
        time.sleep(0.005)
    os.close(read_fd)
    elapsed = time.perf_counter() - start
    FileMeta.objects.filter(delivery=delivery, filename="trial--1.bin").delete()
    return elapsed


def run_trials(delivery, store, trials, size, seed=0, max_delay=None):
    """
    Fork ``trials`` children writing ``size`` bytes each and kill each after a random delay, up to
    1.5 times as long as a whole write takes here (measured first), so kills land before, inside and
    after the write. Return a CrashReport; the caller asserts on ``problems``.
    """
    from deliveries.models import FileMeta

    if max_delay is None:
        max_delay = 1.5 * time_one_write(delivery, size)
    rng = random.Random(seed)
    report = CrashReport()
    for trial in range(trials):
        pid, read_fd = _fork_writer(delivery, trial, size)
        if trial % 10 == 9:
            # Every tenth writer is killed only once it is done (or much later than a write takes),
            # so kills after the commit are in the sample however a slow machine skews the timing.
            select.select([read_fd], [], [], max(10 * max_delay, 5))
        else:
            time.sleep(rng.uniform(0, max_delay))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        finished = os.read(read_fd, 1) == b"d"
        os.close(read_fd)
        report.trials += 1
        report.finished += finished
        report.killed += os.WIFSIGNALED(status) and not finished
    digests = {f"trial-{t}.bin": payload_digest(t, size) for t in range(trials)}
    close = getattr(store, "close", None)
    if close:
        close()  # dbm: reopen to see what the children wrote
    rows = {
        str(pk): (name, fsize, checksum)
        for pk, name, fsize, checksum in FileMeta.objects.filter(delivery=delivery).values_list(
            "pk", "filename", "size", "checksum"
        )
    }
    report.rows = len(rows)
    for copy in store.copies():  # every copy of a store that keeps several, each on its own
        _check_copy(copy, rows, size, digests, report)
    return report


def _check_copy(copy, rows, size, digests, report):
    """Every row's bytes complete in this copy; every other object a complete payload (an orphan)."""
    where = f" in {copy.name}" if copy.name else ""
    store = copy.store
    for pk, (name, fsize, checksum) in rows.items():
        digest = hashlib.sha256()
        try:
            n = 0
            for chunk in store.iter_chunks(pk):
                digest.update(chunk)
                n += len(chunk)
        except FileNotFoundError:
            report.problems.append(f"FileMeta {pk} ({name}) has no bytes{where}")
            continue
        if (n, digest.hexdigest()) != (size, digests[name]) or (fsize, checksum) != (size, digests[name]):
            report.problems.append(f"FileMeta {pk} ({name}): incomplete bytes or row{where} ({n} bytes, row {fsize})")
    for obj in store.iter_objects():
        if obj.key in rows:
            continue
        report.orphans += 1
        digest = hashlib.sha256()
        for chunk in store.iter_chunks(obj.key):
            digest.update(chunk)
        if obj.size != size or digest.hexdigest() not in digests.values():
            report.problems.append(f"object {obj.key} without a row holds partial bytes{where} ({obj.size} bytes)")


def _fork(work):
    """Fork a child that runs ``work()`` and exits (0, or 1 if it raised) without cleanup; return (pid, pipe)."""
    connections.close_all()  # the child must open its own connections, not share ours
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        code = 1
        try:
            os.write(write_fd, b"s")
            work()
            os.write(write_fd, b"d")
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    os.read(read_fd, 1)  # the child has started
    return pid, read_fd


def time_child(work):
    """Seconds a forked child takes to run ``work()`` to the end."""
    start = time.perf_counter()
    pid, read_fd = _fork(work)
    _, status = os.waitpid(pid, 0)
    os.close(read_fd)
    if os.WEXITSTATUS(status):
        raise AssertionError("the uninterrupted child failed")
    return time.perf_counter() - start


def kill_after(work, delay):
    """Run ``work()`` in a forked child and SIGKILL it after ``delay`` seconds; return True if it had finished."""
    pid, read_fd = _fork(work)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    finished = os.read(read_fd, 1) == b"d"
    os.close(read_fd)
    return finished
