"""
The one verification: read a file's bytes back and say whether they are still what was delivered.

``verify(store, key, size, checksum)`` returns a Verification whose ``outcome`` is one of:

* ``intact``: every byte was read, and the size and SHA-256 match the recorded ones;
* ``missing``: the store holds no bytes under the key (its ``DeliveryStoreFileNotFound``);
* ``corrupt``: the bytes were read whole, and their size or SHA-256 differs;
* ``unreadable``: the read failed (an outage, EIO, a refused permission, a timeout: any other
  error). That says nothing about the bytes, so it is never recorded on a FileMeta: the row
  keeps its status until a later verification can read them.

"Verify now" and "Verify selected" (``verify_filemeta``; many files through ``verify_many``, in
the request or as background work), ``checkstore --deep`` and ``copystore`` all classify through
``verify``.
"""

import enum
import hashlib
import logging
import time
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from .models import FileMeta
from .stores import DeliveryStoreFileNotFound, InvalidStoreError

__all__ = [
    "READ_SIZE",
    "Outcome",
    "Verification",
    "VerificationTally",
    "failure_reason",
    "record",
    "verify",
    "verify_filemeta",
    "verify_many",
]

logger = logging.getLogger(__name__)

READ_SIZE = 1024 * 1024  # bytes per readinto: large enough that hashlib and read() release the GIL


class Outcome(enum.StrEnum):
    INTACT = "intact"
    MISSING = "missing"
    CORRUPT = "corrupt"
    UNREADABLE = "unreadable"


# The FileMeta status each outcome records; unreadable records nothing.
_STATUS_OF = {
    Outcome.INTACT: FileMeta.Status.INTACT,
    Outcome.MISSING: FileMeta.Status.MISSING,
    Outcome.CORRUPT: FileMeta.Status.CORRUPT,
}


@dataclass(frozen=True)
class Verification:
    """The outcome of reading one file's bytes back, with the detail that explains it."""

    outcome: Outcome
    detail: str = ""  # what differs, or why the read failed
    size: int | None = None  # bytes read (intact or corrupt only)
    checksum: str | None = None  # their SHA-256
    differs: str = ""  # for corrupt: "size" or "sha256"
    lacking: tuple = ()  # intact, but these copies of a store that keeps several are not (their names)

    @property
    def ok(self):
        return self.outcome == Outcome.INTACT

    @property
    def status(self):
        """The FileMeta.Status to record, or None when the bytes could not be read."""
        return _STATUS_OF.get(self.outcome)

    def describe(self):
        """``intact (size and SHA-256 match)``, ``corrupt (...)``, ``could not read: <reason>``."""
        if self.outcome == Outcome.UNREADABLE:
            return f"could not read: {self.detail}"
        return f"{self.outcome} ({self.detail})"


def failure_reason(error):
    """
    Why a read failed, in words for a page or a report: the system's words for an errno (without
    "[Errno 5]" or a path), else the error's message; an unexpected kind of error names its type.
    """
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    if isinstance(error, (OSError, InvalidStoreError)) and str(error):
        return str(error)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _hash_bytes(store, key, buffer=None):
    """Return (size, SHA-256 hex) of the bytes under ``key`` (or a FileMeta), read into ``buffer``."""
    buffer = buffer if buffer is not None else bytearray(READ_SIZE)
    digest = hashlib.sha256()
    view = memoryview(buffer)
    size = 0
    with store.read_open(key) as reader:
        while n := reader.readinto(buffer):
            digest.update(view[:n])
            size += n
    return size, digest.hexdigest()


def verify(store, key, size, checksum, buffer=None):
    """
    Read every byte under ``key`` (a key or a FileMeta) from ``store`` and compare them with the
    recorded ``size`` and ``checksum``; return a Verification. Never raises for the store's
    trouble: a failed read is ``unreadable``, with the reason. ``buffer`` (a bytearray) may be
    reused across calls by one thread.

    A store that keeps several copies (``MirroredDeliveryStore``) has each copy read on its own,
    never through its self-repairing reads (verifying writes nothing): the file is intact when a
    copy is, and the detail names the copies that are not; else corrupt when a copy holds wrong
    bytes, else unreadable when a read failed, else missing.
    """
    copies = store.copies()
    if len(copies) > 1:
        return _verify_copies(copies, key, size, checksum, buffer)
    try:
        got_size, got_checksum = _hash_bytes(store, key, buffer)
    except DeliveryStoreFileNotFound:
        return Verification(Outcome.MISSING, "no bytes in the store")
    except (OSError, InvalidStoreError) as e:  # an outage, EIO, a permission, a timeout, refused credentials
        logger.debug("Reading %s from %s failed", key, store.describe(), exc_info=True)
        return Verification(Outcome.UNREADABLE, failure_reason(e))
    except Exception as e:  # a store's own error type (a database store's DatabaseError...): still a failed read
        logger.exception("Reading %s from %s failed unexpectedly", key, store.describe())
        return Verification(Outcome.UNREADABLE, failure_reason(e))
    if got_size != size:
        detail = f"size differs: read {got_size} bytes, recorded {size}"
        return Verification(Outcome.CORRUPT, detail, got_size, got_checksum, differs="size")
    if got_checksum != checksum:
        detail = f"SHA-256 differs: read {got_checksum}, recorded {checksum}"
        return Verification(Outcome.CORRUPT, detail, got_size, got_checksum, differs="sha256")
    return Verification(Outcome.INTACT, "size and SHA-256 match", got_size, got_checksum)


