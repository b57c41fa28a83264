"""
The DeliveryStore contract.

A DeliveryStore keeps the bytes of every ``FileMeta``. It is given a FileMeta (or the key derived
from it) and bytes; it knows nothing of the admin, the commands or the user's filename.

The lineage is Devilry's ``devilry.core.deliverystore``: ``write_open``, ``read_open``, ``exists``,
``remove`` and ``copy`` keep their meaning. What Devilry lacked is part of the contract here:

* keys come from ids (``key_for``), never from a filename, and are checked before any backend
  sees them, so no key can name a place outside the store;
* a writer makes its bytes visible only on a clean ``close()``; an exception inside its ``with``
  (or a writer that is dropped unclosed) leaves nothing behind, and rewriting a key replaces it;
* readers are seekable, so ranged reads need no backend-specific call (``iter_chunks``);
* ``iter_objects`` lists every object the store holds, with its size, for orphan detection;
* missing bytes raise ``DeliveryStoreFileNotFound``, a subclass of the built-in
  ``FileNotFoundError``;
* ``copies()`` names every store that holds a complete copy of the bytes: the store itself, or
  for a store that keeps several (``MirroredDeliveryStore``) each of them, so that checks and
  repairs look at every copy.
"""

import io
import re
import shutil
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation

__all__ = [
    "ChunkedReader",
    "DEFAULT_CHUNK_SIZE",
    "DeliveryStoreFileNotFound",
    "DeliveryStoreInterface",
    "InvalidStoreError",
    "Leftover",
    "StoreCopy",
    "StoredObject",
    "StoreWriter",
    "key_for",
    "positive_int",
]

DEFAULT_CHUNK_SIZE = 1024 * 1024

# A key is what a backend files bytes under. FileMeta keys are the decimal primary key; other
# callers (the health probe) may use short names of letters, digits, '-' and '_'. No dots, no
# separators: a key can never climb out of the store, whatever the backend does with it.
KEY_RE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,127}\Z")


class DeliveryStoreFileNotFound(FileNotFoundError):
    """The store holds no bytes under this key."""

    def __init__(self, key, detail=""):
        self.key = key
        message = f"No bytes in the delivery store for key {key!r}"
        super().__init__(f"{message}: {detail}" if detail else message)


class InvalidStoreError(ImproperlyConfigured):
    """A store cannot be built or used as configured. The message says what to set."""


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One object as a listing sees it."""

    key: str
    size: int
    modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class Leftover:
    """Something in the store that is not an object: a temporary file, a symlink, a stray file."""

    kind: str  # "temporary", "symlink" or "stray"
    name: str  # where it is, relative to the store
    size: int = 0
    modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoreCopy:
    """One complete copy of a store's bytes: its name ("" for a store's only copy) and the store holding it."""

    name: str
    store: "DeliveryStoreInterface"


def positive_int(value, option, backend):
    """``value`` as an int > 0, or InvalidStoreError naming the backend and the option."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number <= 0:
        raise InvalidStoreError(f"{backend} refuses {option}={value!r}: it must be a whole number above 0.")
    return number


def key_for(obj):
    """Return the store key of a FileMeta (its primary key as a decimal string), a primary key, or a key string."""
    if isinstance(obj, str):
        key = obj
    elif isinstance(obj, int) and not isinstance(obj, bool):
        key = str(obj)
    else:
        pk = getattr(obj, "pk", None)
        if pk is None:
            raise ValueError("A FileMeta must be saved (have a primary key) before the store can file its bytes.")
        key = str(pk)
    if not KEY_RE.match(key):
        raise SuspiciousFileOperation(f"Refusing delivery store key {key!r}: keys are letters, digits, '-' and '_'.")
    return key


class StoreWriter(io.RawIOBase):
    """
    A binary writer whose bytes become visible only when ``close()`` commits them.

    Subclasses implement ``_write(data)``, ``_commit()`` and ``_abort()``. ``write`` appends;
    leaving a ``with`` block by an exception aborts instead of committing; a writer that is
    garbage-collected without being closed aborts too, so half-written bytes never appear.
    """

    def __init__(self, key):
        super().__init__()
        self.key = key
        self.bytes_written = 0
        self._finished = False

    def writable(self):
        return True

    def write(self, data):
        if self._finished:
            raise ValueError("write to a closed delivery store writer")
        view = memoryview(data).cast("B")
        if view.nbytes:
            self._write(view)
            self.bytes_written += view.nbytes
        return view.nbytes

    def close(self):
        """Commit the bytes: after this returns, readers see all of them."""
        if not self._finished:
            self._finished = True
            try:
                self._commit()
            except BaseException:
                self._abort()
                raise
        super().close()

    def abort(self):
        """Throw the bytes written so far away; the key keeps what it had before."""
        if not self._finished:
            self._finished = True
            self._abort()
        super().close()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def __del__(self):
        # io.IOBase.__del__ would call close(), i.e. commit: an abandoned writer must abort.
        if not self._finished:
            try:
                self.abort()
            except Exception:
                pass

    # Subclasses implement all of these.
    def _write(self, data):
        raise NotImplementedError("subclasses of StoreWriter must provide a _write() method")

    def _commit(self):
        raise NotImplementedError("subclasses of StoreWriter must provide a _commit() method")

    def _abort(self):
        raise NotImplementedError("subclasses of StoreWriter must provide an _abort() method")


