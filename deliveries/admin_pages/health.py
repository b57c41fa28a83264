"""
The admin's "Store health" page: the latest ``checkstore`` run, the history of runs, and a small
inline-SVG chart of the recent ones. Runs are records, so the page is read-only.
"""

import json
import math

from django.contrib import admin
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from ..exit_status import ExitStatus
from ..models import StoreCheckRun
from .jobs import start_check_view

__all__ = ["StoreCheckRunAdmin", "chart_bars"]

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


@admin.register(StoreCheckRun)
class StoreCheckRunAdmin(admin.ModelAdmin):
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
        return format_html("<code>{}</code>", json.dumps(run.options))

    @admin.display(description="summary")
    def summary_display(self, run):
        return format_html("<pre>{}</pre>", json.dumps(run.summary, indent=2))

    @admin.display(description=f"problems (first {StoreCheckRun.MAX_PROBLEMS})")
    def problems_display(self, run):
        if not run.problems:
            return "none"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (p["code"], p["key"], p["filemeta"] if p["filemeta"] is not None else "", p["detail"])
                for p in run.problems
            ),
        )
        return format_html("<table><tr><th>code</th><th>key</th><th>file</th><th>detail</th></tr>{}</table>", rows)

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
            "can_run_check": request.user.has_perm("deliveries.run_storecheck"),
        }
        return super().changelist_view(request, extra_context=extra_context)
