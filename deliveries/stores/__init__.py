"""
DeliveryStores: where the bytes of every FileMeta live. One module per backend; this package
re-exports the public names so ``deliveries.stores.FsDeliveryStore`` and friends work as dotted
paths in ``DELIVERY_STORE_BACKEND``.
"""

from .base import (
    MARKER_KEY,
    DeliveryStoreFileNotFound,
    DeliveryStoreInterface,
    InvalidStoreError,
    Leftover,
    Option,
    StoreCopy,
    StoredObject,
    StoreFacts,
    StoreWriter,
    key_for,
)
from .database import DatabaseDeliveryStore
from .dbm import DbmDeliveryStore
from .django_storage import DjangoStorageDeliveryStore
from .filesystem import FsDeliveryStore
from .handler import available_backends, import_backend, load_deliverystore_backend, swap_deliverystore
from .healing import DeliveryStoreDamaged
from .memory import MemoryDeliveryStore
from .mirrored import MirroredDeliveryStore

__all__ = [
    "MARKER_KEY",
    "DatabaseDeliveryStore",
    "DbmDeliveryStore",
    "DeliveryStoreDamaged",
    "DeliveryStoreFileNotFound",
    "DjangoStorageDeliveryStore",
    "DeliveryStoreInterface",
    "FsDeliveryStore",
    "InvalidStoreError",
    "Leftover",
    "MemoryDeliveryStore",
    "MirroredDeliveryStore",
    "Option",
    "S3DeliveryStore",
    "S3StoreUnavailable",
    "StoreCopy",
    "StoreFacts",
    "StoreWriter",
    "StoredObject",
    "available_backends",
    "import_backend",
    "key_for",
    "load_deliverystore_backend",
    "swap_deliverystore",
]


# The S3 backend imports boto3, which only sites using it need: load it on first use, so that a
# missing boto3 is an InvalidStoreError for S3DeliveryStore alone, not an ImportError for all.
_LAZY = {"S3DeliveryStore": ".s3", "S3StoreUnavailable": ".s3"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
