"""What a check leaves behind: statuses on the FileMeta rows, and a StoreCheckRun per run."""

from django.utils import timezone

from ..exit_status import ExitStatus
from ..models import FileMeta, MissingCopy, StoreCheckRun
from .report import Code

STATUS_OF = {
    Code.MISSING: FileMeta.Status.MISSING,
    Code.SIZE_MISMATCH: FileMeta.Status.CORRUPT,
    Code.HASH_MISMATCH: FileMeta.Status.CORRUPT,
}  # UNREADABLE may be a passing I/O error: the row keeps its status


def file_statuses(report):
    """
    {FileMeta id: status} for the files ``report`` can speak for. A file is intact when a deep
    check read one of its copies back whole; missing or corrupt only when every copy has such a
    problem (corrupt if any holds wrong bytes). Damage to some copies of a store that keeps
    several is a problem of the check (exit 1, mended by ``--repair``), not lost bytes. A read
    that failed (UNREADABLE) never changes a status.
    """
    statuses = dict.fromkeys(report.intact, FileMeta.Status.INTACT)
    found = {}
    for problem in report.problems:
        if problem.filemeta is not None and problem.code in STATUS_OF:
            found.setdefault(problem.filemeta, {})[problem.copy] = STATUS_OF[problem.code]
    for pk, by_copy in found.items():
        if pk not in statuses and len(by_copy) == len(report.copies):
            worst = FileMeta.Status.CORRUPT if FileMeta.Status.CORRUPT in by_copy.values() else FileMeta.Status.MISSING
            statuses[pk] = worst
    return statuses


def record_statuses(report, batch=1000):
    """Set ``status`` and ``verified_at`` on the rows ``report`` found missing, corrupt or intact."""
    now = timezone.now()
    by_status = {}
    for pk, status in file_statuses(report).items():
        by_status.setdefault(status, []).append(pk)
    for status, pks in by_status.items():
        for i in range(0, len(pks), batch):
            FileMeta.objects.filter(pk__in=pks[i : i + batch]).update(status=status, verified_at=now)
    clear_missing_copies(report)


def clear_missing_copies(report, batch=900):
    """Forget the missing copies (MissingCopy) a deep check of a store with several copies found intact."""
    if not report.intact_copies or not MissingCopy.objects.exists():
        return
    for copy, pks in report.intact_copies.items():
        keys = [str(pk) for pk in pks]
        for i in range(0, len(keys), batch):
            MissingCopy.objects.filter(copy=copy, key__in=keys[i : i + batch]).delete()


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
    """Save a run that could not check its store (ExitStatus.COULD_NOT_RUN)."""
    return StoreCheckRun.objects.create(
        started=started,
        finished=timezone.now(),
        level=level,
        backend=backend,
        store=store,
        options=options or {},
        ok=False,
        exit_code=ExitStatus.COULD_NOT_RUN,
        error=str(error),
    )
