"""
MirroredDeliveryStore: a primary store and one or more replicas, each any configured store (the
filesystem here and an S3 bucket in another building, say), every one holding every file's
complete bytes.

Writes. One writer per copy; every ``write()`` goes to each. ``close()`` commits the replicas
first and the primary last, so readers (who read the primary) see the bytes only once every copy
holds them. If a copy fails, the copies already committed are removed again and the write fails:
nothing is left behind in any copy, and ``Delivery.add_file`` keeps no FileMeta. With
``min_copies`` below the number of copies, a failing *replica* is tolerated as long as that many
copies (the primary always among them) hold the bytes: the write succeeds, and the missing copy
is recorded as a ``MissingCopy`` row (in the caller's transaction, so it commits with the
FileMeta), which ``checkstore --deep --repair`` writes later. A rewrite of a key whose commit
fails part way is rolled back by removal, so its old bytes may be gone from some copies; FileMeta
keys are written once, and repairs go through ``deliveries.stores.healing`` instead.

Reads come from the primary. Given a FileMeta (anything with a ``size`` and a 64-character
``checksum``), the store verifies what it serves, keeping memory bounded:

* A file of at most ``verify_ahead`` bytes (default 1 MiB) is read whole into memory and
  verified before its first byte is returned. If the primary's bytes are missing or fail their
  size or SHA-256, the next copy is tried, and the first good one is served from memory and
  written over every damaged copy tried before it (the damaged bytes are quarantined, see
  ``healing``).
* A larger file is streamed. Missing bytes or a wrong size are seen when the reader opens, and
  the read is served from the first copy of the right size instead; while it streams, its bytes
  are also written over the damaged copies and published there only if a complete sequential
  read verifies at the end. A same-size corruption can only show at the end: the bytes up to
  then have been returned, so the last read raises ``DeliveryStoreDamaged`` (an ``OSError``)
  instead of returning the final bytes (a download is cut short, never completed with wrong
  bytes), and the damaged copy is repaired from another at once, so the next read succeeds.
  A reader that seeks is not verified (it reads a range, not the file).
* A copy that cannot be read (an ``OSError`` that is not a missing file) is passed over for
  this read, but is never repaired over: a failed read is not damage.
* When no copy is good, the read raises ``DeliveryStoreDamaged`` if some copy holds wrong bytes,
  else the error of the copies (``DeliveryStoreFileNotFound`` when none has the key).

Given only a key, a read comes from the first copy that has it, unverified.

``exists`` and ``size`` answer for the first copy that holds the key; ``remove`` removes every
copy (``DeliveryStoreFileNotFound`` only when no copy had the key); ``iter_objects`` lists every
key any copy holds, the primary's entry first; ``iter_leftovers`` lists each copy's, named
``"<copy>: <name>"``. ``copies()`` returns the primary and the replicas, so ``checkstore`` checks
and repairs each copy on its own.
"""

import hashlib
import io
import logging
import threading

from django.apps import apps

from .base import (
    DEFAULT_CHUNK_SIZE,
    MARKER_KEY,
    DeliveryStoreFileNotFound,
    DeliveryStoreInterface,
    InvalidStoreError,
    Leftover,
    Option,
    StoreCopy,
    StoreWriter,
)
from .healing import REPAIRED, DeliveryStoreDamaged, VerifiedReplacement, restore_copy

__all__ = ["MirroredDeliveryStore"]

logger = logging.getLogger(__name__)

NAME = "MirroredDeliveryStore"
PRIMARY = "primary"
MISSING, UNREADABLE, DAMAGED = "missing", "unreadable", "damaged"
LEFTOVER_SEPARATOR = ": "


def _build(spec, what):
    """A store from ``{"backend": dotted path, "options": {...}}`` (or a store instance, for tests)."""
    from .handler import import_backend, load_deliverystore_backend

    if isinstance(spec, DeliveryStoreInterface):
        store = spec
    else:
        if isinstance(spec, str):
            spec = {"backend": spec}
        if not isinstance(spec, dict) or not isinstance(spec.get("backend"), str) or set(spec) - {"backend", "options"}:
            raise InvalidStoreError(
                f'{NAME} {what} must look like {{"backend": "deliveries.stores.FsDeliveryStore", "options": {{...}}}}, '
                f"not {spec!r}."
            )
        options = spec.get("options") or {}
        if not isinstance(options, dict):
            raise InvalidStoreError(f'{NAME} {what}: "options" must be a JSON object, not {options!r}.')
        if issubclass(import_backend(spec["backend"]), MirroredDeliveryStore):
            raise InvalidStoreError(f"{NAME} {what} cannot itself be a {NAME}.")
        store = load_deliverystore_backend(spec["backend"], **options)
    if isinstance(store, MirroredDeliveryStore):
        raise InvalidStoreError(f"{NAME} {what} cannot itself be a {NAME}.")
    return store