def _verify_copies(copies, key, size, checksum, buffer):
    results = [(copy.name, verify(copy.store, key, size, checksum, buffer)) for copy in copies]
    others = "; ".join(f"{name}: {result.describe()}" for name, result in results if not result.ok)
    for name, result in results:
        if result.ok:
            detail = result.detail + (f" in the {name} copy; {others}" if others else " in every copy")
            lacking = tuple(other for other, r in results if not r.ok)
            return Verification(Outcome.INTACT, detail, result.size, result.checksum, lacking=lacking)
    for outcome in (Outcome.CORRUPT, Outcome.UNREADABLE):
        for _, result in results:
            if result.outcome == outcome:
                return Verification(outcome, others, result.size, result.checksum, result.differs)
    return Verification(Outcome.MISSING, others)


def record(filemeta, verification):
    """Record ``verification`` on ``filemeta`` (``status``, ``verified_at``); an unreadable one changes nothing."""
    if verification.status is None:
        return
    filemeta.status = verification.status
    filemeta.verified_at = timezone.now()
    FileMeta.objects.filter(pk=filemeta.pk).update(status=filemeta.status, verified_at=filemeta.verified_at)


def verify_filemeta(filemeta, store=None, save=True, buffer=None):
    """
    Re-read every byte of ``filemeta`` (from ``store``, default FileMeta.deliverystore) and compare
    size and SHA-256 with the row; with ``save``, record the outcome (see ``record``). ``buffer``
    as for ``verify``.
    """
    store = store or FileMeta.deliverystore
    verification = verify(store, filemeta, filemeta.size, filemeta.checksum, buffer)
    if save:
        record(filemeta, verification)
    return verification


def verify_many(filemetas, store=None, bar=None, history=None, batch=1000, every=2.0):
    """
    Verify every FileMeta of ``filemetas`` (an iterable) through ``verify_filemeta``, recording
    the outcomes ``batch`` files at a time, or sooner when ``every`` seconds have passed (big
    files), with one UPDATE per status, as ``record`` would set them; return the
    VerificationTally. ``bar.update(n)`` (when given) hears of every ``n`` files recorded, so a
    progress bar never runs ahead of what is saved. With ``history`` (a
    ``verification_history.VerificationHistory``), each outcome also goes into the file's
    history, written with the statuses, and the history is closed at the end.
    """
    tally = VerificationTally()
    store = store or FileMeta.deliverystore
    buffer = bytearray(READ_SIZE)  # one for every file: allocating a MiB per small file costs more than reading it
    pending = {}  # status -> [FileMeta] verified, not yet recorded
    waiting = 0  # verified since the last flush, unreadable ones included
    flushed = time.monotonic()

    def flush():
        now = timezone.now()
        for status, verified in pending.items():
            FileMeta.objects.filter(pk__in=[f.pk for f in verified]).update(status=status, verified_at=now)
            for filemeta in verified:
                filemeta.status, filemeta.verified_at = status, now
        pending.clear()
        if history is not None:
            history.write()
        if bar is not None and waiting:
            bar.update(waiting)

    for filemeta in filemetas:
        verification = verify_filemeta(filemeta, store, save=False, buffer=buffer)
        tally.add(verification)
        if history is not None:
            history.add(filemeta, verification)
        if verification.status is not None:
            pending.setdefault(verification.status, []).append(filemeta)
        waiting += 1
        if waiting >= batch or time.monotonic() - flushed >= every:
            flush()
            waiting, flushed = 0, time.monotonic()
    flush()
    if history is not None:
        history.close()
    return tally


@dataclass
class VerificationTally:
    """The outcomes of verifying many files: a count per outcome, and why reads failed."""

    MAX_REASONS = 3

    counts: Counter = field(default_factory=Counter)
    reasons: list = field(default_factory=list)  # distinct reasons of unreadable files, first seen first

    def add(self, verification):
        self.counts[verification.outcome] += 1
        if verification.outcome == Outcome.UNREADABLE and verification.detail not in self.reasons:
            self.reasons.append(verification.detail)

    @property
    def total(self):
        return sum(self.counts.values())

    @property
    def all_intact(self):
        return self.counts[Outcome.INTACT] == self.total

    def summary(self):
        """
        ``Verified 4 files: 2 intact, 1 missing, 1 corrupt.``, and when reads failed, how many
        could not be read, why, and that they keep their recorded status.
        """
        total = self.total
        counts = ", ".join(f"{self.counts[o]} {o}" for o in (Outcome.INTACT, Outcome.MISSING, Outcome.CORRUPT))
        text = f"Verified {total} file{'s' if total != 1 else ''}: {counts}"
        unreadable = self.counts[Outcome.UNREADABLE]
        if not unreadable:
            return text + "."
        reasons = "; ".join(self.reasons[: self.MAX_REASONS])
        if len(self.reasons) > self.MAX_REASONS:
            reasons += f"; and {len(self.reasons) - self.MAX_REASONS} other reasons"
        return (
            f"{text}, {unreadable} could not be read (could not read: {reasons}). "
            f"A file that could not be read keeps its recorded status; verify it again later."
        )
