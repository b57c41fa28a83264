"""
DjangoStorageDeliveryStore: bytes through any alias of Django's ``STORAGES``.

This reaches every Django storage backend (``FileSystemStorage``, ``InMemoryStorage``, and all of
django-storages: S3, Google Cloud, Azure, SFTP, ...) with the Storage API alone, so it promises no
more than that API does:

* Writes spool into a local temporary file (in memory up to ``chunk_size``, then on disk), so
  memory stays bounded and nothing reaches the storage before ``close()``. The Storage API has
  no atomic replace, so a rewrite of a key (``Delivery.add_file`` writes each key once; rewrites
  are explicit) takes the best way the storage offers, each leaving the old bytes or the new:
  a storage with local paths (``FileSystemStorage``) gets the new bytes saved beside the old and
  renamed over them (``os.replace``); a storage that overwrites on save (django-storages'
  ``S3Storage`` with ``file_overwrite``) gets one save, which replaces the object at once. Only
  a storage with neither (``InMemoryStorage``) is rewritten by delete-then-save, with the new
  bytes kept under a temporary name until they are under the key: a failure in between leaves
  them there (a "temporary" leftover) and says so.
* Reads are whatever ``Storage.open()`` gives. ``FileSystemStorage`` streams; django-storages'
  ``S3Storage`` reads the whole object into memory first. For S3 use ``S3DeliveryStore``.
* Objects are ``<prefix>/<key>``; a missing object raises ``DeliveryStoreFileNotFound``.
"""

import os
import tempfile
import uuid

from django.core.files import File
from django.core.files.storage import InvalidStorageError, storages

from .base import (
    CHUNK_SIZE,
    KEY_RE,
    DeliveryStoreFileNotFound,
    DeliveryStoreInterface,
    InvalidStoreError,
    Leftover,
    Option,
    StoredObject,
    StoreFacts,
    StoreWriter,
    relative_directory,
    safe_relative_parts,
)

__all__ = ["DjangoStorageDeliveryStore"]

TEMP_PREFIX = ".tmp-"  # new bytes waiting to replace a key's; not a key, so never listed as an object


def _local_path(storage, name):
    """
    The local file ``name`` is in ``storage`` (which exists), or None for a storage without local
    files: ``InMemoryStorage`` answers ``path()`` with a name that is no file on disk.
    """
    try:
        path = storage.path(name)
    except NotImplementedError:
        return None
    return path if os.path.isfile(path) else None


class _SpoolWriter(StoreWriter):
    """Spools locally; hands the whole file to ``Storage.save`` on commit."""

    def __init__(self, key, store):
        super().__init__(key)
        self._store = store
        self._spool = tempfile.SpooledTemporaryFile(max_size=store.chunk_size, prefix="deliverystore-")

    def _write(self, data):
        self._spool.write(data)

    def _commit(self):
        try:
            self._spool.seek(0)
            self._store._replace(self.key, File(self._spool))
        finally:
            self._spool.close()

    def _abort(self):
        self._spool.close()