class ChunkedReader(io.RawIOBase):
    """
    A seekable reader over an object stored as numbered chunks of ``chunk_size`` bytes (the last
    one may be shorter). Subclasses implement ``_fetch(index)``, returning the chunk's bytes, or
    None when the object was replaced or removed meanwhile. One chunk is held at a time.
    """

    def __init__(self, key, size, chunk_size):
        super().__init__()
        self.key, self.size, self.chunk_size = key, size, chunk_size
        self._pos = 0
        self._index, self._chunk = None, b""

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def tell(self):
        return self._pos

    def readinto(self, buffer):
        if self._pos >= self.size:
            return 0
        index, offset = divmod(self._pos, self.chunk_size)
        if index != self._index:
            chunk = self._fetch(index)
            if chunk is None:
                raise DeliveryStoreFileNotFound(self.key, "it was replaced or removed while being read")
            self._index, self._chunk = index, chunk
        piece = self._chunk[offset : offset + len(buffer)]
        buffer[: len(piece)] = piece
        self._pos += len(piece)
        return len(piece)

    def _fetch(self, index):
        raise NotImplementedError("subclasses of ChunkedReader must provide a _fetch() method")


class DeliveryStoreInterface:
    """
    The interface every DeliveryStore implements.

    Public methods take a FileMeta or a key, check the key, and delegate to the underscore
    methods below, which are given checked keys only.
    """

    #: Bytes per read in ``copy`` and ``iter_chunks``.
    chunk_size = DEFAULT_CHUNK_SIZE

    # ---- Public API: not meant to be overridden ------------------------------------------------

    def key_for(self, obj):
        """The key this store files ``obj`` (a FileMeta or a key) under."""
        return key_for(obj)

    def write_open(self, filemeta):
        """
        Return a binary writer (a ``StoreWriter``) for the bytes of ``filemeta``.

        Many ``write()`` calls append. Nothing is visible to readers until ``close()``; an
        exception inside the ``with`` block leaves the key as it was (absent, or the old bytes).
        """
        return self._write_open(self.key_for(filemeta))

    def read_open(self, filemeta):
        """
        Return a seekable binary reader (a context manager) for the bytes of ``filemeta``.

        Raises ``DeliveryStoreFileNotFound`` when the store holds no bytes for it.
        """
        return self._read_open(self.key_for(filemeta))

    def exists(self, filemeta):
        """Return True when the store holds bytes for ``filemeta``."""
        return self._exists(self.key_for(filemeta))

    def remove(self, filemeta):
        """
        Remove the bytes of ``filemeta``.

        Raises ``DeliveryStoreFileNotFound`` when there were none (as Devilry did), so a caller
        can tell a removal from a no-op.
        """
        self._remove(self.key_for(filemeta))

    def copy(self, filemeta_from, filemeta_to):
        """Copy the bytes of one FileMeta to another, streaming; the source is left as it was."""
        self._copy(self.key_for(filemeta_from), self.key_for(filemeta_to))

    def size(self, filemeta):
        """Return the number of bytes stored for ``filemeta``."""
        return self._size(self.key_for(filemeta))

    def iter_chunks(self, filemeta, start=0, length=None, chunk_size=None):
        """
        Yield the bytes of ``filemeta`` from ``start``, ``length`` bytes (or to the end), in
        chunks of at most ``chunk_size``. Memory stays bounded whatever the object's size.
        """
        chunk_size = chunk_size or self.chunk_size
        remaining = length
        with self.read_open(filemeta) as reader:
            if start:
                reader.seek(start)
            while remaining is None or remaining > 0:
                want = chunk_size if remaining is None else min(chunk_size, remaining)
                chunk = reader.read(want)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def iter_objects(self):
        """Yield a ``StoredObject`` for every object the store holds, in no particular order."""
        return self._iter_objects()

    def iter_leftovers(self):
        """Yield a ``Leftover`` for everything in the store that is not an object."""
        return iter(())

    def remove_leftover(self, leftover):
        """Remove one ``Leftover`` reported by ``iter_leftovers``."""
        raise NotImplementedError(f"{type(self).__name__} reports no leftovers, so it removes none")

    def describe(self):
        """A short, secret-free description of where the bytes live, for messages and reports."""
        return type(self).__name__

    def copies(self):
        """
        The ``StoreCopy`` of every complete copy this store keeps, the one reads come from first.
        A plain store is its own only copy, named ""; checks and repairs go through this list,
        so a store that keeps several copies has each of them checked.
        """
        return [StoreCopy("", self)]

    # ---- Overridable defaults ------------------------------------------------------------------

    def _copy(self, src_key, dst_key):
        with self._read_open(src_key) as reader, self._write_open(dst_key) as writer:
            shutil.copyfileobj(reader, writer, self.chunk_size)

    def _size(self, key):
        with self._read_open(key) as reader:
            return reader.seek(0, io.SEEK_END)

    # ---- Subclasses must implement all of these ------------------------------------------------

    def _write_open(self, key):
        raise NotImplementedError("subclasses of DeliveryStoreInterface must provide a _write_open() method")

    def _read_open(self, key):
        raise NotImplementedError("subclasses of DeliveryStoreInterface must provide a _read_open() method")

    def _exists(self, key):
        raise NotImplementedError("subclasses of DeliveryStoreInterface must provide an _exists() method")

    def _remove(self, key):
        raise NotImplementedError("subclasses of DeliveryStoreInterface must provide a _remove() method")

    def _iter_objects(self):
        raise NotImplementedError("subclasses of DeliveryStoreInterface must provide an _iter_objects() method")
