"""What a check leaves behind: statuses on the FileMeta rows, and a StoreCheckRun per run."""

from django.utils import timezone

from ..exit_status import ExitStatus
from ..models import FileMeta, StoreCheckRun
from .report import Code

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
