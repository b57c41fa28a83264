"""
The admin's pages of background work: starting it ("Verify selected" beyond a page of files, "Run
a check now" on the Store health page) and a page per BackgroundJob that shows its progress,
refreshing itself (a meta refresh: no script) until the work is done, and then how it ended.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone

from ..background import start_check, start_verification
from ..integrity import verify_many
from ..models import BackgroundJob, FileMeta
from ..verification_history import VerificationHistory
from .views import report_outcome

__all__ = ["BackgroundJobAdmin", "REFRESH_SECONDS", "start_check_view", "verify_or_start"]

REFRESH_SECONDS = 2
STALLED_AFTER = 10  # times DELIVERY_WORKER_WAIT without progress before a running task looks stopped


def job_url(job):
    return reverse("admin:deliveries_backgroundjob_change", args=[job.pk])


def verify_or_start(model_admin, request, filemetas, *, per_delivery=False):
    """
    "Verify selected" (of files, or of deliveries' files): up to DELIVERY_BACKGROUND_VERIFY_ABOVE
    files are verified in the request and reported as a message; more become a background task,
    and the answer is its progress page. Either way each outcome goes into the file's history (and,
    with ``per_delivery``, a summary into each delivery's), in the name of the user who asked.
    """
    limit = settings.DELIVERY_BACKGROUND_VERIFY_ABOVE
    filemetas = filemetas.prefetch_related(None).order_by("pk")  # a list's prefetches are for showing it
    ids = list(filemetas.values_list("pk", flat=True)[: limit + 1])
    if len(ids) <= limit:
        history = VerificationHistory(request.user, per_delivery=per_delivery)
        report_outcome(
            model_admin, request, verify_many(FileMeta.objects.filter(pk__in=ids).order_by("pk"), history=history)
        )
        return None
    ids = list(filemetas.values_list("pk", flat=True))
    job = start_verification(request.user, ids, per_delivery=per_delivery)
    model_admin.message_user(request, f"Verifying {len(ids):,} files in the background.", messages.INFO)
    return HttpResponseRedirect(job_url(job))


def start_check_view(model_admin, request, level):
    """POST: enqueue a light or deep check of the store; answer with its progress page."""
    if not request.user.has_perm("deliveries.run_storecheck"):
        raise PermissionDenied("Running a store check needs the permission to run store checks.")
    if level not in ("light", "deep"):
        raise PermissionDenied("Only a light or a deep check can be started here.")
    job = start_check(request.user, level)
    model_admin.message_user(request, f"A {level} check of the store was started.", messages.INFO)
    return HttpResponseRedirect(job_url(job))


@admin.register(BackgroundJob)
class BackgroundJobAdmin(admin.ModelAdmin):
    """Background work: each row's page shows its progress and outcome. Read-only."""

    change_form_template = "admin/deliveries/backgroundjob/change_form.html"
    list_display = ["__str__", "state", "requested_by", "progress", "outcome"]
    list_filter = ["kind", "state"]
    list_select_related = ["requested_by"]
    fields = ["kind", "requested_by", "enqueued_at", "started_at", "finished_at", "check_run"]  # state, outcome: above
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        """Whoever started the work sees it; others need the view permission on background work."""
        if super().has_view_permission(request, obj):
            return True
        return obj is not None and obj.requested_by_id == request.user.pk

    def has_module_permission(self, request):
        return super().has_view_permission(request)

    @admin.display(description="progress")
    def progress(self, job):
        return progress_text(job)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if job is not None:
            now = timezone.now()
            context.update(
                job=job,
                progress_text=progress_text(job),
                percent=round(100 * job.done / job.total) if job.total else (100 if job.is_done else 0),
                refresh_seconds=None if job.is_done else REFRESH_SECONDS,
                no_worker=job.waiting_too_long(now, timedelta(seconds=settings.DELIVERY_WORKER_WAIT)),
                stalled=job.stalled(now, timedelta(seconds=settings.DELIVERY_WORKER_WAIT * STALLED_AFTER)),
                worker_wait=settings.DELIVERY_WORKER_WAIT,
                title=str(job),
                subtitle=None,  # the title says it already
            )
        return super().change_view(request, object_id, form_url, context)


def progress_text(job):
    """``1,200 of 9,086 files`` (bytes for a deep check: ``12.0 MB of 1.2 GB``)."""
    if job.unit == "bytes":
        return f"{filesizeformat(job.done)} of {filesizeformat(job.total)} read"
    return f"{job.done:,} of {job.total:,} {job.unit}"
