"""A test mixin that installs a fresh store as FileMeta.deliverystore for each test."""

from deliveries.models import FileMeta
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore


class SwappedStoreMixin:
    """``self.store`` (``get_store()``, a MemoryDeliveryStore by default) is FileMeta.deliverystore during each test."""

    def get_store(self):
        return MemoryDeliveryStore()

    def setUp(self):
        super().setUp()
        self.store = self.get_store()
        swap = swap_deliverystore(FileMeta, self.store)
        swap.__enter__()
        self.addCleanup(swap.__exit__, None, None, None)
