"""
Is every delivered byte still there and intact? The logic of ``manage.py checkstore``.

Three levels, after Ceph's scrub/deep-scrub and restic's check/--read-data:

* ``probe``: write a probe object, read it back, compare, delete it: is the store alive and writable?
* ``light`` (the default): one pass over the store's listing into a dict, then one streamed pass
  over the FileMeta rows: MISSING, SIZE_MISMATCH, ORPHAN and the store's leftovers
  (TEMP_LEFTOVER, SYMLINK, STRAY). No per-row round trips.
* ``deep``: the light check, then read every byte and recompute its SHA-256 (HASH_MISMATCH,
  UNREADABLE), ``jobs`` files at a time.

Problems carry stable codes. Errors fail a check; orphans (ORPHAN, TEMP_LEFTOVER, STRAY) are
reported but fail it only on request, as ``git fsck`` treats dangling objects. Orphans and
leftovers younger than ``min_age`` are uploads in flight: counted, never reported nor removed.

A store that cannot be listed or probed at all raises ``CheckUnavailable``; nothing here ever
repairs on its own (``delete_orphans`` is a separate, explicit call).
"""

import enum
import hashlib
import logging
import os
import queue
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connections
from django.db.models import Sum
from django.db.models.functions import Mod
from django.utils import timezone

from .models import FileMeta, StoreCheckRun
from .stores import DeliveryStoreFileNotFound

logger = logging.getLogger(__name__)

__all__ = [
    "CheckReport",
    "CheckUnavailable",
    "Code",
    "Problem",
    "Shard",
    "check_store",
    "delete_orphans",
    "record_run",
    "record_unavailable",
]

MiB = 1024 * 1024
READ_SIZE = MiB  # bytes per readinto: large enough that hashlib and read() release the GIL
DEFAULT_MIN_AGE = timedelta(hours=1)
ROWS_PER_FETCH = 5000


class Code(enum.StrEnum):
    MISSING = "MISSING"  # a FileMeta whose bytes are not in the store
    SIZE_MISMATCH = "SIZE_MISMATCH"  # the stored object's size differs from the row's
    HASH_MISMATCH = "HASH_MISMATCH"  # same size, different SHA-256 (deep only)
    UNREADABLE = "UNREADABLE"  # listed, but reading it failed (deep only)
    SYMLINK = "SYMLINK"  # a symlink inside the store's tree
    PROBE_FAILED = "PROBE_FAILED"  # the probe object did not round-trip
    ORPHAN = "ORPHAN"  # an object no FileMeta owns
    TEMP_LEFTOVER = "TEMP_LEFTOVER"  # a temporary file or chunk left by an interrupted write
    STRAY = "STRAY"  # something in the store's tree that is neither an object nor a temporary

    @property
    def is_orphan(self):
        """Orphan-like problems waste space but lose nothing: they fail a check only on request."""
        return self in ORPHAN_CODES


ORPHAN_CODES = frozenset({Code.ORPHAN, Code.TEMP_LEFTOVER, Code.STRAY})
LEFTOVER_CODES = {"temporary": Code.TEMP_LEFTOVER, "symlink": Code.SYMLINK, "stray": Code.STRAY}


@dataclass(frozen=True, slots=True)
class Problem:
    code: Code
    key: str  # the store key (or the leftover's place in the store)
    filemeta: int | None = None  # the FileMeta's id, when a row is involved
    detail: str = ""

    def as_dict(self):
        return {"code": str(self.code), "filemeta": self.filemeta, "key": self.key, "detail": self.detail}

    def as_line(self):
        return f"{self.code} {self.key} {self.filemeta if self.filemeta is not None else '-'} {self.detail}".rstrip()


def filemeta_id(key):
    """The FileMeta id a key stands for (keys of FileMetas are their decimal ids), else None."""
    return int(key) if key.isascii() and key.isdigit() else None


class CheckUnavailable(Exception):
    """The store cannot be checked at all (unreachable, unreadable root, misconfigured)."""


@dataclass(frozen=True)
class Shard:
    """
    Slice ``index`` of ``count`` (1-based, as restic's ``--read-data-subset``): a numeric key
    belongs to slice ``key % count + 1``, any other key to ``crc32(key) % count + 1``. The slices
    of 1/N .. N/N cover every key exactly once, whichever machine checks them.
    """

    index: int
    count: int

    @classmethod
    def parse(cls, text):
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise ValueError(f"--shard must look like I/N (e.g. 2/4), not {text!r}") from None
        if not 1 <= index <= count:
            raise ValueError(f"--shard {text}: I must be between 1 and N")
        return cls(index, count)

    def __str__(self):
        return f"{self.index}/{self.count}"

    def owns(self, key):
        pk = filemeta_id(key)
        value = pk if pk is not None else zlib.crc32(key.encode())
        return value % self.count == self.index - 1