def _primary(spec):
    return _build(spec, "primary")


def _replicas(specs):
    if not isinstance(specs, list | tuple) or not specs:
        raise ValueError("it must be a list of at least one store (JSON in DELIVERY_STORE_MIRROR_REPLICAS)")
    return [_build(spec, f"replica {number}") for number, spec in enumerate(specs, 1)]


def _whole_number(value):
    """An int, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("it must be a whole number, 0 or more")
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise ValueError("it must be a whole number, 0 or more")
    return number


def _expectation(obj):
    """(size, SHA-256) a read can be verified against: from a FileMeta whose bytes are recorded, else None."""
    checksum = getattr(obj, "checksum", None)
    size = getattr(obj, "size", None)
    if isinstance(checksum, str) and len(checksum) == 64 and isinstance(size, int):
        return size, checksum
    return None


def _read_upto(reader, limit):
    """Up to ``limit`` bytes from ``reader`` (fewer only at the end), however few each read() gives."""
    parts, total = [], 0
    while total < limit:
        part = reader.read(limit - total)
        if not part:
            break
        parts.append(part)
        total += len(part)
    return b"".join(parts)


class _MirroredWriter(StoreWriter):
    """One writer per copy; commits the replicas, then the primary; rolls back every copy on failure."""

    def __init__(self, key, store):
        super().__init__(key)
        self._store = store
        self._writers = []  # [(StoreCopy, writer)], the primary first
        self._missing = {}  # copy name -> (StoreCopy, why it could not be written)
        try:
            for copy in store.copies():
                try:
                    self._writers.append((copy, copy.store.write_open(key)))
                except Exception as e:
                    self._tolerate(copy, e)
        except BaseException:
            for _, writer in self._writers:
                writer.abort()
            raise

    def _tolerate(self, copy, error):
        """Go on without ``copy`` if the store allows it, else re-raise ``error``."""
        if copy.name == PRIMARY or len(self._store.copies()) - len(self._missing) - 1 < self._store.min_copies:
            raise error
        logger.warning("Writing key %s without its copy in %s: %s", self.key, copy.store.describe(), error)
        self._missing[copy.name] = (copy, f"{type(error).__name__}: {error}")

    def _write(self, data):
        for entry in list(self._writers):
            copy, writer = entry
            try:
                writer.write(data)
            except Exception as e:
                self._tolerate(copy, e)
                self._writers.remove(entry)
                writer.abort()

    def _prepare_all(self):
        """
        The writers' slow half (the filesystem's fsync of the data) at once, on threads: a
        mirrored write then costs little more than one durable write, not the sum of them.
        """
        slow = [(c, w) for c, w in self._writers if type(w)._prepare is not StoreWriter._prepare]
        if len(slow) < 2:
            return
        errors = {}

        def prepare(copy, writer):
            try:
                writer.prepare()
            except Exception as e:  # prepare() has aborted that writer
                errors[copy.name] = e

        threads = [threading.Thread(target=prepare, args=entry, daemon=True) for entry in slow[1:]]
        for thread in threads:
            thread.start()
        prepare(*slow[0])
        for thread in threads:
            thread.join()
        for entry in list(self._writers):
            copy, _ = entry
            if copy.name in errors:
                self._writers.remove(entry)
                self._tolerate(copy, errors[copy.name])

    def _commit(self):
        committed = []
        try:
            self._prepare_all()
            # Replicas first: the primary, which readers read, publishes only once they hold the bytes.
            for copy, writer in self._writers[1:] + self._writers[:1]:
                try:
                    writer.close()
                except Exception as e:
                    self._tolerate(copy, e)  # close() has aborted that writer
                    continue
                committed.append(copy)
            if self._missing:
                self._store._record_missing(self.key, self._missing.values())
        except BaseException:
            self._abort()
            for copy in committed:
                try:
                    copy.store.remove(self.key)
                except Exception:
                    logger.exception(
                        "Could not roll back key %s in %s; checkstore will report an orphan there.",
                        self.key,
                        copy.store.describe(),
                    )
            raise

    def _abort(self):
        for _, writer in self._writers:
            writer.abort()  # a no-op for a writer already committed or aborted


class _VerifyingReader(io.RawIOBase):
    """
    Passes ``reader`` through, hashing a sequential read from the start; the read that reaches
    the recorded size checks the SHA-256 before returning its bytes. Tees the bytes into
    ``replacements`` (repairs of damaged copies), committed only when the whole file verified.
    """

    def __init__(self, store, copy, reader, key, size, checksum, replacements):
        super().__init__()
        self._store, self._copy, self._reader = store, copy, reader
        self.key, self.size, self.checksum = key, size, checksum
        self._replacements = replacements
        self._digest = hashlib.sha256()
        self._pos = 0
        self._verifying = True
        self._failure = None  # once damage is found, every later read raises it again

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._pos

    def seek(self, offset, whence=io.SEEK_SET):
        pos = self._reader.seek(offset, whence)
        if pos != self._pos and self._verifying:
            self._stop_verifying()  # a range, not the file: nothing to verify
        self._pos = pos
        return pos

    def readinto(self, buffer):
        if self._failure is not None:
            raise self._failure
        n = self._reader.readinto(buffer)
        self._account(memoryview(buffer)[:n])
        return n

    def read(self, size=-1):
        # The underlying reader's own read(): no extra buffer and copy per call, as RawIOBase.read makes.
        if self._failure is not None:
            raise self._failure
        data = self._reader.read(size)
        self._account(data)
        return data

    def _account(self, data):
        """Count, hash and tee ``data`` just read; at the recorded size, verify before it is returned."""
        n = len(data)
        self._pos += n
        if not self._verifying:
            return
        if self._pos > self.size:
            self._damaged(f"more than the recorded {self.size} bytes")
        if n == 0 and self._pos < self.size:
            self._damaged(f"only {self._pos} bytes, recorded {self.size}")
        self._digest.update(data)
        for replacement in list(self._replacements):
            try:
                replacement.write(data)
            except Exception:
                logger.warning("Could not repair key %s while reading it", self.key, exc_info=True)
                replacement.abort()
                self._replacements.remove(replacement)
        if self._pos == self.size:
            self._verifying = False
            if self._digest.hexdigest() != self.checksum:
                self._damaged("SHA-256 differs from the recorded one")
            for replacement in self._replacements:
                self._store._commit_repair(replacement, self._copy)
            self._replacements = []

    def _stop_verifying(self):
        self._verifying = False
        for replacement in self._replacements:
            replacement.abort()
        self._replacements = []

    def _damaged(self, detail):
        self._stop_verifying()
        logger.warning("Key %s in %s is damaged (%s): repairing it", self.key, self._copy.store.describe(), detail)
        self._store._repair(self._copy, self.key, self.size, self.checksum)
        self._failure = DeliveryStoreDamaged(self.key, f"{self._copy.name} copy: {detail}")
        raise self._failure

    def close(self):
        if not self.closed:
            try:
                self._stop_verifying()
            finally:
                self._reader.close()
        super().close()


class MirroredDeliveryStore(DeliveryStoreInterface):
    """
    A primary and replicas, each any store, holding every file's complete bytes.

    Options (keywords; defaults from the ``DELIVERY_STORE_MIRROR_*`` settings):

    * ``primary``: ``{"backend": "<dotted path>", "options": {...}}``, the store reads come from
      (``DELIVERY_STORE_MIRROR_PRIMARY``). Options left out take that backend's own defaults.
    * ``replicas``: a list of the same (``DELIVERY_STORE_MIRROR_REPLICAS``), at least one.
    * ``min_copies``: copies, the primary among them, that must hold the bytes for a write to
      succeed (``DELIVERY_STORE_MIRROR_MIN_COPIES``; 0, the default, means every copy).
    * ``verify_ahead``: files up to this many bytes are verified before a read returns any byte
      (``DELIVERY_STORE_MIRROR_VERIFY_AHEAD``, 1 MiB); memory per reader stays below it.
    """

    options = {
        "primary": Option("DELIVERY_STORE_MIRROR_PRIMARY", clean=_primary, required=True),
        "replicas": Option("DELIVERY_STORE_MIRROR_REPLICAS", clean=_replicas, required=True),
        "min_copies": Option("DELIVERY_STORE_MIRROR_MIN_COPIES", 0, _whole_number),
        "verify_ahead": Option("DELIVERY_STORE_MIRROR_VERIFY_AHEAD", DEFAULT_CHUNK_SIZE, _whole_number),
    }

    def __init__(self, primary=None, replicas=None, **options):
        super().__init__(primary=primary, replicas=replicas, **options)
        self._copies = [StoreCopy(PRIMARY, self.primary)]
        self._copies += [StoreCopy(f"replica {n}", store) for n, store in enumerate(self.replicas, 1)]
        if self.min_copies > len(self._copies):
            raise InvalidStoreError(
                f"{NAME} refuses min_copies={self.min_copies!r}: it keeps only {len(self._copies)} copies."
            )
        self.min_copies = self.min_copies or len(self._copies)
        self.chunk_size = self.primary.chunk_size

    def copies(self):
        return list(self._copies)

    def describe(self):
        return f"{NAME} ({'; '.join(f'{c.name}: {c.store.describe()}' for c in self._copies)})"

    # ---- writes --------------------------------------------------------------------------------

    def _write_open(self, key):
        return _MirroredWriter(key, self)

    def _record_missing(self, key, missing):
        """Record the copies a degraded write left out (in the caller's transaction, if any)."""
        if key == MARKER_KEY:  # the store's marker is no file: a copy that lacks it is marked on its next write
            return
        MissingCopy = apps.get_model("deliveries", "MissingCopy")
        for copy, reason in missing:
            MissingCopy.objects.update_or_create(
                key=key, copy=copy.name, defaults={"store": copy.store.describe()[:300], "reason": reason}
            )

    # ---- reads ---------------------------------------------------------------------------------

    def read_open(self, filemeta):
        # Overrides the public method to keep what the key alone loses: the size and SHA-256 to verify.
        return self._open(self.key_for(filemeta), _expectation(filemeta))

    def _read_open(self, key):
        return self._open(key, None)

    def _open(self, key, expected):
        if expected is None:
            return self._first(key, lambda copy: copy.store.read_open(key))
        size, checksum = expected
        if size <= self.verify_ahead:
            return self._open_small(key, size, checksum)
        return self._open_streaming(key, size, checksum)

    def _first(self, key, attempt):
        """``attempt(copy)`` on each copy in turn until one does not raise; errors as the module docstring says."""
        error = None
        for copy in self._copies:
            try:
                return attempt(copy)
            except DeliveryStoreFileNotFound as e:
                error = error or e
            except OSError as e:
                logger.warning("Could not read key %s from %s: %s", key, copy.store.describe(), e)
                error = e if error is None or isinstance(error, DeliveryStoreFileNotFound) else error
        raise error

    def _open_small(self, key, size, checksum):
        damaged, problems = [], []
        for copy in self._copies:
            try:
                with copy.store.read_open(key) as reader:
                    data = _read_upto(reader, size + 1)
            except DeliveryStoreFileNotFound:
                damaged.append(copy)
                problems.append((MISSING, copy.name, "missing"))
                continue
            except OSError as e:  # unreadable now: passed over, never repaired over
                logger.warning("Could not read key %s from %s: %s", key, copy.store.describe(), e)
                problems.append((UNREADABLE, copy.name, f"could not read: {e}"))
                continue
            if len(data) != size or hashlib.sha256(data).hexdigest() != checksum:
                damaged.append(copy)
                detail = f"{len(data)} bytes, recorded {size}" if len(data) != size else "SHA-256 differs"
                problems.append((DAMAGED, copy.name, detail))
                continue
            for bad in damaged:
                self._repair_with(bad, key, size, checksum, [data])
            return io.BytesIO(data)
        self._raise_for(key, problems)

    def _open_streaming(self, key, size, checksum):
        damaged, problems = [], []
        for copy in self._copies:
            try:
                reader = copy.store.read_open(key)
            except DeliveryStoreFileNotFound:
                damaged.append(copy)
                problems.append((MISSING, copy.name, "missing"))
                continue
            except OSError as e:
                logger.warning("Could not read key %s from %s: %s", key, copy.store.describe(), e)
                problems.append((UNREADABLE, copy.name, f"could not read: {e}"))
                continue
            try:
                found = reader.seek(0, io.SEEK_END)
                reader.seek(0)
            except OSError as e:
                reader.close()
                problems.append((UNREADABLE, copy.name, f"could not read: {e}"))
                continue
            if found != size:
                reader.close()
                damaged.append(copy)
                problems.append((DAMAGED, copy.name, f"{found} bytes, recorded {size}"))
                continue
            replacements = []
            for bad in damaged:
                try:
                    replacements.append(VerifiedReplacement(bad.store, key, size, checksum))
                except Exception:
                    logger.warning("Cannot repair key %s in %s", key, bad.store.describe(), exc_info=True)
            return _VerifyingReader(self, copy, reader, key, size, checksum, replacements)
        self._raise_for(key, problems)

    def _raise_for(self, key, problems):
        """No copy served: damaged if one holds wrong bytes, else unreadable if one failed, else missing."""
        kinds = {kind for kind, _, _ in problems}
        detail = "; ".join(f"{name}: {what}" for _, name, what in problems)
        if DAMAGED in kinds:
            logger.error("No good copy of key %s: %s", key, detail)
            raise DeliveryStoreDamaged(key, detail)
        if UNREADABLE in kinds:
            raise OSError(f"Could not read key {key!r} from any copy: {detail}")
        raise DeliveryStoreFileNotFound(key, f"in no copy ({detail})")

    # ---- repairs while reading -----------------------------------------------------------------

    def _repair_with(self, copy, key, size, checksum, chunks):
        """Write verified ``chunks`` over a damaged copy; a failure is logged, never raised into the read."""
        try:
            replacement = VerifiedReplacement(copy.store, key, size, checksum)
            for chunk in chunks:
                replacement.write(chunk)
        except Exception:
            logger.warning("Could not repair key %s in %s", key, copy.store.describe(), exc_info=True)
            return
        self._commit_repair(replacement, copy)

    def _commit_repair(self, replacement, source):
        key, target = replacement.key, replacement.store
        try:
            quarantined = replacement.commit()
        except Exception:
            logger.warning("Could not repair key %s in %s", key, target.describe(), exc_info=True)
            return
        logger.warning(
            "Repaired key %s in %s from %s%s",
            key,
            target.describe(),
            source.name,
            f"; the damaged bytes are kept as {quarantined}" if quarantined else "",
        )

    def _repair(self, damaged, key, size, checksum):
        """Repair ``damaged`` (a copy whose bytes failed at the end of a read) from the other copies."""
        others = [copy for copy in self._copies if copy is not damaged]
        result = restore_copy(damaged.store, key, size, checksum, others)
        log = logger.warning if result.outcome == REPAIRED else logger.error
        log("Repair of key %s in %s: %s (%s)", key, damaged.store.describe(), result.outcome, result.detail)

    # ---- everything else -----------------------------------------------------------------------

    def _exists(self, key):
        return any(copy.store.exists(key) for copy in self._copies)

    def _size(self, key):
        return self._first(key, lambda copy: copy.store.size(key))

    def _remove(self, key):
        removed, errors = 0, []
        for copy in self._copies:
            try:
                copy.store.remove(key)
                removed += 1
            except DeliveryStoreFileNotFound:
                pass
            except Exception as e:
                errors.append(e)
        if errors:
            raise errors[0]
        if not removed:
            raise DeliveryStoreFileNotFound(key, "in no copy")

    def _copy(self, src_key, dst_key):
        self._each_copy("copy", src_key, dst_key)

    def _each_copy(self, method, src_key, dst_key):
        """``copy`` or ``keep_aside`` in every copy; all or none (the copies done are removed again)."""
        done = []
        try:
            for copy in self._copies:
                getattr(copy.store, method)(src_key, dst_key)
                done.append(copy)
        except BaseException:
            for copy in done:
                try:
                    copy.store.remove(dst_key)
                except Exception:
                    logger.exception("Could not roll back a copy to key %s in %s", dst_key, copy.store.describe())
            raise

    def _keep_aside(self, key, aside_key):
        self._each_copy("keep_aside", key, aside_key)

    def _iter_objects(self):
        seen = set()
        for copy in self._copies:
            for obj in copy.store.iter_objects():
                if obj.key not in seen:
                    seen.add(obj.key)
                    yield obj

    def iter_leftovers(self):
        for copy in self._copies:
            for leftover in copy.store.iter_leftovers():
                name = f"{copy.name}{LEFTOVER_SEPARATOR}{leftover.name}"
                yield Leftover(leftover.kind, name, leftover.size, leftover.modified)

    def remove_leftover(self, leftover):
        name, _, inner = leftover.name.partition(LEFTOVER_SEPARATOR)
        for copy in self._copies:
            if copy.name == name:
                return copy.store.remove_leftover(Leftover(leftover.kind, inner, leftover.size, leftover.modified))
        raise ValueError(f"Refusing to remove {leftover.name!r}: it names no copy of this store")
