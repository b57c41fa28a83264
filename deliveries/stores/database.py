"""DatabaseDeliveryStore: bytes in chunked rows of the project's database."""

import io
import uuid

from django.apps import apps
from django.db import IntegrityError, connections, transaction

from .base import (
    CHUNK_SIZE,
    ChunkedReader,
    ChunkedWriter,
    DeliveryStoreFileNotFound,
    DeliveryStoreInterface,
    Leftover,
    Option,
    StoredObject,
    StoreFacts,
)

__all__ = ["DatabaseDeliveryStore"]

TEMP_PREFIX = "tmp-"
COMMIT_ATTEMPTS = 10  # concurrent writers of one key; last to commit wins


def _models():
    # The tables belong to the deliveries app (StoredBlob, StoredChunk); looked up lazily so the
    # store module does not import the app's models at import time.
    return apps.get_model("deliveries", "StoredBlob"), apps.get_model("deliveries", "StoredChunk")


class _DatabaseReader(ChunkedReader):
    def __init__(self, store, key, blob_id, size):
        super().__init__(key, size, store.chunk_size)
        self._store, self._blob_id = store, blob_id

    def _fetch(self, index):
        _, StoredChunk = _models()
        data = (
            StoredChunk.objects.using(self._store.using)
            .filter(blob_id=self._blob_id, index=index)
            .values_list("data", flat=True)
            .first()
        )
        return None if data is None else bytes(data)


class _DatabaseWriter(ChunkedWriter):
    """Puts chunks under a temporary blob name; publishing renames the blob to the key."""

    def __init__(self, key, store):
        super().__init__(key, store.chunk_size)
        self._store = store
        StoredBlob, _ = _models()
        self._blob = StoredBlob.objects.using(store.using).create(
            name=f"{TEMP_PREFIX}{uuid.uuid4().hex}", size=0, complete=False
        )

    def _put_chunk(self, index, data):
        _, StoredChunk = _models()
        StoredChunk.objects.using(self._store.using).create(blob=self._blob, index=index, data=data)

    def _publish(self):
        StoredBlob, _ = _models()
        blobs = StoredBlob.objects.using(self._store.using)
        for attempt in range(COMMIT_ATTEMPTS):
            try:
                with transaction.atomic(using=self._store.using):
                    blobs.filter(name=self.key).delete()
                    blobs.filter(pk=self._blob.pk).update(name=self.key, size=self.bytes_written, complete=True)
                return
            except IntegrityError:
                # Under READ COMMITTED (PostgreSQL) another writer of this key can commit its
                # rename between our delete and ours: delete the winner's and rename again.
                if attempt == COMMIT_ATTEMPTS - 1:
                    raise

    def _discard(self):
        # The chunks go with their blob (ON DELETE CASCADE).
        StoredBlob, _ = _models()
        StoredBlob.objects.using(self._store.using).filter(pk=self._blob.pk).delete()


class DatabaseDeliveryStore(DeliveryStoreInterface):
    """
    Keeps bytes in the ``StoredBlob``/``StoredChunk`` tables: raw binary chunks of
    ``chunk_size`` bytes (``DELIVERY_STORE_CHUNK_SIZE``, default 1 MiB), no base64. Reads fetch
    one chunk at a time, so memory stays bounded. ``using`` names the database alias.

    Inside a transaction the bytes share its fate: a rollback takes them away with the rows.
    """

    options = {
        "using": Option(default="default"),
        "chunk_size": CHUNK_SIZE,
    }

    def describe(self):
        return f"DatabaseDeliveryStore in database {self.using!r}"

    def health_facts(self):
        if self.using not in connections.settings:
            problem = f"its database {self.using!r} is not in DATABASES. Add it there, or give the store another database (the using option)."
            return StoreFacts("database", self.using, False, False, problem=problem)
        return StoreFacts("database", self.using)  # whether it answers takes a round trip

    def _blob(self, key):
        StoredBlob, _ = _models()
        blob = StoredBlob.objects.using(self.using).filter(name=key, complete=True).values("pk", "size").first()
        if blob is None:
            raise DeliveryStoreFileNotFound(key)
        return blob

    def _write_open(self, key):
        return _DatabaseWriter(key, self)

    def _read_open(self, key):
        blob = self._blob(key)
        return io.BufferedReader(_DatabaseReader(self, key, blob["pk"], blob["size"]), self.chunk_size)

    def _exists(self, key):
        StoredBlob, _ = _models()
        return StoredBlob.objects.using(self.using).filter(name=key, complete=True).exists()

    def _size(self, key):
        return self._blob(key)["size"]

    def _remove(self, key):
        StoredBlob, _ = _models()
        deleted, _ = StoredBlob.objects.using(self.using).filter(name=key, complete=True).delete()
        if not deleted:
            raise DeliveryStoreFileNotFound(key)

    def _iter_objects(self):
        StoredBlob, _ = _models()
        rows = StoredBlob.objects.using(self.using).filter(complete=True).values_list("name", "size", "created")
        for name, size, created in rows.iterator(chunk_size=10_000):
            yield StoredObject(name, size, created)

    def iter_leftovers(self):
        StoredBlob, _ = _models()
        rows = StoredBlob.objects.using(self.using).filter(complete=False).values_list("name", "created")
        for name, created in rows.iterator(chunk_size=10_000):
            yield Leftover("temporary", name, 0, created)

    def remove_leftover(self, leftover):
        StoredBlob, _ = _models()
        StoredBlob.objects.using(self.using).filter(name=leftover.name, complete=False).delete()