@dataclass
class CheckReport:
    """Everything one run found; rendered as text or JSON, recorded as a StoreCheckRun."""

    level: str
    store: str
    backend: str
    options: dict = field(default_factory=dict)
    started: object = None
    finished: object = None
    files: int = 0  # FileMeta rows checked
    objects: int = 0  # objects listed in the store
    bytes_read: int = 0
    in_flight: int = 0  # young orphans and leftovers: uploads in progress, not reported
    seconds: float = 0.0
    problems: list = field(default_factory=list)
    fail_on_orphans: bool = False
    intact: list = field(default_factory=list, repr=False)  # FileMeta ids the deep check read back whole

    def counts(self):
        counts = {}
        for problem in self.problems:
            counts[str(problem.code)] = counts.get(str(problem.code), 0) + 1
        return dict(sorted(counts.items()))

    @property
    def ok(self):
        return not any(self.fail_on_orphans or not p.code.is_orphan for p in self.problems)

    @property
    def exit_code(self):
        return 0 if self.ok else 1

    def summary(self):
        mib_s = self.bytes_read / MiB / self.seconds if self.seconds else 0.0
        return {
            "level": self.level,
            "store": self.store,
            "files": self.files,
            "objects": self.objects,
            "bytes_read": self.bytes_read,
            "seconds": round(self.seconds, 3),
            "mib_per_s": round(mib_s, 1),
            "in_flight": self.in_flight,
            "counts": self.counts(),
        }

    def as_dict(self):
        return {
            "ok": self.ok,
            "summary": self.summary(),
            "problems": [p.as_dict() for p in self.problems],
        }

    def counts_text(self):
        """``MISSING 2, ORPHAN 1`` or ``no problems``."""
        return ", ".join(f"{code} {n}" for code, n in self.counts().items()) or "no problems"

    def text_lines(self):
        """One line per problem (errors first, then orphans), then the summary."""
        ordered = sorted(self.problems, key=lambda p: (p.code.is_orphan, str(p.code), p.key))
        lines = [p.as_line() for p in ordered]
        s = self.summary()
        counts = self.counts_text()
        if self.level == "probe":
            lines.append(f"probe of {self.store}: wrote, read back, compared and removed a probe object in {s['seconds']:.2f} s; {counts}")
            lines.append("OK" if self.ok else "FAILED")
            return lines
        lines.append(
            f"{self.level} check of {self.store}: {s['files']} files, {s['objects']} objects, "
            f"{s['bytes_read']} bytes read in {s['seconds']:.2f} s ({s['mib_per_s']:.1f} MiB/s); {counts}"
            + (f"; {self.in_flight} younger than --min-age left alone" if self.in_flight else "")
        )
        lines.append("OK" if self.ok else "FAILED")
        return lines


class _NoProgress:
    def update(self, n=1):
        pass

    def close(self):
        pass


def _no_progress(**kwargs):
    return _NoProgress()


# ---- the light pass ---------------------------------------------------------------------------


def _old_enough(modified, now, min_age):
    """Unknown age counts as old: a check cannot tell, so it reports (but see delete_orphans)."""
    return modified is None or now - modified >= min_age


def _list_store(store, shard):
    """One pass over the listing and the leftovers; CheckUnavailable when the store cannot be listed."""
    root = getattr(store, "root", None)
    if root is not None and os.path.lexists(root) and not os.path.isdir(root):
        raise CheckUnavailable(f"Cannot check {store.describe()}: its root is not a directory.")
    try:
        objects = {obj.key: obj for obj in store.iter_objects() if shard is None or shard.owns(obj.key)}
        leftovers = [lo for lo in store.iter_leftovers() if shard is None or shard.owns(lo.name)]
    except Exception as e:
        # The message says what failed; the traceback is for whoever turns on debug logging.
        logger.debug("Listing %s failed", store.describe(), exc_info=True)
        raise CheckUnavailable(f"Cannot list {store.describe()}: {type(e).__name__}: {e}") from e
    if root is not None and not os.path.isdir(root) and _rows(shard).exists():
        raise CheckUnavailable(
            f"Cannot check {store.describe()}: its root does not exist, yet files are recorded "
            "(is DELIVERY_STORE_ROOT right?)."
        )
    return objects, leftovers


