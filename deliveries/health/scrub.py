"""
The rolling scrub (``checkstore --deep --oldest N`` / ``--budget DURATION``), after ZFS and Ceph:
each run verifies the files whose last verification is oldest, so runs every night cover the
whole store every few weeks at a bounded cost, and no file is verified twice before every other
has been verified once.

Order: files with a recorded missing copy first (a write that went on without a replica), then
the never verified (by id), then the least recently verified. Each file is read back whole from
every copy (the one verification, ``deep._verify``); the outcome and its time go on the row in
batches as the scrub goes, so a killed scrub keeps what it did. A file that could not be read
keeps its old verification time (a failed read is not a verification), so the next run tries
it first again. There is no listing: orphans are the light check's business.
"""

import dataclasses
import logging
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from django.db import connections
from django.db.models.functions import Mod
from django.utils import timezone

from ..integrity import READ_SIZE
from ..models import FileMeta, MissingCopy
from ..operations.progress import no_progress
from .deep import _verify
from .records import record_statuses
from .report import CheckReport, filemeta_id

__all__ = ["scrub_order", "scrub_store"]

logger = logging.getLogger("deliveries.health")

RECORD_EVERY = 500  # files verified between two writes of their outcomes
ROWS_PER_FETCH = 2000


def _rows(shard):
    rows = FileMeta.objects.order_by()
    if shard is not None:
        rows = rows.alias(shard_slot=Mod("pk", shard.count)).filter(shard_slot=shard.index - 1)
    return rows


def scrub_order(shard=None):
    """Yield (pk, size, checksum) of every file, in the order a scrub takes them (each once)."""
    fields = ("pk", "size", "checksum")
    owed = sorted({pk for pk in map(filemeta_id, MissingCopy.objects.values_list("key", flat=True)) if pk is not None})
    seen = set()
    for i in range(0, len(owed), 900):
        for row in _rows(shard).filter(pk__in=owed[i : i + 900]).order_by("pk").values_list(*fields):
            seen.add(row[0])
            yield row
    never = _rows(shard).filter(verified_at__isnull=True).order_by("pk")
    verified = _rows(shard).filter(verified_at__isnull=False).order_by("verified_at", "pk")
    for rows in (never, verified):
        for row in rows.values_list(*fields).iterator(chunk_size=ROWS_PER_FETCH):
            if row[0] not in seen:
                yield row


def _verify_copies(copies, pk, size, checksum, buffer):
    """[(copy name, bytes read, Problem or None)] for every copy of one file."""
    return [(copy.name, *_verify(copy.store, pk, size, checksum, buffer)) for copy in copies]


class _Batch:
    """Outcomes not yet written to the rows; written every RECORD_EVERY files and at the end."""

    def __init__(self, report):
        self.report = report
        self.fresh()

    def fresh(self):
        self.part = CheckReport("deep", self.report.store, self.report.backend, copies=self.report.copies)

    def add(self, pk, results):
        report, part = self.report, self.part
        report.files += 1
        for name, nbytes, problem in results:
            report.bytes_read += nbytes
            if problem is None:
                part.intact.append(pk)
                part.intact_copies.setdefault(name, []).append(pk)
            else:
                problem = dataclasses.replace(problem, copy=name)
                part.problems.append(problem)
                report.problems.append(problem)
        if len(part.intact) + len(part.problems) >= RECORD_EVERY:
            self.flush()

    def flush(self):
        if self.part.intact or self.part.problems:
            if self.report.copies == [""]:
                self.part.intact_copies = {}
            record_statuses(self.part)
            self.report.intact.extend(self.part.intact)
        self.fresh()


def scrub_store(store, *, oldest=None, budget=None, backend="", jobs=1, shard=None, progress=no_progress):
    """
    Verify up to ``oldest`` files (None: no limit), least recently verified first, and stop
    starting new ones once ``budget`` (a timedelta, None: no limit) has passed: a run lasts at
    most the budget plus one file per job. Every copy of each file is verified and the outcome
    recorded on its row. Returns a CheckReport whose ``stopped`` says which limit ended it.
    """
    copies = store.copies()
    options = {
        "oldest": oldest,
        "budget": budget.total_seconds() if budget is not None else None,
        "jobs": jobs,
        "shard": str(shard) if shard else None,
    }
    report = CheckReport("deep", store.describe(), backend, options, copies=[copy.name for copy in copies])
    report.started = timezone.now()
    start = time.monotonic()
    deadline = start + budget.total_seconds() if budget is not None else None
    batch = _Batch(report)
    bar = progress(total=oldest, unit="files", desc="scrub")
    rows = scrub_order(shard)
    try:
        if jobs > 1:
            _run_threads(copies, rows, oldest, deadline, jobs, batch, bar, report)
        else:
            buffer = bytearray(READ_SIZE)
            for pk, size, checksum in rows:
                if _limit_reached(report, report.files, oldest, deadline):
                    break
                batch.add(pk, _verify_copies(copies, pk, size, checksum, buffer))
                bar.update(1)
    finally:
        rows.close()
        batch.flush()
        bar.close()
    report.seconds = time.monotonic() - start
    report.finished = timezone.now()
    return report


def _limit_reached(report, started, oldest, deadline):
    if oldest is not None and started >= oldest:
        report.stopped = "oldest"
        return True
    if deadline is not None and time.monotonic() >= deadline:
        report.stopped = "budget"
        return True
    return False


def _verify_in_worker(copies, pk, size, checksum):
    try:
        return pk, _verify_copies(copies, pk, size, checksum, bytearray(READ_SIZE))
    finally:
        connections.close_all()  # a database-backed store opened this worker thread's own connection


def _run_threads(copies, rows, oldest, deadline, jobs, batch, bar, report):
    """At most ``jobs`` files in flight; none started once a limit is reached."""
    started = 0
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="scrub") as pool:
        pending = set()
        exhausted = False
        while True:
            while not exhausted and len(pending) < jobs:
                row = next(rows, None)
                if row is None or _limit_reached(report, started, oldest, deadline):
                    exhausted = True
                    break
                pending.add(pool.submit(_verify_in_worker, copies, *row))
                started += 1
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                batch.add(*future.result())
                bar.update(1)
