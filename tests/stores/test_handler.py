"""Building the configured store, swapping it in tests, and the mixin's teeth."""

import io
import unittest

from django.test import SimpleTestCase, TestCase, TransactionTestCase, override_settings

from deliveries.models import FileMeta
from deliveries.stores import (
    FsDeliveryStore,
    InvalidStoreError,
    MemoryDeliveryStore,
    load_deliverystore_backend,
    swap_deliverystore,
)
from deliveries.stores.memory import _MemoryWriter
from deliveries.testhelpers import TestDeliveryStoreMixin


class TestLoadBackend(SimpleTestCase):
    def test_default_from_settings(self):
        """The configured dotted path and its settings build the store."""
        with override_settings(
            DELIVERY_STORE_BACKEND="deliveries.stores.FsDeliveryStore", DELIVERY_STORE_ROOT="/srv/x"
        ):
            store = load_deliverystore_backend()
        self.assertIsInstance(store, FsDeliveryStore)
        self.assertEqual(store.root, "/srv/x")

    def test_options_as_keywords(self):
        store = load_deliverystore_backend("deliveries.stores.FsDeliveryStore", root="/kw", fsync=False)
        self.assertEqual((store.root, store.fsync), ("/kw", False))

    def test_bad_path(self):
        """A path that does not import says so and what to set."""
        for path in ("nowhere.Store", "deliveries.stores.NoSuchStore", "deliveries"):
            with self.subTest(path=path), self.assertRaisesMessage(InvalidStoreError, "DELIVERY_STORE_BACKEND"):
                load_deliverystore_backend(path)

    def test_not_a_store(self):
        with self.assertRaisesMessage(InvalidStoreError, "is not a DeliveryStoreInterface subclass"):
            load_deliverystore_backend("deliveries.models.FileMeta")

    def test_unknown_option(self):
        """An option the backend does not take names the backend and the option."""
        with self.assertRaisesMessage(InvalidStoreError, "FsDeliveryStore refuses the options ['colour']"):
            load_deliverystore_backend("deliveries.stores.FsDeliveryStore", colour="blue")


class TestConfiguredStore(SimpleTestCase):
    def test_override_settings_rebuilds(self):
        """FileMeta.deliverystore follows override_settings of DELIVERY_STORE_* settings."""
        with override_settings(DELIVERY_STORE_BACKEND="deliveries.stores.FsDeliveryStore", DELIVERY_STORE_ROOT="/a"):
            self.assertEqual(FileMeta.deliverystore.root, "/a")
        self.assertIsInstance(FileMeta.deliverystore, MemoryDeliveryStore)

    def test_swap(self):
        """swap_deliverystore assigns another store and puts the configured one back."""
        configured = FileMeta.deliverystore
        mine = MemoryDeliveryStore()
        with swap_deliverystore(FileMeta, mine):
            self.assertIs(FileMeta.deliverystore, mine)
        self.assertIs(FileMeta.deliverystore, configured)


class _TruncatingWriter(_MemoryWriter):
    def _commit(self):
        self._buffer.truncate(max(0, self._buffer.tell() - 1))  # loses the last byte
        super()._commit()


class TruncatingStore(MemoryDeliveryStore):
    def _write_open(self, key):
        return _TruncatingWriter(key, self)


class ForgetfulStore(MemoryDeliveryStore):
    """Keeps bytes only until the next write: a store that loses files."""

    def _write_open(self, key):
        with self._lock:
            self._objects.clear()
        return super()._write_open(key)


class TestMixinCatchesBrokenStores(TransactionTestCase):
    """The contract has teeth: a store that truncates or loses bytes fails it."""

    # TransactionTestCase: the inner TestCase classes open and close their own transactions.

    def run_contract(self, store_cls):
        case = type("Case", (TestDeliveryStoreMixin, TestCase), {"get_storageobj": lambda self: store_cls()})
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
        result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
        return {test.id().rsplit(".", 1)[1] for test, _ in result.failures + result.errors}

    def test_truncating_store_fails(self):
        failed = self.run_contract(TruncatingStore)
        self.assertTrue({"test_writemany", "test_binary_bytes", "test_larger_than_chunk"} <= failed, failed)

    def test_forgetful_store_fails(self):
        failed = self.run_contract(ForgetfulStore)
        self.assertTrue({"test_listing", "test_concurrent_writers"} <= failed, failed)

    def test_good_store_passes(self):
        self.assertEqual(self.run_contract(MemoryDeliveryStore), set())