def _rows(shard, since=None):
    rows = FileMeta.objects.order_by()
    if shard is not None:
        rows = rows.alias(shard_slot=Mod("pk", shard.count)).filter(shard_slot=shard.index - 1)
    if since is not None:
        rows = rows.filter(created__gte=since)
    return rows


def _confirm_missing(store, candidates):
    """A second look at rows missing from the listing: their bytes may have landed since."""
    problems = []
    for pk in candidates:
        try:
            present = store.exists(str(pk))
        except Exception as e:
            problems.append(Problem(Code.MISSING, str(pk), pk, f"not listed, and exists() failed: {e}"))
            continue
        if not present:
            problems.append(Problem(Code.MISSING, str(pk), pk, "no bytes in the store"))
    return problems


def _confirm_orphans(objects):
    """Drop listed keys whose FileMeta was committed while the rows were being read."""
    numeric = [pk for pk in map(filemeta_id, objects) if pk is not None]
    owned = set()
    for i in range(0, len(numeric), 900):
        owned.update(FileMeta.objects.filter(pk__in=numeric[i : i + 900]).values_list("pk", flat=True))
    return [obj for key, obj in objects.items() if filemeta_id(key) not in owned]


# ---- the deep pass ----------------------------------------------------------------------------


def hash_key(store, key, buffer):
    """Return (size, SHA-256 hex) of the bytes under ``key``, read into ``buffer`` (a bytearray)."""
    digest = hashlib.sha256()
    view = memoryview(buffer)
    size = 0
    with store.read_open(key) as reader:
        while n := reader.readinto(buffer):
            digest.update(view[:n])
            size += n
    return size, digest.hexdigest()


def _verify(store, pk, size, checksum, buffer):
    """Return (bytes read, Problem or None) for one row whose object the listing showed."""
    key = str(pk)
    try:
        got_size, got_checksum = hash_key(store, key, buffer)
    except DeliveryStoreFileNotFound:
        return 0, Problem(Code.MISSING, key, pk, "listed, but gone when read")
    except Exception as e:
        logger.debug("Reading %s from %s failed", key, store.describe(), exc_info=True)
        return 0, Problem(Code.UNREADABLE, key, pk, f"{type(e).__name__}: {e}")
    if got_size != size:
        return got_size, Problem(Code.SIZE_MISMATCH, key, pk, f"read {got_size} bytes, recorded {size}")
    if got_checksum != checksum:
        return got_size, Problem(Code.HASH_MISMATCH, key, pk, f"SHA-256 {got_checksum}, recorded {checksum}")
    return got_size, None


class _Hasher:
    """
    Verifies rows on ``jobs`` threads, fed through a bounded queue (memory stays bounded however
    many rows there are). With one job it verifies inline, on the caller's thread and connection.
    """

    def __init__(self, store, jobs, on_done):
        self.store, self.jobs, self.on_done = store, jobs, on_done
        self._results = queue.SimpleQueue()
        self._buffer = bytearray(READ_SIZE)
        self._tasks = queue.Queue(maxsize=jobs * 8) if jobs > 1 else None
        self._threads = [threading.Thread(target=self._work, daemon=True) for _ in range(jobs if jobs > 1 else 0)]
        for thread in self._threads:
            thread.start()

    def _work(self):
        buffer = bytearray(READ_SIZE)
        try:
            while (task := self._tasks.get()) is not None:
                pk, size, checksum = task
                self._results.put((pk, size, *_verify(self.store, pk, size, checksum, buffer)))
        finally:
            connections.close_all()  # a database-backed store opened this thread's own connection

    def submit(self, pk, size, checksum):
        if self._tasks is None:
            self.on_done(pk, size, *_verify(self.store, pk, size, checksum, self._buffer))
        else:
            self._tasks.put((pk, size, checksum))
            self.drain()

    def drain(self):
        while True:
            try:
                self.on_done(*self._results.get_nowait())
            except queue.Empty:
                return

    def finish(self):
        for _ in self._threads:
            self._tasks.put(None)
        for thread in self._threads:
            thread.join()
        self.drain()


# ---- the runs ---------------------------------------------------------------------------------


