"""DbmDeliveryStore: bytes in one file through Python's ``dbm``."""

import dataclasses
import dbm
import io
import logging
import os
import struct
import threading

from .base import (
    CHUNK_SIZE,
    ChunkedReader,
    ChunkedWriter,
    DeliveryStoreFileNotFound,
    DeliveryStoreInterface,
    Leftover,
    Option,
    StoredObject,
    absolute_path,
    local_facts,
)

__all__ = ["DbmDeliveryStore"]

logger = logging.getLogger(__name__)

# Layout inside the dbm file. Values are split into chunks so reads and writes stream:
#   b"m:<key>"             -> manifest: generation (16 bytes) + size (8) + chunk count (8)
#   b"c:<key>:<gen>:<n>"   -> chunk n of that generation
# A writer files its chunks under a fresh generation and publishes them by writing the manifest
# (one assignment); the old generation's chunks are deleted afterwards. A crash before the
# manifest leaves only unreferenced chunks, which iter_leftovers reports as temporary.
_MANIFEST = struct.Struct(">16sQQ")


def _manifest_key(key):
    return b"m:" + key.encode()


def _chunk_key(key, generation, index):
    return b"c:%s:%s:%d" % (key.encode(), generation.hex().encode(), index)


class _DbmReader(ChunkedReader):
    def __init__(self, store, key, generation, size, chunk_size):
        super().__init__(key, size, chunk_size)
        self._store, self._generation = store, generation

    def _fetch(self, index):
        return self._store._get(_chunk_key(self.key, self._generation, index))


class _DbmWriter(ChunkedWriter):
    """Puts chunks under a fresh generation; publishing writes the manifest that names it."""

    def __init__(self, key, store):
        super().__init__(key, store.chunk_size)
        self._store = store
        self._generation = os.urandom(16)

    def _put_chunk(self, index, data):
        self._store._put(_chunk_key(self.key, self._generation, index), data)

    def _publish(self):
        old = self._store._manifest(self.key)
        self._store._put(
            _manifest_key(self.key), _MANIFEST.pack(self._generation, self.bytes_written, self.chunk_count)
        )
        self._store._sync()
        if old is not None:
            # The new bytes are published: a failure to clean up the old ones leaves leftovers
            # (which iter_leftovers reports), never a reason to abort and lose the new bytes.
            try:
                self._store._delete_chunks(self.key, old[0], old[2])
            except Exception:
                logger.warning(
                    "Could not delete the old chunks of key %s; they remain as leftovers.", self.key, exc_info=True
                )

    def _discard(self):
        self._store._delete_chunks(self.key, self._generation, self.chunk_count)


class DbmDeliveryStore(DeliveryStoreInterface):
    """
    Keeps every object in one ``dbm`` database file (``DELIVERY_STORE_DBM_FILENAME``).

    Safe for the threads of one process (one lock around the database); not for several
    processes writing at once. Which dbm implementation is used is Python's choice
    (``dbm.sqlite3`` on Python 3.13 and newer, which survives a crash of the process).
    """

    options = {
        "filename": Option("DELIVERY_STORE_DBM_FILENAME", clean=absolute_path, required=True),
        "chunk_size": CHUNK_SIZE,
    }

    def __init__(self, filename=None, **options):
        super().__init__(filename=filename, **options)
        self._lock = threading.RLock()
        self._local = threading.local()

    def describe(self):
        return f"DbmDeliveryStore in {self.filename}"

    def health_facts(self):
        setting = self.options["filename"].setting
        facts = local_facts(self.filename, kind="dbm file", setting=setting, directory=False)
        if facts.exists and dbm.whichdb(self.filename) == "":  # a file, but no database dbm can open
            problem = self._not_a_database()
            return dataclasses.replace(facts, exists=False, writable=False, problem=problem)
        return facts

    def _not_a_database(self):
        setting = self.options["filename"].setting
        return (
            f"its dbm file is not a dbm database ({self.filename}). Set {setting} to a dbm file, "
            "or to a new name in a writable directory."
        )

    def _open(self):
        # One handle per thread (dbm.sqlite3 handles are bound to their thread) and per process (a
        # handle must not cross a fork). The store's lock serialises their use.
        local = self._local
        if getattr(local, "db", None) is None or local.pid != os.getpid():
            os.makedirs(os.path.dirname(self.filename), exist_ok=True)
            try:
                local.db = dbm.open(self.filename, "c")
            except dbm.error[0] as e:  # dbm.error is a tuple: (dbm's own error, OSError)
                # Not an OSError of its own: say what the file is, as the OSError a store raises.
                raise OSError(f"{self.describe()}: {self._not_a_database()}") from e
            local.pid = os.getpid()
        return local.db

    def close(self):
        """Close this thread's handle on the database file (it is reopened on the next use)."""
        with self._lock:
            local = self._local
            if getattr(local, "db", None) is not None and local.pid == os.getpid():
                local.db.close()
            local.db = None

    def _get(self, raw_key):
        with self._lock:
            try:
                return self._open()[raw_key]
            except KeyError:
                return None

    def _put(self, raw_key, value):
        with self._lock:
            self._open()[raw_key] = value

    def _delete(self, raw_key):
        with self._lock:
            try:
                del self._open()[raw_key]
            except KeyError:
                pass

    def _sync(self):
        with self._lock:
            sync = getattr(self._open(), "sync", None)
            if sync is not None:
                sync()

    def _manifest(self, key):
        raw = self._get(_manifest_key(key))
        return None if raw is None else _MANIFEST.unpack(raw)

    def _delete_chunks(self, key, generation, count):
        for index in range(count):
            self._delete(_chunk_key(key, generation, index))

    # ---- the contract --------------------------------------------------------------------------

    def _write_open(self, key):
        return _DbmWriter(key, self)

    def _read_open(self, key):
        manifest = self._manifest(key)
        if manifest is None:
            raise DeliveryStoreFileNotFound(key)
        generation, size, count = manifest
        return io.BufferedReader(_DbmReader(self, key, generation, size, self.chunk_size), self.chunk_size)

    def _exists(self, key):
        return self._get(_manifest_key(key)) is not None

    def _size(self, key):
        manifest = self._manifest(key)
        if manifest is None:
            raise DeliveryStoreFileNotFound(key)
        return manifest[1]

    def _remove(self, key):
        with self._lock:
            manifest = self._manifest(key)
            if manifest is None:
                raise DeliveryStoreFileNotFound(key)
            self._delete(_manifest_key(key))
            self._sync()
            self._delete_chunks(key, manifest[0], manifest[2])

    def _raw_keys(self):
        with self._lock:
            return list(self._open().keys())

    def _iter_objects(self):
        for raw in self._raw_keys():
            if raw.startswith(b"m:"):
                key = raw[2:].decode()
                manifest = self._manifest(key)
                if manifest is not None:
                    yield StoredObject(key, manifest[1])

    def iter_leftovers(self):
        live = {}
        for raw in self._raw_keys():
            if raw.startswith(b"m:"):
                manifest = self._manifest(raw[2:].decode())
                if manifest is not None:
                    live[raw[2:]] = manifest[0].hex().encode()
        for raw in self._raw_keys():
            if raw.startswith(b"c:"):
                _, key, generation, _ = raw.split(b":")
                if live.get(key) != generation:
                    value = self._get(raw)
                    yield Leftover("temporary", raw.decode(), len(value or b""))

    def remove_leftover(self, leftover):
        raw = leftover.name.encode()
        if not raw.startswith(b"c:"):
            raise ValueError(f"Refusing to remove {leftover.name!r}: not a chunk left by a writer")
        self._delete(raw)
