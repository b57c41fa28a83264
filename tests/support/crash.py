"""
Kill a writer with SIGKILL at random points and check what it leaves behind.

A trial forks a child from the test process (Django is set up already, so a child costs
milliseconds, not a fresh interpreter). The child streams a deterministic payload through
``Delivery.add_file`` into the store and reports through a pipe each phase it enters (first byte
written, bytes all handed over, store committed, row committed); the parent kills it at a random
point inside a chosen phase, and counts where each kill landed by what the child had reported.
Afterwards the invariant is checked from the parent:

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
from collections import Counter
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


# What a child reports through its pipe, in order: started, first byte written (the store has
# taken the first chunk), every byte handed to the store (its commit under way), store committed
# (the row's size and checksum are being saved), row committed (add_file returned).
STARTED, WRITING, COMMITTING, STORED, DONE = b"s", b"w", b"e", b"c", b"d"
# The phase a killed child was in, by the last thing it reported.
PHASES = {
    STARTED: "before the first byte",
    WRITING: "while bytes were written",
    COMMITTING: "during the store's commit",
    STORED: "between the store's commit and the row's",
    DONE: "after the row's commit",
}
# Which phase each trial aims its kill at, in turn: half of them while bytes are written.
TARGETS = (WRITING, STARTED, WRITING, COMMITTING, WRITING, STORED, WRITING, DONE, WRITING, STORED)


@dataclass
class CrashReport:
    trials: int = 0
    killed: int = 0
    finished: int = 0
    rows: int = 0
    orphans: int = 0
    phases: Counter = field(default_factory=Counter)  # PHASES label -> kills that landed there
    problems: list = field(default_factory=list)

    def phase_counts(self):
        """The kills per phase, every phase named (0 where none landed), in the order of a write."""
        return {label: self.phases[label] for label in PHASES.values()}


def _reported_chunks(chunks, write_fd):
    """Yield ``chunks``, telling the parent as each is written (after the first) and once all are handed over."""
    for n, chunk in enumerate(chunks):
        if n:
            os.write(write_fd, WRITING)  # the store has taken chunk n - 1
        yield chunk
    os.write(write_fd, COMMITTING)


def _child(delivery, trial, size, write_fd):
    """Runs in the forked child: stream one file, reporting each phase to the parent, exit without cleanup."""
    from django.db.models.signals import pre_save

    from deliveries.models import FileMeta

    def stored(sender, instance, update_fields=None, **kwargs):
        # add_file saves the size and checksum only once the store has committed the bytes.
        if update_fields and "checksum" in update_fields:
            os.write(write_fd, STORED)

    try:
        pre_save.connect(stored, sender=FileMeta, weak=False)
        os.write(write_fd, STARTED)
        delivery.add_file(f"trial-{trial}.bin", _reported_chunks(payload_chunks(trial, size), write_fd))
        os.write(write_fd, DONE)
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
    _wait_for(read_fd, STARTED, b"")
    return pid, read_fd


def _wait_for(read_fd, phase, seen, timeout=CALIBRATION_TIMEOUT, count=1):
    """Read the child's reports until ``count`` of ``phase`` (or the end of the pipe); return all reported so far."""
    deadline = time.monotonic() + timeout
    while seen.count(phase) < count:
        if not select.select([read_fd], [], [], max(0, deadline - time.monotonic()))[0]:
            raise AssertionError(f"the child did not reach {PHASES[phase]!r} within {timeout} s: it hung")
        byte = os.read(read_fd, 1)
        if not byte:
            break  # the child exited (or failed) without reaching it
        seen += byte
    return seen


def _reports_after_exit(read_fd, seen):
    """Everything the (dead) child reported: read the pipe to its end."""
    while byte := os.read(read_fd, 64):
        seen += byte
    return seen


def time_one_write(delivery, size):
    """
    Seconds a forked child takes to reach each phase of one uninterrupted write, from its start:
    {WRITING: ..., COMMITTING: ..., STORED: ..., DONE: ...} (the file is deleted after).
    """
    from deliveries.models import FileMeta

    start = time.perf_counter()
    pid, read_fd = _fork_writer(delivery, -1, size)
    seen, reached = STARTED, {}
    for phase in (WRITING, COMMITTING, STORED, DONE):
        seen = _wait_for(read_fd, phase, seen)
        if phase not in seen:
            break
        reached[phase] = time.perf_counter() - start
    _, status = os.waitpid(pid, 0)
    os.close(read_fd)
    if set(reached) != {WRITING, COMMITTING, STORED, DONE} or os.WEXITSTATUS(status):
        raise AssertionError(f"the uninterrupted write failed after reporting {seen!r}")
    FileMeta.objects.filter(delivery=delivery, filename="trial--1.bin").delete()
    return reached


def _kill_in(pid, read_fd, target, timing, chunks, rng):
    """Wait for the phase before ``target`` as the child reports it, then kill at a random point inside it."""
    seen = STARTED
    if target == STARTED:
        # timing[WRITING] counts from before the fork: the window after "started" is shorter.
        time.sleep(rng.uniform(0, 0.25 * timing[WRITING]))
    elif target == WRITING:
        # Counted in chunks, not timed: the kill follows the report of a random chunk in the first
        # 80% of the file, so however the machine's load skews the timing, bytes are still coming.
        seen = _wait_for(read_fd, WRITING, seen, count=rng.randint(1, max(1, int(0.8 * chunks))))
    elif target == COMMITTING:
        seen = _wait_for(read_fd, COMMITTING, seen)
        time.sleep(rng.uniform(0, 0.9 * (timing[STORED] - timing[COMMITTING])))
    elif target == STORED:
        seen = _wait_for(read_fd, STORED, seen)  # the row's save and commit take a moment: kill at once
    else:
        seen = _wait_for(read_fd, DONE, seen)
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return _reports_after_exit(read_fd, seen), status


def run_trials(delivery, store, trials, size, seed=0, targets=TARGETS):
    """
    Fork ``trials`` children writing ``size`` bytes each and kill each in a phase of its write:
    the phases of ``targets`` in turn, at a random point inside the phase (while writing, after a
    random chunk; otherwise a random delay within the phase's length, measured first; the child
    reports when it enters each). Where a kill landed is what the child had
    reported when it died (``report.phases``). Return a CrashReport; the caller asserts on
    ``problems`` and the phases.
    """
    from deliveries.models import FileMeta

    timing = time_one_write(delivery, size)
    chunks = -(-size // PAYLOAD_CHUNK)
    rng = random.Random(seed)
    report = CrashReport()
    for trial in range(trials):
        pid, read_fd = _fork_writer(delivery, trial, size)
        seen, status = _kill_in(pid, read_fd, targets[trial % len(targets)], timing, chunks, rng)
        os.close(read_fd)
        finished = seen.endswith(DONE)
        report.trials += 1
        report.finished += finished
        report.killed += os.WIFSIGNALED(status) and not finished
        report.phases[PHASES[seen[-1:]]] += 1  # where the child was when the kill was sent
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
