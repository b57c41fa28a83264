"""
Writing verified bytes over a damaged copy, and keeping the damaged bytes aside.

Two callers share this: ``MirroredDeliveryStore``, which repairs a copy it found damaged while
reading, and ``checkstore --repair`` / ``--repair-from`` (``deliveries.health.restore``). The
rules, written once here:

* the new bytes are published only when they are exactly the recorded size with the recorded
  SHA-256 (they are hashed on their way into the store's writer, so nothing is read twice, and
  a mismatch aborts the writer: the copy keeps what it had);
* just before they are published, the bytes they replace are copied aside under a quarantine
  key (``quarantine-<key>-<UTC time>-<random>``) in the same store, never deleted: ZFS and Ceph
  keep what they repaired over, and so does this. ``checkstore`` counts quarantined objects and
  never reports or removes them as orphans; a person inspects them and removes them.
"""

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from .base import DeliveryStoreFileNotFound

__all__ = [
    "DAMAGED_IN_SOURCES",
    "NOT_IN_SOURCES",
    "QUARANTINE_PREFIX",
    "REPAIRED",
    "UNREADABLE_IN_SOURCES",
    "WRITE_FAILED",
    "DeliveryStoreDamaged",
    "Restoration",
    "SourceDamaged",
    "VerifiedReplacement",
    "is_quarantine_key",
    "quarantine",
    "quarantined_key",
    "restore_copy",
]

QUARANTINE_PREFIX = "quarantine-"


class DeliveryStoreDamaged(OSError):
    """No copy of the bytes matches their recorded size and SHA-256: a read refuses to serve them."""

    def __init__(self, key, detail):
        self.key = key
        super().__init__(f"The bytes of key {key!r} fail their recorded size or SHA-256: {detail}")


class SourceDamaged(Exception):
    """Bytes offered for a repair are not the recorded ones; nothing was written."""


def is_quarantine_key(key):
    """True for a key under which damaged bytes were put aside."""
    return key.startswith(QUARANTINE_PREFIX)


def quarantined_key(qkey):
    """The key whose bytes a quarantine key holds (``quarantine-12-2025...`` -> ``12``)."""
    return qkey[len(QUARANTINE_PREFIX) :].rsplit("-", 2)[0]


def quarantine(store, key):
    """Copy the bytes under ``key`` aside in ``store``; return the quarantine key, or None when there were none."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    qkey = f"{QUARANTINE_PREFIX}{key}-{stamp}-{os.urandom(3).hex()}"
    try:
        store.keep_aside(key, qkey)
    except DeliveryStoreFileNotFound:
        return None
    return qkey


class VerifiedReplacement:
    """
    New bytes for one copy of ``key`` in ``store``: ``write()`` them in order, then ``commit()``.

    ``commit()`` publishes them only if they are ``size`` bytes with SHA-256 ``checksum``, after
    copying the bytes they replace aside (``quarantined`` is then that quarantine key, or None
    when the copy was missing); otherwise it raises ``SourceDamaged`` and the copy is left as it
    was. ``abort()``, or dropping the object, leaves the copy as it was too.
    """

    def __init__(self, store, key, size, checksum):
        self.store, self.key, self.size, self.checksum = store, key, size, checksum
        self.quarantined = None
        self._digest = hashlib.sha256()
        self._written = 0
        self._writer = store.write_open(key)

    def write(self, data):
        self._written += len(data)
        if self._written > self.size:  # no need to read on: these are not the recorded bytes
            raise SourceDamaged(f"size differs: more than the recorded {self.size} bytes")
        self._digest.update(data)
        self._writer.write(data)

    def commit(self):
        """Publish the bytes (returning the quarantine key of the old ones, or None); SourceDamaged if they are wrong."""
        try:
            if self._written != self.size:
                raise SourceDamaged(f"size differs: read {self._written} bytes, recorded {self.size}")
            if self._digest.hexdigest() != self.checksum:
                raise SourceDamaged(f"SHA-256 differs: read {self._digest.hexdigest()}, recorded {self.checksum}")
            self.quarantined = quarantine(self.store, self.key)
            if self.quarantined and getattr(self.store, "create_only", False):
                # A create-only store refuses to replace an object; its old bytes are safe in quarantine now.
                self.store.remove(self.key)
            self._writer.close()
        except BaseException:
            self._writer.abort()
            raise
        return self.quarantined

    def abort(self):
        self._writer.abort()


REPAIRED = "repaired"
NOT_IN_SOURCES = "not in the other store"
DAMAGED_IN_SOURCES = "also damaged there"
UNREADABLE_IN_SOURCES = "could not be read there"
WRITE_FAILED = "could not be written"


@dataclass
class Restoration:
    """What ``restore_copy`` did: an outcome above, the source used, the quarantine key, and what each source held."""

    outcome: str
    source: str = ""
    quarantined: str | None = None
    detail: str = ""


def _restore_from(target, key, size, checksum, source):
    """Stream one source through a VerifiedReplacement; return (outcome, what the source held, quarantine key)."""
    try:
        replacement = VerifiedReplacement(target, key, size, checksum)
    except Exception as e:
        return WRITE_FAILED, f"{type(e).__name__}: {e}", None
    chunks = source.iter_chunks(key)
    try:
        while True:
            try:
                chunk = next(chunks, None)
            except DeliveryStoreFileNotFound:
                replacement.abort()
                return NOT_IN_SOURCES, "missing", None
            except Exception as e:  # a failed read is not damage: never repaired from, never over
                replacement.abort()
                return UNREADABLE_IN_SOURCES, f"could not read: {type(e).__name__}: {e}", None
            if chunk is None:
                break
            try:
                replacement.write(chunk)
            except SourceDamaged as e:
                replacement.abort()
                return DAMAGED_IN_SOURCES, f"corrupt ({e})", None
            except Exception as e:
                replacement.abort()
                return WRITE_FAILED, f"{type(e).__name__}: {e}", None
    finally:
        chunks.close()
    try:
        quarantined = replacement.commit()
    except SourceDamaged as e:
        return DAMAGED_IN_SOURCES, f"corrupt ({e})", None
    except Exception as e:
        return WRITE_FAILED, f"{type(e).__name__}: {e}", None
    return REPAIRED, "intact", quarantined


def restore_copy(target, key, size, checksum, sources):
    """
    Repair the copy of ``key`` in ``target`` from the first of ``sources`` (``StoreCopy`` items)
    whose bytes are the recorded ``size`` bytes with SHA-256 ``checksum``; return a Restoration.
    A source that is missing, damaged or unreadable is passed over; a target that cannot be
    written stops the attempt. The outcome when no source served: damaged if any was damaged,
    else unreadable if any could not be read, else not in the other store.
    """
    found, outcomes = [], set()
    for source in sources:
        name = source.name or source.store.describe()
        outcome, held, quarantined = _restore_from(target, key, size, checksum, source.store)
        found.append(f"{name}: {held}")
        if outcome in (REPAIRED, WRITE_FAILED):
            return Restoration(outcome, name, quarantined, "; ".join(found))
        outcomes.add(outcome)
    for outcome in (DAMAGED_IN_SOURCES, UNREADABLE_IN_SOURCES):
        if outcome in outcomes:
            return Restoration(outcome, "", None, "; ".join(found))
    return Restoration(NOT_IN_SOURCES, "", None, "; ".join(found))
