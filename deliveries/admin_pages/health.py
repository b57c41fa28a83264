"""
The admin's "Store health" page: the latest ``checkstore`` run, the history of runs, a small
inline-SVG chart of the recent ones, and how much of the store was verified lately (the rolling
scrub's progress). Runs are records, so the page is read-only.
"""

import math
from datetime import timedelta

from django.contrib import admin
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from ..exit_status import ExitStatus
from ..models import FileMeta, MissingCopy, StoreCheckRun
from .bounds import BoundedAdminMixin
from .jobs import start_check_view

__all__ = ["StoreCheckRunAdmin", "chart_bars", "problem_cells", "summary_rows", "verification_coverage"]

COVERAGE_DAYS = (7, 30, 90)

#: The summary's entries in words, in the order the table shows them.
SUMMARY_LABELS = {
    "level": "Level",
    "store": "Store",
    "files": "Files checked",
    "objects": "Objects in the store",
    "bytes_read": "Bytes read",
    "seconds": "Seconds",
    "mib_per_s": "Speed (MiB/s)",
    "in_flight": "Uploads in flight, left alone",
}

CHART_RUNS = 30
CHART_HEIGHT = 80
BAR_WIDTH = 14
BAR_GAP = 4


def _outcome(run):
    return "unavailable" if run.exit_code == ExitStatus.COULD_NOT_RUN else "ok" if run.ok else "failed"


def chart_bars(runs):
    """
    Bars for ``runs`` (newest first), oldest on the left: the height grows with the number of
    problems on a log scale (a healthy run keeps a short bar so it stays visible), the class
    tells the outcome.
    """
    runs = list(runs)[::-1]
    peak = max((r.problems_total for r in runs), default=0)
    scale = math.log1p(peak) or 1.0
    bars = []
    for i, run in enumerate(runs):
        height = 4 + (CHART_HEIGHT - 4) * math.log1p(run.problems_total) / scale if run.problems_total else 4
        if run.exit_code == ExitStatus.COULD_NOT_RUN:
            height = CHART_HEIGHT
        bars.append(
            {
                "x": i * (BAR_WIDTH + BAR_GAP),
                "y": round(CHART_HEIGHT - height, 1),
                "height": round(height, 1),
                "outcome": _outcome(run),
                "label": f"{run.started:%Y-%m-%d %H:%M} {run.level}: {_outcome(run)}, {run.problems_total} problems",
            }
        )
    return bars


def verification_coverage(now=None):
    """
    How much of the store was read back and verified lately: for 7, 30 and 90 days the files
    verified since (count and share), the files never verified, the oldest verification, and
    the files a write had to leave a copy out of. Each count is one index range (filemeta_scrub_idx).
    """
    now = now or timezone.now()
    total = FileMeta.objects.count()
    periods = []
    for days in COVERAGE_DAYS:
        count = FileMeta.objects.filter(verified_at__gte=now - timedelta(days=days)).count()
        periods.append({"days": days, "count": count, "percent": round(100 * count / total, 1) if total else 0.0})
    oldest = (
        FileMeta.objects.filter(verified_at__isnull=False)
        .order_by("verified_at")
        .values_list("verified_at", flat=True)
        .first()
    )
    return {
        "total": total,
        "periods": periods,
        "never": FileMeta.objects.filter(verified_at__isnull=True).count(),
        "oldest": oldest,
        "oldest_days": (now - oldest).days if oldest else None,
        "missing_copies": MissingCopy.objects.values("key").distinct().count(),  # files, not copies
    }


def summary_rows(summary):
    """(label, value) pairs of a run's summary: the known entries in words, then one row per problem code."""
    rows = [(label, summary[key]) for key, label in SUMMARY_LABELS.items() if key in summary]
    rows += [(f"Problems: {code}", n) for code, n in summary.get("counts", {}).items()]
    rows += [(key, value) for key, value in summary.items() if key not in SUMMARY_LABELS and key != "counts"]
    return rows


def _link(viewname, pk, text):
    if pk is None:
        return format_html("{}", text or "-")
    return format_html('<a href="{}">{}</a>', reverse(viewname, args=[pk]), text or f"#{pk}")


