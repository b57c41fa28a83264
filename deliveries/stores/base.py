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
* a store knows it is a store: a small marker object (``MARKER_KEY``, holding a store id) is
  written through the store's own methods on the first write into an empty store, so every
  backend has one; ``checkstore`` refuses a store that lacks it while files are recorded (an
  unmounted disk, another directory, an empty bucket). Listings never show it.

The mechanics the backends share live here too, so that each is written once: the options table
(keyword, else setting, else default; ``Option``), the chunked reader and writer of the dbm and
database stores, the check that a path stays inside the store (``safe_relative_parts``), and the
facts a store's health depends on (``health_facts``, ``StoreFacts``), which the system checks and
``checkstore`` read instead of a backend's attributes.
"""

import inspect
import io
import json
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation

__all__ = [
    "CHUNK_SIZE",
    "ChunkedReader",
    "ChunkedWriter",
    "DEFAULT_CHUNK_SIZE",
    "DeliveryStoreFileNotFound",
    "DeliveryStoreInterface",
    "InvalidStoreError",
    "Leftover",
    "MARKER_KEY",
    "Option",
    "StoreCopy",
    "StoreFacts",
    "StoredObject",
    "StoreWriter",
    "UnsafePath",
    "absolute_path",
    "boolean",
    "file_mode",
    "key_for",
    "local_facts",
    "one_of",
    "optional",
    "positive_int",
    "positive_number",
    "relative_directory",
    "safe_relative_parts",
    "value_or_setting",
]

DEFAULT_CHUNK_SIZE = 1024 * 1024

# A key is what a backend files bytes under. FileMeta keys are the decimal primary key; other
# callers (the health probe) may use short names of letters, digits, '-' and '_'. No dots, no
# separators: a key can never climb out of the store, whatever the backend does with it.
KEY_RE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,127}\Z")

#: The key of the store's marker: not numeric, so no FileMeta can ever have it.
MARKER_KEY = "deliverystore-marker"
MARKER_MAX_BYTES = 4096  # a marker is a line of JSON; anything bigger under its key is not one
_MARKING = threading.Lock()


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


# ---- options: the keyword, else the setting, else the default -----------------------------------


def value_or_setting(value, setting, default=None):
    """
    ``value`` unless it is None; else the Django setting named ``setting``, read now (so
    ``override_settings`` applies to every store built inside it); else ``default``, when the
    project does not define that setting or ``setting`` is None. Django's own storages do the same
    with ``_value_or_setting``.
    """
    if value is not None:
        return value
    if setting is None:
        return default
    return getattr(settings, setting, default)


@dataclass(frozen=True, slots=True)
class Option:
    """
    One keyword a store takes: ``setting`` supplies it when the keyword is left out, ``default``
    when the project does not define that setting either. ``clean`` turns the value into what the
    store uses, or raises ValueError (or TypeError) saying why it is refused. A ``required``
    option refuses None and "".
    """

    setting: str | None = None
    default: object = None
    clean: Callable | None = None
    required: bool = False

    def resolve(self, value, name, backend):
        """The value of option ``name`` of ``backend`` (a class name), or InvalidStoreError naming both."""
        value = value_or_setting(value, self.setting, self.default)
        if self.required and (value is None or value == ""):
            article = "an" if name[0] in "aeiou" else "a"
            where = f": set {self.setting}" if self.setting else ""
            raise InvalidStoreError(f"{backend} needs {article} {name}{where}.")
        if self.clean is None:
            return value
        try:
            return self.clean(value)
        except (TypeError, ValueError) as e:
            raise InvalidStoreError(f"{backend} refuses {name}={value!r}: {e}.") from e


# Cleaners for Option.clean: each returns the value to use or raises ValueError with the reason,
# worded to follow "<backend> refuses <option>=<value>: ".


def positive_int(value):
    """``value`` as an int above 0."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number <= 0:
        raise ValueError("it must be a whole number above 0")
    return number


