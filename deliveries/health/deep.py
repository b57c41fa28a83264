"""The deep pass: read every byte of a file back and recompute its SHA-256, on several threads."""

import queue
import threading

from django.db import connections

from ..integrity import READ_SIZE, Outcome, verify
from .report import Code, Problem

_CORRUPT_CODE = {"size": Code.SIZE_MISMATCH, "sha256": Code.HASH_MISMATCH}


def _verify(store, pk, size, checksum, buffer):
    """
    Return (bytes read, Problem or None) for one row whose object the listing showed: the one
    verification's outcome as a problem code (UNREADABLE leaves the row's status alone).
    """
    key = str(pk)
    result = verify(store, key, size, checksum, buffer)
    if result.outcome == Outcome.INTACT:
        return result.size, None
    if result.outcome == Outcome.MISSING:
        return 0, Problem(Code.MISSING, key, pk, "listed, but gone when read")
    if result.outcome == Outcome.UNREADABLE:
        return 0, Problem(Code.UNREADABLE, key, pk, result.detail)
    return result.size, Problem(_CORRUPT_CODE[result.differs], key, pk, result.detail)


class Hasher:
    """
    Verifies rows on ``jobs`` threads, fed through a bounded queue (memory stays bounded however
    many rows there are). With one job it verifies inline, on the caller's thread and connection.
    """

    def __init__(self, store, jobs, on_done):
        self.store, self.jobs, self.on_done = store, jobs, on_done
        self._results = queue.SimpleQueue()
        self._buffer = bytearray(READ_SIZE)
        self._tasks = queue.Queue(maxsize=jobs * 8) if jobs > 1 else None
        self._threads = [threading.Thread(target=self._work, daemon=True) for _ in range(jobs if jobs > 1 else 0)]
        for thread in self._threads:
            thread.start()

    def _work(self):
        buffer = bytearray(READ_SIZE)
        try:
            while (task := self._tasks.get()) is not None:
                pk, size, checksum = task
                self._results.put((pk, size, *_verify(self.store, pk, size, checksum, buffer)))
        finally:
            connections.close_all()  # a database-backed store opened this thread's own connection

    def submit(self, pk, size, checksum):
        if self._tasks is None:
            self.on_done(pk, size, *_verify(self.store, pk, size, checksum, self._buffer))
        else:
            self._tasks.put((pk, size, checksum))
            self.drain()

    def drain(self):
        while True:
            try:
                self.on_done(*self._results.get_nowait())
            except queue.Empty:
                return

    def finish(self):
        for _ in self._threads:
            self._tasks.put(None)
        for thread in self._threads:
            thread.join()
        self.drain()
