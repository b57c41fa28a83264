"""
Delivery numbers and add_file under real parallel connections (threads, one connection each).

Marked ``postgres``: written for the PostgreSQL pass of `make test`, where the connections truly
run in parallel. They pass on SQLite too (its IMMEDIATE transactions serialise the writers), so
both passes run them.
"""

import hashlib
import os
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TransactionTestCase

from deliveries.models import Delivery, FileMeta
from deliveries.stores import FsDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery

THREADS = 8


def run_in_threads(target, args_list):
    """Start one thread per args tuple at the same moment; return (results, errors)."""
    barrier = threading.Barrier(len(args_list))
    results, errors = [], []

    def worker(*args):
        try:
            barrier.wait()
            results.append(target(*args))
        except Exception as e:  # collected: an exception in a thread would be lost
            errors.append(e)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=worker, args=args) for args in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.mark.postgres
class TestConcurrency(TransactionTestCase):
    def setUp(self):
        self.delivery = make_delivery("concurrency")
        self.group = self.delivery.assignment_group

    def test_database_is_the_one_asked_for(self):
        """The pass runs on the database DATABASE_URL names (no silent fallback to SQLite)."""
        expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
        self.assertEqual(connection.vendor, expected)

    def test_concurrent_begin_numbers_never_collide(self):
        """Parallel Delivery.begin calls on one group get distinct, gap-free numbers."""
        results, errors = run_in_threads(lambda: Delivery.begin(self.group).number, [()] * THREADS)
        self.assertEqual(errors, [])
        self.assertEqual(sorted(results), list(range(2, THREADS + 2)))  # 1 went to setUp's delivery

    def test_concurrent_add_file(self):
        """Parallel add_file calls into one delivery each store exactly their own bytes."""
        payloads = {f"f{i}.bin": os.urandom(300_000 + i) for i in range(THREADS)}
        with swap_deliverystore(FileMeta, FsDeliveryStore(root=self._tmpdir(), fsync=False)) as store:
            _, errors = run_in_threads(
                lambda name: self.delivery.add_file(name, [payloads[name]]), [(name,) for name in payloads]
            )
            self.assertEqual(errors, [])
            for filemeta in FileMeta.objects.filter(delivery=self.delivery):
                data = payloads[filemeta.filename]
                self.assertEqual((filemeta.size, filemeta.checksum), (len(data), hashlib.sha256(data).hexdigest()))
                with store.read_open(filemeta) as reader:
                    self.assertEqual(reader.read(), data)
            self.assertEqual(FileMeta.objects.filter(delivery=self.delivery).count(), THREADS)

    def test_concurrent_add_file_same_name(self):
        """Parallel add_file calls with one name: one wins, the others get a ValidationError, no stray bytes."""
        with swap_deliverystore(FileMeta, FsDeliveryStore(root=self._tmpdir(), fsync=False)) as store:
            results, errors = run_in_threads(
                lambda i: self.delivery.add_file("same.txt", [f"writer {i}".encode()]), [(i,) for i in range(THREADS)]
            )
            self.assertEqual(len(results), 1)
            self.assertEqual(len(errors), THREADS - 1)
            self.assertTrue(all(isinstance(e, ValidationError) for e in errors), errors)
            self.assertEqual([o.key for o in store.iter_objects()], [str(results[0].pk)])

    def _tmpdir(self):
        import shutil
        import tempfile

        path = tempfile.mkdtemp(prefix="deliverystore-concurrency-")
        self.addCleanup(shutil.rmtree, path, ignore_errors=True)
        return path
