"""Readers racing writers and removers on the same keys see whole old bytes, whole new bytes, or a clean FileNotFoundError."""

import multiprocessing
import os
import shutil
import tempfile
import threading
import time

from django.db import connections
from django.test import TransactionTestCase

from deliveries.stores import DatabaseDeliveryStore, DbmDeliveryStore, FsDeliveryStore

SIZE = 512 * 1024
KEYS = ["11", "12"]
SECONDS = float(os.environ.get("RACE_SECONDS", "2"))
# Counts, not speed, are what the test needs: loops run past SECONDS until they have done this
# much, with a guard against a hang.
MIN_OPS = 12
HANG_GUARD = 120


def version(n):
    """Version n of a key's bytes: SIZE bytes of one value, so a mix of versions is visible."""
    return bytes([n % 251 + 1]) * SIZE


def writer_loop(store, deadline, seed):
    """Rewrite and remove the keys until the deadline (and at least MIN_OPS times); end with both written."""
    n = seed
    while (time.monotonic() < deadline or n - seed < MIN_OPS) and time.monotonic() < deadline + HANG_GUARD:
        for key in KEYS:
            n += 1
            if n % 5 == 0:
                try:
                    store.remove(key)
                except FileNotFoundError:
                    pass
            else:
                data = version(n)
                with store.write_open(key) as writer:
                    for i in range(0, SIZE, 64 * 1024):
                        writer.write(data[i : i + 64 * 1024])
            time.sleep(0.005)  # leave readers a window, or a store that serialises writes starves them
    for key in KEYS:  # a reader still going finds whole bytes in the end, however slow this machine
        with store.write_open(key) as writer:
            writer.write(version(n))
    return n - seed


def reader_loop(store, deadline):
    """Return (whole reads, clean not-found, list of problems)."""
    whole = missing = 0
    problems = []
    while (time.monotonic() < deadline or not whole) and time.monotonic() < deadline + HANG_GUARD:
        for key in KEYS:
            try:
                data = b"".join(store.iter_chunks(key, chunk_size=32 * 1024))
            except FileNotFoundError:
                missing += 1
                continue
            if len(data) != SIZE or data.count(data[:1]) != SIZE:
                problems.append(f"key {key}: {len(data)} bytes of {len(set(data))} versions")
            else:
                whole += 1
    return whole, missing, problems


def _process_main(kind, store, deadline, seed, queue):
    connections.close_all()
    try:
        result = writer_loop(store, deadline, seed) if kind == "writer" else reader_loop(store, deadline)
        queue.put((kind, result))
    except BaseException as e:  # reported to the parent
        queue.put((kind, repr(e)))
    finally:
        os._exit(0)


class RaceMixin:
    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="race-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def check(self, results):
        # Every worker (two writers, two readers) must have reported: one that died proves nothing.
        self.assertEqual(sorted(kind for kind, _ in results), ["reader", "reader", "writer", "writer"], results)
        for kind, result in results:  # a string is the repr of an exception in that process
            self.assertNotIsInstance(result, str, f"{kind}: {result}")
        writes = sum(r for kind, r in results if kind == "writer")
        reads = [r for kind, r in results if kind == "reader"]
        problems = [p for _, _, ps in reads for p in ps]
        self.assertEqual(problems, [])
        self.assertGreater(writes, 10)
        self.assertGreater(sum(w for w, _, _ in reads), 0)
        print(
            f"\n{type(self).__name__}: {writes} writes/removes, {sum(w for w, _, _ in reads)} whole reads, "
            f"{sum(m for _, m, _ in reads)} clean not-found, 0 mixed"
        )


class ProcessRaceMixin(RaceMixin):
    """Two writer processes and two reader processes on the same keys."""

    def test_processes(self):
        store = self.make_store()
        connections.close_all()
        ctx = multiprocessing.get_context("fork")
        queue = ctx.SimpleQueue()  # put() writes synchronously: the child may _exit right after
        deadline = time.monotonic() + SECONDS
        procs = [
            ctx.Process(target=_process_main, args=(kind, store, deadline, seed, queue))
            for seed, kind in enumerate(["writer", "writer", "reader", "reader"])
        ]
        for p in procs:
            p.start()
        results = [queue.get() for _ in procs]
        for p in procs:
            p.join(timeout=30)
        self.check(results)


class TestRaceFs(ProcessRaceMixin, TransactionTestCase):
    def make_store(self):
        return FsDeliveryStore(root=self.tmp, fsync=False)


class TestRaceDatabase(ProcessRaceMixin, TransactionTestCase):
    def make_store(self):
        return DatabaseDeliveryStore(chunk_size=128 * 1024)


class TestRaceDbmThreads(RaceMixin, TransactionTestCase):
    """The dbm store promises safety between the threads of one process: test exactly that."""

    def test_threads(self):
        store = DbmDeliveryStore(filename=os.path.join(self.tmp, "race.dbm"), chunk_size=128 * 1024)
        deadline = time.monotonic() + SECONDS
        results = []

        def run(kind, seed):
            results.append(
                (kind, writer_loop(store, deadline, seed) if kind == "writer" else reader_loop(store, deadline))
            )

        threads = [
            threading.Thread(target=run, args=(kind, seed))
            for seed, kind in enumerate(["writer", "writer", "reader", "reader"])
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.check(results)
