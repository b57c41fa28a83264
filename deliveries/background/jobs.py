"""Starting background work, and the progress a task reports on its BackgroundJob row."""

import time

from django.db import transaction
from django.utils import timezone

from ..models import BackgroundJob

__all__ = ["JobProgress", "start_check", "start_verification"]


class JobProgress:
    """
    A progress bar (``update(n)``, ``close()``, as ``check_store`` and ``verify_many`` take) that
    writes ``done`` and ``total`` to a BackgroundJob row, at most every ``interval`` seconds (and
    on close), so reporting costs nothing next to the work.
    """

    def __init__(self, job, total, unit="files", interval=0.5):
        self.job, self.interval = job, interval
        self.done, self._written = 0, time.monotonic()
        BackgroundJob.objects.filter(pk=job.pk).update(total=total, unit=unit, done=0, progressed_at=timezone.now())

    @classmethod
    def factory(cls, job):
        """A ``progress(total=, unit=, desc=)`` callable for ``check_store``, reporting on ``job``."""

        def progress(total=None, unit="files", desc=None):
            return cls(job, total or 0, "bytes" if unit == "B" else unit)

        return progress

    def update(self, n=1):
        self.done += n
        if time.monotonic() - self._written >= self.interval:
            self._write()

    def close(self):
        self._write()

    def _write(self):
        BackgroundJob.objects.filter(pk=self.job.pk).update(done=self.done, progressed_at=timezone.now())
        self._written = time.monotonic()


def _enqueue(job, task):
    """Save ``job`` and enqueue ``task`` for it once the row is committed (a worker must see it)."""
    job.save()
    transaction.on_commit(lambda: _send(job, task))
    return job


def _send(job, task):
    result = task.enqueue(job.pk)
    BackgroundJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.task_id = str(result.id)


def start_verification(user, filemeta_ids, per_delivery=False):
    """
    Enqueue the verification of the FileMetas ``filemeta_ids`` (their outcomes go into their
    histories in ``user``'s name; with ``per_delivery`` a summary into each delivery's too);
    return its BackgroundJob.
    """
    from .tasks import verify_files_task

    job = BackgroundJob(
        kind=BackgroundJob.Kind.VERIFY,
        requested_by=user,
        filemetas=list(filemeta_ids),
        total=len(filemeta_ids),
        per_delivery=per_delivery,
    )
    return _enqueue(job, verify_files_task)


def start_check(user, level):
    """Enqueue a light or deep check of the configured store (as ``checkstore``); return its BackgroundJob."""
    from .tasks import check_store_task

    kind = {"light": BackgroundJob.Kind.LIGHT_CHECK, "deep": BackgroundJob.Kind.DEEP_CHECK}[level]
    return _enqueue(BackgroundJob(kind=kind, requested_by=user), check_store_task)
