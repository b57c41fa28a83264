"""Fixtures shared by every test."""

import pytest

from deliveries.models import FileMeta
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore


@pytest.fixture
def memory_store():
    """A fresh MemoryDeliveryStore as FileMeta.deliverystore for one test."""
    with swap_deliverystore(FileMeta, MemoryDeliveryStore()) as store:
        yield store
