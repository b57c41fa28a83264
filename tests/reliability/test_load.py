"""Concurrent deliveries: 8 processes x 200 add_file calls on the filesystem store, one shared group."""

import hashlib
import multiprocessing
import os
import shutil
import tempfile

from django.db import connections
from django.test import TransactionTestCase

from deliveries.models import Delivery, FileMeta
from deliveries.stores import FsDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery

PROCESSES = 8
FILES_PER_PROCESS = 200
FILES_PER_DELIVERY = 20


def content(proc, n):
    return hashlib.sha256(f"{proc}-{n}".encode()).digest() * (64 + n % 50)


def deliver(group, proc, queue):
    connections.close_all()
    try:
        delivered = 0
        for d in range(FILES_PER_PROCESS // FILES_PER_DELIVERY):
            delivery = Delivery.begin(group)
            for f in range(FILES_PER_DELIVERY):
                n = d * FILES_PER_DELIVERY + f
                delivery.add_file(f"p{proc}-{n}.bin", [content(proc, n)])
                delivered += 1
            delivery.finish()
        queue.put((proc, delivered, None))
    except BaseException as e:  # reported to the parent
        queue.put((proc, 0, repr(e)))
    finally:
        connections.close_all()
        os._exit(0)


class TestConcurrentDeliveries(TransactionTestCase):
    def test_8_processes_x_200_files(self):
        tmp = tempfile.mkdtemp(prefix="load-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        store = FsDeliveryStore(root=tmp)
        with swap_deliverystore(FileMeta, store):
            group = make_delivery().assignment_group  # delivery #1 exists already
            connections.close_all()
            ctx = multiprocessing.get_context("fork")
            queue = ctx.SimpleQueue()
            procs = [ctx.Process(target=deliver, args=(group, p, queue)) for p in range(PROCESSES)]
            for p in procs:
                p.start()
            results = [queue.get() for _ in procs]
            for p in procs:
                p.join()
            self.assertEqual([error for _, _, error in results if error], [])
            self.assertEqual(sum(n for _, n, _ in results), PROCESSES * FILES_PER_PROCESS)

            numbers = list(Delivery.objects.filter(assignment_group=group).values_list("number", flat=True))
            expected = 1 + PROCESSES * FILES_PER_PROCESS // FILES_PER_DELIVERY
            self.assertEqual(sorted(numbers), list(range(1, expected + 1)))
            rows = FileMeta.objects.filter(delivery__assignment_group=group)
            self.assertEqual(rows.count(), PROCESSES * FILES_PER_PROCESS)
            for pk, name, size, checksum in rows.values_list("pk", "filename", "size", "checksum").iterator():
                proc, n = (int(x) for x in name[1:-4].split("-"))
                data = content(proc, n)
                stored = b"".join(store.iter_chunks(pk))
                self.assertEqual((size, checksum), (len(data), hashlib.sha256(data).hexdigest()), name)
                self.assertEqual(stored, data, name)
            self.assertEqual(len(list(store.iter_objects())), PROCESSES * FILES_PER_PROCESS)