def probe(store):
    """django-health-check's round trip: write, exists, read back, compare, delete, gone."""
    key = f"probe-{uuid.uuid4().hex}"
    payload = f"deliverystore probe {timezone.now().isoformat()} {key}".encode()
    problems = []
    try:
        with store.write_open(key) as writer:
            writer.write(payload)
    except Exception as e:
        logger.debug("Probe write to %s failed", store.describe(), exc_info=True)
        raise CheckUnavailable(f"Cannot write to {store.describe()}: {type(e).__name__}: {e}") from e
    try:
        if not store.exists(key):
            problems.append(Problem(Code.PROBE_FAILED, key, None, "written, but exists() says no"))
        with store.read_open(key) as reader:
            if reader.read() != payload:
                problems.append(Problem(Code.PROBE_FAILED, key, None, "read back different bytes"))
        store.remove(key)
        if store.exists(key):
            problems.append(Problem(Code.PROBE_FAILED, key, None, "removed, but exists() still says yes"))
    except Exception as e:
        problems.append(Problem(Code.PROBE_FAILED, key, None, f"{type(e).__name__}: {e}"))
    finally:
        try:
            store.remove(key)
        except Exception:
            pass  # removed above, or unremovable: a PROBE_FAILED already says so
    return problems


def check_store(
    store,
    *,
    level="light",
    backend="",
    jobs=1,
    shard=None,
    since=None,
    min_age=DEFAULT_MIN_AGE,
    fail_on_orphans=False,
    update_status=False,
    progress=_no_progress,
):
    """
    Check ``store`` against the FileMeta rows at ``level`` (probe, light or deep) and return a
    CheckReport. ``shard`` (a Shard) checks one deterministic slice of keys; ``since`` only rows
    created from then on (and objects modified since). With ``update_status`` (for the store
    FileMeta uses), record what was found on the rows: ``missing``, ``corrupt`` (size or
    SHA-256), and after a deep check ``intact``, with ``verified_at``. ``progress(total=, unit=,
    desc=)`` returns an object with ``update(n)`` and ``close()``. Raises CheckUnavailable when the
    store cannot be listed or written at all.
    """
    options = {"jobs": jobs, "shard": str(shard) if shard else None, "since": since.isoformat() if since else None}
    report = CheckReport(level, store.describe(), backend, options, fail_on_orphans=fail_on_orphans)
    report.started = timezone.now()
    clock = time.perf_counter()
    if level == "probe":
        report.problems = probe(store)
    else:
        _check_rows(store, report, level == "deep", jobs, shard, since, min_age, progress)
        if update_status:
            record_statuses(report)
    report.seconds = time.perf_counter() - clock
    report.finished = timezone.now()
    return report


def _check_rows(store, report, deep, jobs, shard, since, min_age, progress):
    now = timezone.now()
    objects, leftovers = _list_store(store, shard)
    report.objects = len(objects)
    rows = _rows(shard)
    checked = rows if since is None else rows.filter(created__gte=since)
    if deep:
        bar = progress(total=checked.aggregate(total=Sum("size"))["total"] or 0, unit="B", desc="deep check")
    else:
        bar = progress(total=checked.count(), unit="files", desc="light check")

    def done(pk, size, nbytes, problem):
        report.bytes_read += nbytes
        if problem is None:
            report.intact.append(pk)
        else:
            report.problems.append(problem)
        bar.update(size)

    hasher = _Hasher(store, jobs, done) if deep else None
    missing = []
    # Fetch only the columns this run needs: converting 100,000 datetimes costs more than listing.
    fields = ["pk", "size", "checksum" if deep else "size", "created" if since is not None else "pk"]
    try:
        for pk, size, checksum, created in rows.values_list(*fields).iterator(chunk_size=ROWS_PER_FETCH):
            obj = objects.pop(str(pk), None)
            if since is not None and created < since:
                continue  # its object is owned (not an orphan) but not checked
            report.files += 1
            if obj is None:
                missing.append(pk)
            elif obj.size != size:
                report.problems.append(
                    Problem(Code.SIZE_MISMATCH, obj.key, pk, f"store holds {obj.size} bytes, recorded {size}")
                )
            elif hasher is not None:
                hasher.submit(pk, size, checksum)
                continue
            bar.update(size if deep else 1)
    finally:
        if hasher is not None:
            hasher.finish()
        bar.close()
    report.problems.extend(_confirm_missing(store, missing))
    for obj in _confirm_orphans(objects):
        if since is not None and obj.modified is not None and obj.modified < since:
            continue
        if _old_enough(obj.modified, now, min_age):
            report.problems.append(Problem(Code.ORPHAN, obj.key, None, f"{obj.size} bytes, no FileMeta"))
        else:
            report.in_flight += 1
    for leftover in leftovers:
        code = LEFTOVER_CODES.get(leftover.kind, Code.STRAY)
        if code is not Code.SYMLINK and not _old_enough(leftover.modified, now, min_age):
            report.in_flight += 1
        else:
            report.problems.append(Problem(code, leftover.name, None, f"{leftover.kind}, {leftover.size} bytes"))


