"""
The tasks a worker runs. Each takes the id of its BackgroundJob, marks it running, does the same
work as its synchronous twin (``integrity.verify_many``; ``health.run_check``, as checkstore
does) and records how it ended. An unexpected error marks the job failed and is raised again, so
the task backend records it as well.
"""

import contextlib

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from .. import health
from ..integrity import verify_many
from ..models import BackgroundJob, FileMeta
from ..verification_history import VerificationHistory
from .jobs import JobProgress

__all__ = ["check_store_task", "verify_files_task"]

IDS_PER_QUERY = 900  # under every database's limit of parameters in one query


def _files(ids):
    """The FileMetas of ``ids``, a few hundred per query, in id order; deleted ones are skipped."""
    for i in range(0, len(ids), IDS_PER_QUERY):
        yield from FileMeta.objects.filter(pk__in=ids[i : i + IDS_PER_QUERY]).order_by("pk")


@contextlib.contextmanager
def _running(job_id):
    job = BackgroundJob.objects.get(pk=job_id)
    now = timezone.now()
    BackgroundJob.objects.filter(pk=job.pk).update(state=BackgroundJob.State.RUNNING, started_at=now, progressed_at=now)
    try:
        yield job
    except BaseException as e:
        _finish(job, ok=False, outcome=f"Stopped by an unexpected error: {type(e).__name__}: {e}", failed=True)
        raise


def _finish(job, *, ok, outcome, failed=False, check_run=None):
    state = BackgroundJob.State.FAILED if failed else BackgroundJob.State.FINISHED
    BackgroundJob.objects.filter(pk=job.pk).update(
        state=state, ok=ok, outcome=outcome, check_run=check_run, finished_at=timezone.now()
    )


@task
def verify_files_task(job_id):
    """Verify the job's files through the one loop "Verify selected" uses, history included; return the tally's counts."""
    with _running(job_id) as job:
        ids = job.filemetas
        bar = JobProgress(job, total=len(ids))
        # Into the files' histories as in the request, in the name of who asked (none if since deleted).
        user = job.requested_by
        history = VerificationHistory(user, per_delivery=job.per_delivery) if user is not None else None
        tally = verify_many(_files(ids), bar=bar, history=history)
        bar.close()
        _finish(job, ok=tally.all_intact, outcome=tally.summary())
        BackgroundJob.objects.filter(pk=job.pk).update(filemetas=[])  # done with: the outcome says what was found
        return {str(outcome): count for outcome, count in tally.counts.items()}


@task
def check_store_task(job_id):
    """Check the configured store at the job's level, recording a StoreCheckRun as checkstore does."""
    with _running(job_id) as job:
        result = health.run_check(
            lambda: FileMeta.deliverystore,
            level=job.kind,
            backend=settings.DELIVERY_STORE_BACKEND,
            update_status=True,
            progress=JobProgress.factory(job),
        )
        if result.error is not None:
            outcome = f"Could not check the store: {result.error}"
            _finish(job, ok=False, outcome=outcome, check_run=result.run)
            return {"ok": False, "error": str(result.error)}
        report = result.report
        verdict = "Healthy" if report.ok else "Problems found"
        outcome = f"{verdict}: {report.files} files checked, {report.counts_text()}."
        if result.record_error is not None:
            outcome += f" The run could not be recorded: {result.record_error}"
        _finish(job, ok=report.ok, outcome=outcome, check_run=result.run)
        return {"ok": report.ok, "exit_code": report.exit_code}