def problem_cells(problem):
    """
    The cells of one recorded problem (a dict, as ``Problem.as_dict`` made it): the file (its
    name and id, linked), its delivery and group (linked), where it is in the store, and why.
    Runs recorded before problems were named carry the file's id alone: it is linked as "file #id".
    """
    filemeta = problem.get("filemeta")
    if filemeta is None:
        file_cell = format_html("{}", "-")
    else:
        name = problem.get("filename") or "file"
        file_cell = _link("admin:deliveries_filemeta_change", filemeta, f"{name} (#{filemeta})")
    delivery = problem.get("delivery")
    group = problem.get("group")
    return (
        problem["code"],
        file_cell,
        _link("admin:deliveries_delivery_change", delivery, problem.get("delivery_label")) if delivery else "-",
        _link("admin:deliveries_assignmentgroup_change", group, problem.get("group_label")) if group else "-",
        problem["key"],
        f"in {problem['copy']}: {problem['detail']}" if problem.get("copy") else problem["detail"],  # a mirror's copy
    )


@admin.register(StoreCheckRun)
class StoreCheckRunAdmin(BoundedAdminMixin, admin.ModelAdmin):
    change_list_template = "admin/deliveries/storecheckrun/change_list.html"
    list_display = ["started", "level", "outcome", "store", "files", "problems_total", "seconds"]
    list_filter = ["level", "ok", "exit_code"]
    date_hierarchy = "started"
    readonly_fields = [
        "started",
        "finished",
        "level",
        "backend",
        "store",
        "options_display",
        "ok",
        "exit_code",
        "error",
        "summary_display",
        "problems_total",
        "problems_display",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        def start(request, level):
            return start_check_view(self, request, level)

        view = self.admin_site.admin_view(require_POST(start))
        return [path("run/<str:level>/", view, name="deliveries_storecheckrun_start")] + super().get_urls()

    @admin.display(description="outcome", ordering="exit_code")
    def outcome(self, run):
        return format_html('<span class="storehealth-{}">{}</span>', _outcome(run), _outcome(run))

    @admin.display(description="files")
    def files(self, run):
        return run.summary.get("files", "")

    @admin.display(description="seconds")
    def seconds(self, run):
        return run.summary.get("seconds", "")

    @admin.display(description="options")
    def options_display(self, run):
        given = [(key, value) for key, value in run.options.items() if value not in (None, "", [], {})]
        if not given:
            return "none"
        return format_html_join(", ", "{} {}", given)

    @admin.display(description="summary")
    def summary_display(self, run):
        if not run.summary:
            return "none"
        rows = format_html_join("", '<tr><th scope="row">{}</th><td>{}</td></tr>', summary_rows(run.summary))
        return format_html('<table class="storehealth-summary">{}</table>', rows)

    @admin.display(description=f"problems (first {StoreCheckRun.MAX_PROBLEMS})")
    def problems_display(self, run):
        if not run.problems:
            return "none"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (problem_cells(p) for p in run.problems),
        )
        return format_html(
            "<table><tr><th>problem</th><th>file</th><th>delivery</th><th>group</th><th>in the store</th>"
            "<th>detail</th></tr>{}</table>",
            rows,
        )

    def changelist_view(self, request, extra_context=None):
        recent = list(StoreCheckRun.objects.order_by("-started", "-pk")[:CHART_RUNS])
        extra_context = {
            **(extra_context or {}),
            "title": "Store health",
            "latest_run": recent[0] if recent else None,
            "latest_outcome": _outcome(recent[0]) if recent else None,
            "chart_bars": chart_bars(recent),
            "chart_width": max(len(recent), 1) * (BAR_WIDTH + BAR_GAP),
            "chart_height": CHART_HEIGHT,
            "bar_width": BAR_WIDTH,
            "coverage": verification_coverage(),
            "can_run_check": request.user.has_perm("deliveries.run_storecheck"),
        }
        return super().changelist_view(request, extra_context=extra_context)
