"""Every backend passes the whole DeliveryStore contract."""

import shutil
import tempfile

from django.test import TestCase, TransactionTestCase

from deliveries.stores import (
    DatabaseDeliveryStore,
    DbmDeliveryStore,
    FsDeliveryStore,
    MemoryDeliveryStore,
    MirroredDeliveryStore,
)
from deliveries.testhelpers import TestDeliveryStoreMixin


class TempDirMixin:
    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="deliverystore-")
        self.addCleanup(shutil.rmtree, self.tmpdir, ignore_errors=True)
        super().setUp()


class TestMemoryDeliveryStore(TestDeliveryStoreMixin, TestCase):
    def get_storageobj(self):
        return MemoryDeliveryStore()


class TestFsDeliveryStore(TempDirMixin, TestDeliveryStoreMixin, TestCase):
    def get_storageobj(self):
        return FsDeliveryStore(root=self.tmpdir)


class TestFsDeliveryStoreWithoutFsync(TempDirMixin, TestDeliveryStoreMixin, TestCase):
    def get_storageobj(self):
        return FsDeliveryStore(root=self.tmpdir, fsync=False)


class TestDbmDeliveryStore(TempDirMixin, TestDeliveryStoreMixin, TestCase):
    def get_storageobj(self):
        store = DbmDeliveryStore(filename=f"{self.tmpdir}/store.dbm", chunk_size=64 * 1024)
        self.addCleanup(store.close)
        return store


class TestDatabaseDeliveryStore(TestDeliveryStoreMixin, TransactionTestCase):
    # TransactionTestCase: the concurrent-writers test uses real connections from threads.
    def get_storageobj(self):
        return DatabaseDeliveryStore(chunk_size=256 * 1024)


FS = "deliveries.stores.FsDeliveryStore"


class TestMirroredMemory(TestDeliveryStoreMixin, TestCase):
    def get_storageobj(self):
        return MirroredDeliveryStore(MemoryDeliveryStore(), [MemoryDeliveryStore()])


class TestMirroredFs(TempDirMixin, TestDeliveryStoreMixin, TestCase):
    def get_storageobj(self):
        return MirroredDeliveryStore(
            {"backend": FS, "options": {"root": f"{self.tmpdir}/a"}},
            [{"backend": FS, "options": {"root": f"{self.tmpdir}/b", "fsync": False}}],
        )


class TestMirroredThreeCopiesSmallVerifyAhead(TempDirMixin, TestDeliveryStoreMixin, TestCase):
    """The contract with two replicas, and every file big enough to stream (verify_ahead=0)."""

    def get_storageobj(self):
        return MirroredDeliveryStore(
            {"backend": FS, "options": {"root": f"{self.tmpdir}/a", "fsync": False}},
            [MemoryDeliveryStore(), {"backend": FS, "options": {"root": f"{self.tmpdir}/c", "fsync": False}}],
            verify_ahead=0,
        )


class TestDbmCleanupFailure(TempDirMixin, TestCase):
    def test_failed_cleanup_keeps_the_new_bytes(self):
        """Once a rewrite is published, failing to delete the old chunks leaves leftovers, not lost bytes."""
        from unittest import mock

        store = DbmDeliveryStore(filename=f"{self.tmpdir}/store.dbm", chunk_size=4)
        self.addCleanup(store.close)
        with store.write_open("7") as writer:
            writer.write(b"old bytes")
        with mock.patch.object(store, "_delete_chunks", side_effect=OSError(5, "I/O error")):
            with self.assertLogs("deliveries.stores.dbm", "WARNING"):
                with store.write_open("7") as writer:
                    writer.write(b"new bytes!")
        self.assertEqual(b"".join(store.iter_chunks("7")), b"new bytes!")
        self.assertEqual({leftover.kind for leftover in store.iter_leftovers()}, {"temporary"})
