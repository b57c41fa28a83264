"""MemoryDeliveryStore: bytes in a dict, for tests. Process-local and thread-safe."""

import io
import threading

from .base import (
    DEFAULT_CHUNK_SIZE,
    DeliveryStoreFileNotFound,
    DeliveryStoreInterface,
    Option,
    StoredObject,
    StoreFacts,
    StoreWriter,
    positive_int,
)

__all__ = ["MemoryDeliveryStore"]


class _MemoryWriter(StoreWriter):
    def __init__(self, key, store):
        super().__init__(key)
        self._store = store
        self._buffer = io.BytesIO()

    def _write(self, data):
        self._buffer.write(data)

    def _commit(self):
        data = self._buffer.getvalue()
        self._buffer = None
        with self._store._lock:
            self._store._objects[self.key] = data

    def _abort(self):
        self._buffer = None


class MemoryDeliveryStore(DeliveryStoreInterface):
    """
    Keeps bytes in memory. Every reader gets its own view of an immutable ``bytes`` object, so
    readers never share a position (Devilry's ``MemFile`` did) and a rewrite never changes what an
    open reader sees.
    """

    # No settings: a store for tests is configured by its keywords alone.
    options = {"chunk_size": Option(default=DEFAULT_CHUNK_SIZE, clean=positive_int)}

    def __init__(self, **options):
        super().__init__(**options)
        self._objects = {}
        self._lock = threading.Lock()

    def health_facts(self):
        return StoreFacts("memory", "of this process", exists=True, writable=True)

    def _write_open(self, key):
        return _MemoryWriter(key, self)

    def _get(self, key):
        with self._lock:
            try:
                return self._objects[key]
            except KeyError:
                raise DeliveryStoreFileNotFound(key) from None

    def _read_open(self, key):
        return io.BytesIO(self._get(key))

    def _exists(self, key):
        with self._lock:
            return key in self._objects

    def _size(self, key):
        return len(self._get(key))

    def _remove(self, key):
        with self._lock:
            if self._objects.pop(key, None) is None:
                raise DeliveryStoreFileNotFound(key)

    def _copy(self, src_key, dst_key):
        data = self._get(src_key)  # bytes are immutable: sharing them is a copy
        with self._lock:
            self._objects[dst_key] = data

    def _iter_objects(self):
        with self._lock:
            snapshot = [(key, len(data)) for key, data in self._objects.items()]
        return (StoredObject(key, size) for key, size in snapshot)
