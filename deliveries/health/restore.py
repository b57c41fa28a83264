"""
Repairing damaged copies from a good one: ``checkstore --deep --repair`` (a store's own other
copies) and ``--repair-from`` (another store: a backup, an old server, a copy made by copystore).

For every copy a check found MISSING, SIZE_MISMATCH or HASH_MISMATCH, in order:

1. the damaged copy is verified again, through the one verification (``integrity.verify``): if
   it is intact now, nothing is written ("intact now"); if it cannot be read, nothing is written
   either (a failed read is not damage);
2. the sources are tried in turn (the store's other copies first, then ``--repair-from``): each
   one's bytes are streamed into the damaged copy's writer while their size and SHA-256 are
   checked against the FileMeta, and published only if they match (``stores.healing``), just
   after the damaged bytes are kept aside in quarantine (``keep_aside``);
3. the repaired copy is read back and verified.

Each gives a ``Repair`` with its outcome: repaired, not in the other store, also damaged there,
could not be read there, could not be written, intact now, unreadable now, or with ``dry_run``
"would repair" (the sources are verified, nothing is written). Intact files are never written;
UNREADABLE problems are never repaired over; what stays broken stays a problem of the report.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connections
from django.utils import timezone

from ..integrity import READ_SIZE, Outcome, verify
from ..models import FileMeta, MissingCopy
from ..stores import StoreCopy
from ..stores.healing import (
    DAMAGED_IN_SOURCES,
    NOT_IN_SOURCES,
    REPAIRED,
    UNREADABLE_IN_SOURCES,
    restore_copy,
)
from .report import Code

__all__ = ["REPAIRABLE", "Repair", "repair_damage", "repair_sources"]

logger = logging.getLogger("deliveries.health")

REPAIRABLE = frozenset({Code.MISSING, Code.SIZE_MISMATCH, Code.HASH_MISMATCH})
INTACT_NOW = "intact now"
UNREADABLE_NOW = "unreadable now"
WOULD_REPAIR = "would repair"
GONE = "file deleted since the check"
READ_BACK_FAILED = "read back wrong"


@dataclass(frozen=True)
class Repair:
    """What a repair did for one damaged copy of one file."""

    filemeta: int
    key: str
    copy: str  # which copy of the store ("" for a plain store)
    found: str  # the problem code the check reported
    outcome: str
    source: str = ""  # where the good bytes came from (or would)
    quarantined: str | None = None  # the key the damaged bytes are kept under
    detail: str = ""

    @property
    def fixed(self):
        """The problem is gone: the copy was repaired, or is intact after all."""
        return self.outcome in (REPAIRED, INTACT_NOW)

    @property
    def place(self):
        return self.copy, self.key

    def as_dict(self):
        return {
            "filemeta": self.filemeta,
            "key": self.key,
            "copy": self.copy,
            "found": self.found,
            "outcome": self.outcome,
            "source": self.source,
            "quarantined": self.quarantined,
            "detail": self.detail,
        }

    def as_line(self):
        where = f" in {self.copy}" if self.copy else ""
        line = f"{self.outcome.upper()}: file {self.filemeta} (key {self.key}{where}, {self.found})"
        if self.source:
            line += f" from {self.source}"
        if self.quarantined:
            line += f"; the damaged bytes are kept as {self.quarantined}"
        if self.detail and not self.fixed:
            line += f": {self.detail}"
        return line


def repair_sources(store, use_copies, others=()):
    """
    {copy name: [StoreCopy to take good bytes from]} for each copy of ``store``: with
    ``use_copies`` its other copies (the first, where reads come from, first), then ``others``
    (stores, e.g. the ``--repair-from`` one).
    """
    copies = store.copies()
    extra = [StoreCopy(other.describe(), other) for other in others]
    return {copy.name: ([c for c in copies if c.name != copy.name] if use_copies else []) + extra for copy in copies}


# What a source's verification means for a repair from it.
_SOURCE_OUTCOME = {
    Outcome.MISSING: NOT_IN_SOURCES,
    Outcome.CORRUPT: DAMAGED_IN_SOURCES,
    Outcome.UNREADABLE: UNREADABLE_IN_SOURCES,
}


def _dry_run(sources, key, size, checksum, buffer):
    """(outcome, source, detail) of what a repair would do: the first intact source, else why none."""
    found, kinds = [], set()
    for source in sources:
        name = source.name or source.store.describe()
        verification = verify(source.store, key, size, checksum, buffer)
        if verification.ok:
            return WOULD_REPAIR, name, ""
        kinds.add(_SOURCE_OUTCOME[verification.outcome])
        found.append(f"{name}: {verification.describe()}")
    for kind in (DAMAGED_IN_SOURCES, UNREADABLE_IN_SOURCES):
        if kind in kinds:
            return kind, "", "; ".join(found)
    return NOT_IN_SOURCES, "", "; ".join(found)


_buffers = threading.local()


def _buffer():
    """A read buffer per thread, made once: zero-filling 1 MiB per file would cost more than small files do."""
    buffer = getattr(_buffers, "buffer", None)
    if buffer is None:
        buffer = _buffers.buffer = bytearray(READ_SIZE)
    return buffer


def _repair_one(target, sources, problem, size, checksum, dry_run):
    buffer = _buffer()
    key = problem.key

    def result(outcome, source="", quarantined=None, detail=""):
        return Repair(problem.filemeta, key, problem.copy, str(problem.code), outcome, source, quarantined, detail)

    now = verify(target, key, size, checksum, buffer)
    if now.ok:
        return result(INTACT_NOW)
    if now.outcome == Outcome.UNREADABLE:
        return result(UNREADABLE_NOW, detail=f"{now.describe()}; a failed read is not damage: not repaired over")
    if not sources:
        return result(NOT_IN_SOURCES, detail="no other copy to repair from")
    if dry_run:
        outcome, source, detail = _dry_run(sources, key, size, checksum, buffer)
        return result(outcome, source, detail=detail)
    restored = restore_copy(target, key, size, checksum, sources)
    if restored.outcome != REPAIRED:
        return result(restored.outcome, detail=restored.detail)
    back = verify(target, key, size, checksum, buffer)
    if not back.ok:
        return result(READ_BACK_FAILED, restored.source, restored.quarantined, back.describe())
    logger.info(
        "Repaired file %s (key %s)%s from %s%s",
        problem.filemeta,
        key,
        f" in {problem.copy}" if problem.copy else "",
        restored.source,
        f"; the damaged bytes are kept as {restored.quarantined}" if restored.quarantined else "",
    )
    return result(REPAIRED, restored.source, restored.quarantined)


def _in_worker(*args):
    try:
        return _repair_one(*args)
    finally:
        connections.close_all()  # a database-backed store opened this worker thread's own connection


def repair_damage(store, report, *, sources, dry_run=False, jobs=1, update_status=False):
    """
    Repair every copy ``report`` (a deep check of ``store``) found MISSING, SIZE_MISMATCH or
    HASH_MISMATCH, from ``sources`` ({copy name: [StoreCopy]}, see ``repair_sources``), ``jobs``
    files at a time; set ``report.repairs``. With ``update_status`` (the store FileMeta uses),
    files whose every damaged copy was mended are recorded intact, and the missing-copy records
    of the copies mended are removed.
    """
    damaged = [p for p in report.problems if p.code in REPAIRABLE and p.filemeta is not None]
    rows = {}
    pks = sorted({p.filemeta for p in damaged})
    for i in range(0, len(pks), 900):
        chunk = pks[i : i + 900]
        rows.update(
            {
                pk: (size, sha)
                for pk, size, sha in FileMeta.objects.filter(pk__in=chunk).values_list("pk", "size", "checksum")
            }
        )
    copies = {copy.name: copy.store for copy in store.copies()}
    tasks, repairs = [], []
    for problem in damaged:
        if problem.filemeta not in rows:
            repairs.append(Repair(problem.filemeta, problem.key, problem.copy, str(problem.code), GONE))
            continue
        size, checksum = rows[problem.filemeta]
        tasks.append((copies[problem.copy], sources.get(problem.copy, []), problem, size, checksum, dry_run))
    if jobs > 1 and len(tasks) > 1:
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="repair") as pool:
            repairs.extend(pool.map(lambda task: _in_worker(*task), tasks))
    else:
        repairs.extend(_repair_one(*task) for task in tasks)
    report.repairs = repairs
    if update_status and not dry_run:
        _record(report)


def _record(report):
    """Files with no open problem left are intact; the copies mended no longer miss."""
    fixed = [r for r in report.repairs if r.fixed]
    open_pks = {p.filemeta for p in report.open_problems() if p.code in REPAIRABLE}
    pks = sorted({r.filemeta for r in fixed} - open_pks)
    now = timezone.now()
    for i in range(0, len(pks), 900):
        FileMeta.objects.filter(pk__in=pks[i : i + 900]).update(status=FileMeta.Status.INTACT, verified_at=now)
    if fixed and MissingCopy.objects.exists():
        by_copy = {}
        for repair in fixed:
            by_copy.setdefault(repair.copy, []).append(repair.key)
        for copy, keys in by_copy.items():
            for i in range(0, len(keys), 900):
                MissingCopy.objects.filter(copy=copy, key__in=keys[i : i + 900]).delete()