class DjangoStorageDeliveryStore(DeliveryStoreInterface):
    """
    Options (keywords; defaults from settings):

    * ``alias``: the ``STORAGES`` alias (``DELIVERY_STORE_STORAGE_ALIAS``, default ``deliveries``),
      resolved on first use.
    * ``prefix``: the directory of the objects inside that storage (``DELIVERY_STORE_STORAGE_PREFIX``).
    * ``chunk_size``: bytes per read, and the size above which a write spools to disk.
    """

    options = {
        "alias": Option("DELIVERY_STORE_STORAGE_ALIAS", "deliveries", required=True),
        "prefix": Option("DELIVERY_STORE_STORAGE_PREFIX", "deliveries", relative_directory),
        "chunk_size": CHUNK_SIZE,
    }

    def _missing_alias(self):
        return f"STORAGES has no alias {self.alias!r}. Add it to STORAGES or set {self.options['alias'].setting}."

    @property
    def storage(self):
        try:
            return storages[self.alias]
        except InvalidStorageError as e:
            raise InvalidStoreError(f"DjangoStorageDeliveryStore: {self._missing_alias()}") from e

    def describe(self):
        return f"DjangoStorageDeliveryStore on STORAGES[{self.alias!r}] under {self.prefix}/"

    def health_facts(self):
        setting = self.options["alias"].setting
        location = f"STORAGES[{self.alias!r}] under {self.prefix}/"
        if self.alias not in storages.backends:
            return StoreFacts(
                "storage", location, False, False, setting, f"its storage is missing: {self._missing_alias()}"
            )
        # What the storage itself needs is its own business: only a round trip (--probe) can tell.
        return StoreFacts("storage", location, setting=setting)

    def _name(self, key):
        return f"{self.prefix}/{key}"

    def _temp_name(self, key):
        return self._name(f"{TEMP_PREFIX}{key}-{uuid.uuid4().hex[:12]}")

    def _save_new(self, storage, name, content, key):
        saved = storage.save(name, content)
        if saved != name:
            # Another writer created the name meanwhile, and the storage picked another name for
            # us: drop our copy rather than leave a stray.
            storage.delete(saved)
            raise FileExistsError(f"{self.describe()}: {key} was written by someone else at the same time")

    def _replace(self, key, content):
        """Put ``content`` under ``key``: the old bytes stay until the new ones replace them."""
        storage, name = self.storage, self._name(key)
        if not storage.exists(name):
            self._save_new(storage, name, content, key)  # a first write: nothing to lose
            return
        local = _local_path(storage, name)
        if local is not None:
            temp = storage.save(self._temp_name(key), content)
            try:
                os.replace(storage.path(temp), local)  # atomic: readers see the old bytes or the new
            except BaseException:
                storage.delete(temp)
                raise
            return
        if storage.get_available_name(name) == name:
            storage.save(name, content)  # the storage overwrites: one request replaces the object
            return
        # Neither: delete, then save, the new bytes kept aside until they are under the key.
        temp = storage.save(self._temp_name(key), content)
        storage.delete(name)
        try:
            with storage.open(temp, "rb") as saved:
                self._save_new(storage, name, File(saved), key)
        except BaseException as e:
            raise OSError(
                f"{self.describe()}: the old bytes of {key} were removed but the new ones could not be saved "
                f"in their place ({e}); they are kept as {temp}"
            ) from e
        storage.delete(temp)

    # ---- the contract --------------------------------------------------------------------------

    def _write_open(self, key):
        return _SpoolWriter(key, self)

    def _read_open(self, key):
        try:
            return self.storage.open(self._name(key), "rb")
        except FileNotFoundError as e:
            raise DeliveryStoreFileNotFound(key) from e

    def _exists(self, key):
        return self.storage.exists(self._name(key))

    def _size(self, key):
        try:
            return self.storage.size(self._name(key))
        except FileNotFoundError as e:
            raise DeliveryStoreFileNotFound(key) from e

    def _remove(self, key):
        storage, name = self.storage, self._name(key)
        if not storage.exists(name):
            raise DeliveryStoreFileNotFound(key)
        storage.delete(name)

    # ---- listing -------------------------------------------------------------------------------

    def _walk(self):
        """Yield every file name below the prefix, relative to it."""
        storage = self.storage
        stack = [""]
        while stack:
            rel = stack.pop()
            try:
                dirs, files = storage.listdir(f"{self.prefix}/{rel}" if rel else self.prefix)
            except FileNotFoundError:
                continue  # nothing written yet (object stores have no empty directories)
            stack.extend(f"{rel}{d}/" for d in dirs)
            yield from (f"{rel}{f}" for f in files)

    def _modified(self, name):
        try:
            return self.storage.get_modified_time(name)
        except NotImplementedError:
            return None

    def _iter_objects(self):
        for rel in self._walk():
            if KEY_RE.match(rel):
                name = self._name(rel)
                yield StoredObject(rel, self.storage.size(name), self._modified(name))

    def iter_leftovers(self):
        """Files below the prefix whose names are not keys: new bytes left by a failed rewrite, or strays."""
        for rel in self._walk():
            if not KEY_RE.match(rel):
                name = self._name(rel)
                kind = "temporary" if rel.startswith(TEMP_PREFIX) else "stray"
                yield Leftover(kind, rel, self.storage.size(name), self._modified(name))

    def remove_leftover(self, leftover):
        safe_relative_parts(leftover.name)
        self.storage.delete(self._name(leftover.name))
