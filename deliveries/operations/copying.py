"""
Copy the bytes of every FileMeta from one DeliveryStore into another (``manage.py copystore``).

The source is only ever read. Each file is streamed through a SHA-256 on its way out (bytes that
no longer match their FileMeta are not copied at all) and read back from the target on arrival
through the one verification (``deliveries.integrity.verify``): a copy that is not intact is
removed from the target and reported. A file the target already holds intact (in every copy, for
a mirrored target) is skipped, so an interrupted run resumes where it stopped. Files are copied by ``jobs`` threads; the rows are read by the calling thread, and a
database-backed store's connections in a worker thread are closed after each file.
"""

import hashlib
import itertools
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Sum

from ..integrity import Outcome, verify_filemeta
from ..models import FileMeta
from ..stores import DeliveryStoreFileNotFound

__all__ = ["CopyFailure", "CopyReport", "copy_store", "copy_one"]

COPIED, SKIPPED, WOULD_COPY = "copied", "skipped", "would copy"


@dataclass(frozen=True)
class CopyFailure:
    filemeta_id: int
    filename: str
    reason: str


@dataclass
class CopyReport:
    """What a copy did: counts of files and bytes, and every failure with its reason."""

    dry_run: bool = False
    copied: int = 0
    copied_bytes: int = 0
    skipped: int = 0
    failures: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.failures

    def add(self, filemeta, outcome):
        if isinstance(outcome, CopyFailure):
            self.failures.append(outcome)
        elif outcome == SKIPPED:
            self.skipped += 1
        else:
            self.copied += 1
            self.copied_bytes += filemeta.size


def _verify_copy(target, filemeta):
    """The one verification of ``target``'s copy of ``filemeta``; nothing is recorded on the row."""
    return verify_filemeta(filemeta, store=target, save=False)


class _SourceMismatch(Exception):
    pass


def _stream(source, target, filemeta):
    """Stream the bytes into ``target``; abort the write when they do not match the FileMeta."""
    digest, size = hashlib.sha256(), 0
    with target.write_open(filemeta) as writer:
        for chunk in source.iter_chunks(filemeta):
            digest.update(chunk)
            size += len(chunk)
            writer.write(chunk)
        if size != filemeta.size or digest.hexdigest() != filemeta.checksum:
            # Raising inside the with aborts the writer: the target keeps nothing of it.
            raise _SourceMismatch(f"the source's bytes ({size} bytes) differ from the recorded size and SHA-256")


def copy_one(source, target, filemeta, dry_run=False):
    """Copy one file; return COPIED, SKIPPED, WOULD_COPY or a CopyFailure. Never raises for one file's trouble."""

    def failure(reason):
        return CopyFailure(filemeta.pk, filemeta.filename, reason)

    try:
        present = _verify_copy(target, filemeta)
        if present.ok and not present.lacking:
            return SKIPPED
        if present.outcome == Outcome.UNREADABLE:
            return failure(f"could not read the target's copy: {present.detail}")
        if dry_run:
            return WOULD_COPY if source.exists(filemeta) else failure("missing in the source")
        if present.outcome == Outcome.CORRUPT or present.lacking:
            target.remove(filemeta)  # a create-only target would refuse a rewrite; a mirror rewrites every copy
        _stream(source, target, filemeta)
    except DeliveryStoreFileNotFound:
        return failure("missing in the source")
    except _SourceMismatch as e:
        return failure(f"{e}; run checkstore on the source")
    except Exception as e:  # one file's trouble (a network error, a full disk) must not stop the others
        return failure(f"{type(e).__name__}: {e}")
    arrived = _verify_copy(target, filemeta)
    if arrived.ok and not arrived.lacking:
        return COPIED
    if arrived.ok:  # a mirrored target: intact in some of its copies only
        reason = f"the copy did not arrive whole in {', '.join(arrived.lacking)}; removed"
    elif arrived.outcome == Outcome.UNREADABLE:
        reason = f"could not read the copy back: {arrived.detail}"
    elif arrived.outcome == Outcome.MISSING:
        reason = "the copy was not in the target when read back"
    else:
        reason = f"the copy read back from the target differs in size or SHA-256; removed ({arrived.detail})"
    try:
        target.remove(filemeta)
    except Exception:
        pass  # already reported as failed; a leftover copy is re-checked (and rewritten) on the next run
    return failure(reason)


def _copy_in_worker(source, target, filemeta, dry_run):
    try:
        return copy_one(source, target, filemeta, dry_run)
    finally:
        connections.close_all()  # a DatabaseDeliveryStore opened this worker thread's own connection


def copy_store(source, target, *, jobs=4, dry_run=False, queryset=None, progress=None):
    """
    Copy every FileMeta of ``queryset`` (default: all) from ``source`` to ``target`` with ``jobs``
    threads and return a ``CopyReport``. ``progress(total=, unit=, desc=)`` may return a tqdm-like
    bar, advanced by the bytes of each file done.
    """
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    queryset = FileMeta.objects.all() if queryset is None else queryset
    queryset = queryset.order_by("pk").only("pk", "filename", "size", "checksum")
    report = CopyReport(dry_run=dry_run)
    bar = None
    if progress is not None:
        bar = progress(total=queryset.aggregate(total=Sum("size"))["total"] or 0, unit="B", desc="copystore")
    filemetas = queryset.iterator(chunk_size=1000)
    # Keep at most a few files per worker in flight, so millions of rows never sit in memory.
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="copystore") as pool:
        pending = {}
        while True:
            for filemeta in itertools.islice(filemetas, 2 * jobs - len(pending)):
                pending[pool.submit(_copy_in_worker, source, target, filemeta, dry_run)] = filemeta
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                filemeta = pending.pop(future)
                report.add(filemeta, future.result())
                if bar is not None:
                    bar.update(filemeta.size)
    if bar is not None:
        bar.close()
    return report