def positive_number(value):
    """``value`` as a float above 0 (seconds, say)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if not number > 0:  # also refuses NaN
        raise ValueError("it must be a number above 0")
    return number


def boolean(value):
    """True or False (1 and 0 too); never a string, where bool("false") would be True."""
    if value in (True, False) and not isinstance(value, str):
        return bool(value)
    raise ValueError("it must be true or false")


def file_mode(value):
    """A permission mode: an int such as 0o640, or its octal digits as text ("0640")."""
    if isinstance(value, str):
        try:
            value = int(value, 8)
        except ValueError:
            value = -1
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0o7777:
        raise ValueError("it must be a file mode such as 0o640")
    return value


def absolute_path(value):
    """A local path (str or path-like), made absolute."""
    return os.path.abspath(os.fspath(value))


def optional(value):
    """The value, or None for "" (so an empty setting means "not set")."""
    return value or None


def one_of(*choices):
    """A cleaner that accepts exactly ``choices``."""
    words = ", ".join(repr(choice) for choice in choices[:-1]) + f" or {choices[-1]!r}"

    def clean(value):
        if value not in choices:
            raise ValueError(f"use {words}")
        return value

    return clean


#: The ``chunk_size`` option every streaming backend takes.
CHUNK_SIZE = Option("DELIVERY_STORE_CHUNK_SIZE", DEFAULT_CHUNK_SIZE, positive_int)


def _options_signature(cls):
    """
    ``cls``'s signature with its ``**options`` spelled out from its options table, so that
    ``help()`` and ``inspect.signature`` show the keywords the store takes. None (inspect's own
    answer) for a class whose ``__init__`` takes no ``**options``.
    """
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]  # without self
    if not params or params[-1].kind is not inspect.Parameter.VAR_KEYWORD:
        return None
    named = {p.name for p in params}
    keywords = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None)
        for name in cls.options
        if name not in named
    ]
    return inspect.Signature(params[:-1] + keywords)


# ---- paths inside a store -----------------------------------------------------------------------


class UnsafePath(ValueError):
    """A name that could lead out of the store. ``reason`` says why, ``str()`` names the path too."""

    def __init__(self, path, reason):
        self.path, self.reason = path, reason
        super().__init__(f"{path!r} is not a path inside the store: {reason}")


def safe_relative_parts(path):
    """
    The components of ``path``, a '/'-separated path relative to the store, after checking that
    it cannot lead anywhere else: UnsafePath when it is empty or absolute, holds a NUL, or has an
    empty, '.' or '..' component. A backslash counts as a separator for that check (as Django's
    ``validate_file_name`` does), because some storages treat it as one.
    """
    if not isinstance(path, str) or not path:
        raise UnsafePath(path, "it is empty")
    if "\x00" in path:
        raise UnsafePath(path, "it contains a NUL character")
    if path.startswith(("/", "\\")):
        raise UnsafePath(path, "it is absolute")
    if any(part in ("", ".", "..") for part in path.replace("\\", "/").split("/")):
        raise UnsafePath(path, "it has an empty, '.' or '..' component")
    return path.split("/")


def relative_directory(value):
    """A cleaner: a directory relative to a storage's root, without the slashes around it."""
    path = str(value).strip("/")
    try:
        safe_relative_parts(path)
    except UnsafePath as e:
        raise ValueError(f"{e.reason}; use a relative directory such as 'deliveries'") from e
    return path


# ---- the facts a store's health depends on --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoreFacts:
    """
    What a store's health depends on, found without writing and without the network.

    ``kind`` names the place the store writes to ("root", "dbm file", "bucket", ...; it reads
    after "its"), ``location`` says where it is. ``exists`` says whether it is there as the store
    needs it; ``writable`` whether this process can write there, creating what is missing (a
    missing directory whose parent is writable is writable). None means only a round trip can
    tell (``checkstore --probe``). ``setting`` names the setting that chooses the place.
    ``problem``, when the place is unusable, says why and what to do, worded to follow the
    store's description: "FsDeliveryStore at /srv/x: its root is not a directory (...). Set ...".
    """

    kind: str
    location: str
    exists: bool | None = None
    writable: bool | None = None
    setting: str = ""
    problem: str = ""

    @property
    def description(self):
        """The place in words, e.g. "root /srv/deliverystore"."""
        return f"{self.kind} {self.location}".strip()


def local_facts(path, *, kind, setting, directory=True):
    """
    The facts of a local path a store writes to: a directory (``directory=True``) or a file,
    either created on the first write together with the directories missing above it. A file
    needs its directory writable too (SQLite, for one, writes its journal beside the file).
    """
    path = os.path.abspath(path)
    want = "directory" if directory else "file"
    fix = f"Set {setting} to a writable directory" if directory else f"Set {setting} to a file in a writable directory"
    fix += ", or fix the permissions."
    if os.path.lexists(path):
        if not (os.path.isdir(path) if directory else os.path.isfile(path)):
            return StoreFacts(kind, path, False, False, setting, f"its {kind} is not a {want} ({path}). {fix}")
        places = (path,) if directory else (path, os.path.dirname(path))
        writable = all(os.access(place, os.W_OK | (os.X_OK if os.path.isdir(place) else 0)) for place in places)
        problem = "" if writable else f"its {kind} is not writable by this process ({path}). {fix}"
        return StoreFacts(kind, path, True, writable, setting, problem)
    # Missing: the store creates it, if the nearest existing directory above lets it.
    probe = path
    while not os.path.lexists(probe) and os.path.dirname(probe) != probe:
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        problem = f"its {kind} cannot be created: {probe} is not a directory. {fix}"
    elif not os.access(probe, os.W_OK | os.X_OK):
        problem = f"its {kind} cannot be created: {probe} is not writable by this process. {fix}"
    else:
        problem = ""
    return StoreFacts(kind, path, False, not problem, setting, problem)


