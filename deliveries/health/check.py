"""The runs: the probe, and the light pass over the listing and the rows (with the deep pass on top)."""

import dataclasses
import logging
import time
import uuid

from django.db.models import Sum
from django.db.models.functions import Mod
from django.utils import timezone

from ..models import FileMeta
from ..operations.progress import no_progress
from ..stores.healing import is_quarantine_key
from .deep import Hasher
from .naming import name_problems
from .records import record_statuses
from .report import DEFAULT_MIN_AGE, LEFTOVER_CODES, CheckReport, CheckUnavailable, Code, Problem, filemeta_id

logger = logging.getLogger("deliveries.health")

ROWS_PER_FETCH = 5000


# ---- the light pass ---------------------------------------------------------------------------


def _old_enough(modified, now, min_age):
    """Unknown age counts as old: a check cannot tell, so it reports (but see delete_orphans)."""
    return modified is None or now - modified >= min_age


def _list_store(store, shard, require_marker=True):
    """
    One pass over the listing and the leftovers. CheckUnavailable when the store cannot be listed,
    or when the listing proves nothing: the place the store writes to is not there (a wrong
    setting), or holds no store marker while files are recorded (an unmounted disk, another
    directory or bucket), so every recorded file would look missing. ``require_marker=False``
    is for adopting a store from before markers.
    """
    try:
        objects = {obj.key: obj for obj in store.iter_objects() if shard is None or shard.owns(obj.key)}
        leftovers = [lo for lo in store.iter_leftovers() if shard is None or shard.owns(lo.name)]
    except Exception as e:
        # The message says what failed; the traceback is for whoever turns on debug logging.
        logger.debug("Listing %s failed", store.describe(), exc_info=True)
        raise CheckUnavailable(f"Cannot list {store.describe()}: {type(e).__name__}: {e}") from e
    facts = store.health_facts()
    if facts.exists is False:
        if facts.writable is False:
            raise CheckUnavailable(f"Cannot check {store.describe()}: {facts.problem}")
        if _rows(shard).exists():
            raise CheckUnavailable(
                f"Cannot check {store.describe()}: its {facts.kind} does not exist, yet files are recorded "
                f"(is {facts.setting or 'its configuration'} right?)."
            )
    if require_marker and _read_marker(store) is None and FileMeta.objects.exists():
        raise CheckUnavailable(
            f"Cannot check {store.describe()}: it holds no store marker, yet files are recorded. Is it the right "
            f"store (not an unmounted disk, another directory or an empty bucket; is "
            f"{facts.setting or 'its configuration'} right)? If it is, `manage.py checkstore --adopt` checks that "
            "its files are there and marks it."
        )
    return objects, leftovers


def _read_marker(store):
    try:
        return store.read_marker()
    except Exception as e:
        logger.debug("Reading the marker of %s failed", store.describe(), exc_info=True)
        raise CheckUnavailable(f"Cannot read the marker of {store.describe()}: {type(e).__name__}: {e}") from e


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
    progress=no_progress,
    require_marker=True,
):
    """
    Check ``store`` against the FileMeta rows at ``level`` (probe, light or deep) and return a
    CheckReport. ``shard`` (a Shard) checks one deterministic slice of keys; ``since`` only rows
    created from then on (and objects modified since). With ``update_status`` (for the store
    FileMeta uses), record what was found on the rows: ``missing``, ``corrupt`` (size or
    SHA-256), and after a deep check ``intact``, with ``verified_at``. ``progress(total=, unit=,
    desc=)`` returns an object with ``update(n)`` and ``close()``. Raises CheckUnavailable when the
    store cannot be listed or written at all, or (unless ``require_marker`` is False) lacks its
    marker while files are recorded.
    """
    options = {"jobs": jobs, "shard": str(shard) if shard else None, "since": since.isoformat() if since else None}
    report = CheckReport(level, store.describe(), backend, options, fail_on_orphans=fail_on_orphans)
    report.started = timezone.now()
    clock = time.perf_counter()
    if level == "probe":
        report.problems = probe(store)
    else:
        _check_copies(store, report, level == "deep", jobs, shard, since, min_age, progress, require_marker)
        if update_status:
            record_statuses(report)
        report.problems = name_problems(report.problems)
    report.seconds = time.perf_counter() - clock
    report.finished = timezone.now()
    return report


def _check_copies(store, report, deep, jobs, shard, since, min_age, progress, require_marker=True):
    """
    Check every copy of ``store`` on its own (one, unless it keeps several): problems name their
    copy, and a file counts as intact when a deep check read at least one copy back whole.
    """
    copies = store.copies()
    report.copies = [copy.name for copy in copies]
    if len(copies) == 1:
        _check_rows(copies[0].store, report, deep, jobs, shard, since, min_age, progress, require_marker)
        return
    intact = set()
    for copy in copies:
        part = CheckReport(report.level, copy.store.describe(), report.backend)
        _check_rows(copy.store, part, deep, jobs, shard, since, min_age, progress, require_marker)
        report.files = part.files
        report.objects += part.objects
        report.bytes_read += part.bytes_read
        report.in_flight += part.in_flight
        report.quarantined += part.quarantined
        report.problems.extend(dataclasses.replace(p, copy=copy.name) for p in part.problems)
        report.intact_copies[copy.name] = part.intact
        intact.update(part.intact)
    report.intact = sorted(intact)


def _check_rows(store, report, deep, jobs, shard, since, min_age, progress, require_marker=True):
    now = timezone.now()
    objects, leftovers = _list_store(store, shard, require_marker)
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

    hasher = Hasher(store, jobs, done) if deep else None
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
    for key in [key for key in objects if is_quarantine_key(key)]:
        del objects[key]  # damaged bytes a repair kept aside: counted, never an orphan to delete
        report.quarantined += 1
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


def adopt(store, progress=no_progress):
    """
    Mark ``store`` as the store of the recorded files, after a light check (without the marker)
    finds every one of them there at its recorded size. Returns ``(report, marker)``: the marker
    written, the one the store had already, or None when the check found errors (nothing is
    written then). Orphans do not stand in the way: they waste space but lose nothing.
    """
    existing = store.read_marker()
    report = check_store(store, level="light", progress=progress, require_marker=False)
    if existing is not None:
        return report, existing
    if any(not problem.code.is_orphan for problem in report.problems):
        return report, None
    return report, store.write_marker()
