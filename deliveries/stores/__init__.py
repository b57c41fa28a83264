"""
DeliveryStores: where the bytes of every FileMeta live. One module per backend; this package
re-exports the public names so ``deliveries.stores.FsDeliveryStore`` and friends work as dotted
paths in ``DELIVERY_STORE_BACKEND``.
"""

from .base import (
    DeliveryStoreFileNotFound,
    DeliveryStoreInterface,
    InvalidStoreError,
    Leftover,
    StoredObject,
    StoreWriter,
    key_for,
)
from .database import DatabaseDeliveryStore
from .dbm import DbmDeliveryStore
from .filesystem import FsDeliveryStore
from .handler import import_backend, load_deliverystore_backend, swap_deliverystore
from .memory import MemoryDeliveryStore

__all__ = [
    "DatabaseDeliveryStore",
    "DbmDeliveryStore",
    "DeliveryStoreFileNotFound",
    "DeliveryStoreInterface",
    "FsDeliveryStore",
    "InvalidStoreError",
    "Leftover",
    "MemoryDeliveryStore",
    "StoreWriter",
    "StoredObject",
    "import_backend",
    "key_for",
    "load_deliverystore_backend",
    "swap_deliverystore",
]