def _now_iso():
    from datetime import UTC

    return datetime.now(UTC).isoformat(timespec="seconds")


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

    Subclasses implement ``_write(data)``, ``_commit()`` and ``_abort()``, and may implement
    ``_prepare()``. ``write`` appends; leaving a ``with`` block by an exception aborts instead of
    committing; a writer that is garbage-collected without being closed aborts too, so
    half-written bytes never appear.
    """

    def __init__(self, key):
        super().__init__()
        self.key = key
        self.bytes_written = 0
        self._finished = False
        self._prepared = False

    def writable(self):
        return True

    def write(self, data):
        if self._finished:
            raise ValueError("write to a closed delivery store writer")
        if self._prepared:
            raise ValueError("write to a delivery store writer after prepare()")
        view = memoryview(data).cast("B")
        if view.nbytes:
            self._write(view)
            self.bytes_written += view.nbytes
        return view.nbytes

    def prepare(self):
        """
        The slow first half of ``close()``, optional: make the bytes written durable without
        publishing them (the filesystem's fsync of the data), so that several writers of one
        file (a mirrored store's) can do it at once; ``close()`` then only publishes. Nothing
        may be written after it. A failure aborts the writer.
        """
        if self._finished or self._prepared:
            raise ValueError("prepare() of a closed or already prepared delivery store writer")
        self._prepared = True
        try:
            self._prepare()
        except BaseException:
            self.abort()
            raise

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

    def _prepare(self):
        pass  # by default close() does all the work

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


class ChunkedWriter(StoreWriter):
    """
    The writer of an object stored as numbered chunks of ``chunk_size`` bytes, for
    ``ChunkedReader`` to read back. Each full chunk is put as soon as it fills, so at most one
    chunk waits in memory; ``close()`` puts the last, shorter one, then publishes the object.

    The crash safety of the stores that use it rests on that order: the chunks are put where no
    reader of the key looks, and ``_publish`` makes them the key's bytes in one step. Until then
    readers see the old bytes (or none); a crash or an abort leaves only unreferenced chunks,
    which the store reports as temporary leftovers (and an abort removes).

    Subclasses implement ``_put_chunk(index, data)`` (file chunk ``index`` of this writer's
    unpublished object), ``_publish()`` (make ``self.chunk_count`` chunks of ``self.bytes_written``
    bytes the key's bytes, replacing the old ones), and ``_discard()`` (remove the chunks put so
    far; the last of ``self.chunk_count`` may have failed halfway, so it may be absent).
    """

    def __init__(self, key, chunk_size):
        super().__init__(key)
        self.chunk_size = chunk_size
        self.chunk_count = 0
        self._pending = bytearray()  # less than one chunk

    def _write(self, data):
        size = self.chunk_size
        if self._pending:
            taken = size - len(self._pending)
            self._pending += data[:taken]
            data = data[taken:]
            if len(self._pending) < size:
                return
            self._put(bytes(self._pending))
            self._pending.clear()
        # Whole chunks straight from the caller's buffer: no copy through _pending.
        while len(data) >= size:
            self._put(bytes(data[:size]))
            data = data[size:]
        self._pending += data

    def _put(self, data):
        index = self.chunk_count
        self.chunk_count += 1  # counted first: a put that fails halfway is discarded too
        self._put_chunk(index, data)

    def _commit(self):
        if self._pending:
            self._put(bytes(self._pending))
        self._pending = None
        self._publish()

    def _abort(self):
        self._pending = None
        self._discard()

    # Subclasses implement all of these.
    def _put_chunk(self, index, data):
        raise NotImplementedError("subclasses of ChunkedWriter must provide a _put_chunk() method")

    def _publish(self):
        raise NotImplementedError("subclasses of ChunkedWriter must provide a _publish() method")

    def _discard(self):
        raise NotImplementedError("subclasses of ChunkedWriter must provide a _discard() method")


class DeliveryStoreInterface:
    """
    The interface every DeliveryStore implements.

    Public methods take a FileMeta or a key, check the key, and delegate to the underscore
    methods below, which are given checked keys only.

    Options: a backend lists the keywords it takes in ``options`` (name -> ``Option``: the
    setting that supplies a keyword left out, the default when that setting is not defined, how
    the value is checked). ``__init__(**options)`` sets each as an attribute, keyword before
    setting before default, and refuses an option not in the table with InvalidStoreError naming
    the backend and the option. A backend with an ``__init__`` of its own passes its keywords on
    to ``super().__init__``; the class's signature lists them all.
    """

    #: The keywords this store takes: name -> Option.
    options = {}

    #: Bytes per read in ``copy`` and ``iter_chunks``.
    chunk_size = DEFAULT_CHUNK_SIZE

    def __init__(self, **options):
        backend = type(self).__name__
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            takes = ", ".join(self.options) or "none"
            raise InvalidStoreError(f"{backend} refuses the options {unknown}: it takes {takes}.")
        for name, option in self.options.items():
            setattr(self, name, option.resolve(options.get(name), name, backend))

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.__signature__ = _options_signature(cls)

    # ---- Public API: not meant to be overridden ------------------------------------------------

    def key_for(self, obj):
        """The key this store files ``obj`` (a FileMeta or a key) under."""
        return key_for(obj)

    def write_open(self, filemeta):
        """
        Return a binary writer (a ``StoreWriter``) for the bytes of ``filemeta``.

        Many ``write()`` calls append. Nothing is visible to readers until ``close()``; an
        exception inside the ``with`` block leaves the key as it was (absent, or the old bytes).
        The first write into an empty store writes its marker first (see ``read_marker``).
        """
        key = self.key_for(filemeta)
        if key != MARKER_KEY:
            self._mark_on_first_use()
        return self._write_open(key)

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

    def keep_aside(self, filemeta, aside_key):
        """
        Keep the bytes of ``filemeta`` as they are now under ``aside_key`` too, for inspection: a
        repair puts damaged bytes aside so before it writes over them. Like ``copy``, but a
        backend may share the bytes instead of copying them (a hard link), since stored bytes are
        never changed in place. Raises ``DeliveryStoreFileNotFound`` when there are none.
        """
        self._keep_aside(self.key_for(filemeta), self.key_for(aside_key))

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
        """Yield a ``StoredObject`` for every object the store holds, in no particular order (never the marker)."""
        return (obj for obj in self._iter_objects() if obj.key != MARKER_KEY)

    # ---- the marker: "this is the store" -------------------------------------------------------

    def read_marker(self):
        """
        The store's marker (a dict with at least ``store_id``), or None when the store has none.
        Bytes under the marker's key that are not a marker count as none.
        """
        try:
            with self._read_open(MARKER_KEY) as reader:
                data = reader.read(MARKER_MAX_BYTES + 1)
        except DeliveryStoreFileNotFound:
            return None
        try:
            marker = json.loads(data) if len(data) <= MARKER_MAX_BYTES else None
        except ValueError:
            marker = None
        return marker if isinstance(marker, dict) and isinstance(marker.get("store_id"), str) else None

    def write_marker(self, store_id=None):
        """Write the marker (a new store id unless ``store_id`` is given), replacing any; return it."""
        marker = {"store_id": store_id or uuid.uuid4().hex, "written": _now_iso(), "backend": type(self).__name__}
        with self._write_open(MARKER_KEY) as writer:
            writer.write(json.dumps(marker).encode())
        self._marked = True
        return marker

    def _mark_on_first_use(self):
        """
        Before the first write through this instance: write the marker if the store is empty. A
        store that holds objects but no marker is left as it is: it is either the wrong place (and
        must not be blessed by an upload) or a store from before markers (``checkstore --adopt``).
        """
        if getattr(self, "_marked", False):
            return
        with _MARKING:  # concurrent first writes: one looks, the others wait for its answer
            if not getattr(self, "_marked", False):
                if not self._exists(MARKER_KEY) and next(self.iter_objects(), None) is None:
                    self.write_marker()
                self._marked = True

    def iter_leftovers(self):
        """Yield a ``Leftover`` for everything in the store that is not an object."""
        return iter(())

    def remove_leftover(self, leftover):
        """Remove one ``Leftover`` reported by ``iter_leftovers``."""
        raise NotImplementedError(f"{type(self).__name__} reports no leftovers, so it removes none")

    def describe(self):
        """A short, secret-free description of where the bytes live, for messages and reports."""
        return type(self).__name__

    def health_facts(self):
        """
        The ``StoreFacts`` this store's health depends on: the place it writes to, whether that
        exists and is writable. Found without writing and without the network; what cannot be
        known so is None. The system checks and ``checkstore`` read these, never the backend's
        attributes. The default knows nothing.
        """
        return StoreFacts("store", self.describe())

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

    def _keep_aside(self, key, aside_key):
        self._copy(key, aside_key)

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
