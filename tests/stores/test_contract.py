"""Every backend passes the whole DeliveryStore contract."""

import shutil
import tempfile

from django.test import TestCase, TransactionTestCase

from deliveries.stores import DatabaseDeliveryStore, DbmDeliveryStore, FsDeliveryStore, MemoryDeliveryStore
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