# ---- statuses and records --------------------------------------------------------------------


STATUS_OF = {
    Code.MISSING: FileMeta.Status.MISSING,
    Code.SIZE_MISMATCH: FileMeta.Status.CORRUPT,
    Code.HASH_MISMATCH: FileMeta.Status.CORRUPT,
}  # UNREADABLE may be a passing I/O error: the row keeps its status


def record_statuses(report, batch=1000):
    """Set ``status`` and ``verified_at`` on the rows ``report`` found missing, corrupt or intact."""
    now = timezone.now()
    by_status = {FileMeta.Status.INTACT: list(report.intact)}
    for problem in report.problems:
        if problem.filemeta is not None and problem.code in STATUS_OF:
            by_status.setdefault(STATUS_OF[problem.code], []).append(problem.filemeta)
    for status, pks in by_status.items():
        for i in range(0, len(pks), batch):
            FileMeta.objects.filter(pk__in=pks[i : i + batch]).update(status=status, verified_at=now)


def record_run(report):
    """Save ``report`` as a StoreCheckRun (problems capped at StoreCheckRun.MAX_PROBLEMS)."""
    return StoreCheckRun.objects.create(
        started=report.started,
        finished=report.finished,
        level=report.level,
        backend=report.backend,
        store=report.store,
        options=report.options,
        ok=report.ok,
        exit_code=report.exit_code,
        summary=report.summary(),
        problems=[p.as_dict() for p in report.problems[: StoreCheckRun.MAX_PROBLEMS]],
        problems_total=len(report.problems),
    )


def record_unavailable(level, backend, store, error, started, options=None):
    """Save a run that could not check its store (exit code 2)."""
    return StoreCheckRun.objects.create(
        started=started,
        finished=timezone.now(),
        level=level,
        backend=backend,
        store=store,
        options=options or {},
        ok=False,
        exit_code=2,
        error=str(error),
    )


# ---- repair ------------------------------------------------------------------------------------


@dataclass
class Deletion:
    removed: list = field(default_factory=list)  # keys and leftover names removed
    kept: list = field(default_factory=list)  # (name, why) left alone
    failed: list = field(default_factory=list)  # (name, error)


def deletable_orphans(report):
    return [p for p in report.problems if p.code in (Code.ORPHAN, Code.TEMP_LEFTOVER)]


def delete_orphans(store, report, *, min_age=DEFAULT_MIN_AGE):
    """
    Remove the ORPHAN objects and TEMP_LEFTOVERs ``report`` found that are still orphans and at
    least ``min_age`` old. Unknown ages are kept unless ``min_age`` is zero. A key whose FileMeta
    has appeared since the check is kept. Symlinks and strays are never touched: a person decides.
    """
    now = timezone.now()
    result = Deletion()
    candidates = deletable_orphans(report)
    numeric = [filemeta_id(p.key) for p in candidates if p.code is Code.ORPHAN and filemeta_id(p.key) is not None]
    owned = set(FileMeta.objects.filter(pk__in=numeric).values_list("pk", flat=True)) if numeric else set()
    objects = {o.key: o for o in store.iter_objects()} if any(p.code is Code.ORPHAN for p in candidates) else {}
    leftovers = {lo.name: lo for lo in store.iter_leftovers()} if any(
        p.code is Code.TEMP_LEFTOVER for p in candidates
    ) else {}
    for problem in candidates:
        current = objects.get(problem.key) if problem.code is Code.ORPHAN else leftovers.get(problem.key)
        if current is None:
            result.kept.append((problem.key, "gone already"))
            continue
        if problem.code is Code.ORPHAN and filemeta_id(problem.key) in owned:
            result.kept.append((problem.key, "a FileMeta owns it now"))
            continue
        if current.modified is None and min_age > timedelta(0):
            result.kept.append((problem.key, "age unknown (use --min-age 0 to remove)"))
            continue
        if current.modified is not None and now - current.modified < min_age:
            result.kept.append((problem.key, "younger than --min-age"))
            continue
        try:
            if problem.code is Code.ORPHAN:
                store.remove(problem.key)
            else:
                store.remove_leftover(current)
        except Exception as e:
            result.failed.append((problem.key, f"{type(e).__name__}: {e}"))
        else:
            result.removed.append(problem.key)
    return result
