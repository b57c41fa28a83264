"""
``{% range_date_hierarchy cl %}``: the admin's date hierarchy without a scan of the table.

Django's own tag lists the years (months, days) that have rows with ``SELECT DISTINCT`` over a
truncated date: a full scan, and on SQLite one Python function call per row (seconds at a
million rows). This tag reads the first and last date (two index lookups) of the rows in the
chosen year, month or day, then asks in one more query, with one EXISTS per year (month, day)
from the first to the last, which of those have rows: each EXISTS is one index seek. So it
offers, as Django does, only dates that have rows, in three queries at any size. It looks at the rows the viewer
may see (the admin's queryset), ignoring the other filters and the search (which may need a
scan). It renders the admin's own ``date_hierarchy.html`` with the same context.
"""

import datetime

from django import template
from django.conf import settings
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.db.models import Exists
from django.utils import formats, timezone
from django.utils.text import capfirst

register = template.Library()

__all__ = ["date_bounds", "periods_between", "periods_with_rows", "range_date_hierarchy"]


def periods_between(first, last, kind):
    """Every year, month (as dates) or day from ``first`` to ``last`` (dates), inclusive."""
    if kind == "year":
        return [datetime.date(year, 1, 1) for year in range(first.year, last.year + 1)]
    if kind == "month":
        months = []
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            months.append(datetime.date(year, month, 1))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def date_bounds(queryset, field_name):
    """
    The earliest and latest ``field_name`` in ``queryset``, as two index walks (ORDER BY ...
    LIMIT 1). One ``SELECT MIN(x), MAX(x)`` would be a single query, but SQLite answers it
    with a scan of the whole index (150 ms at a million rows) instead of two lookups.
    """
    values = queryset.values_list(field_name, flat=True)
    return {
        "first": values.order_by(field_name).first(),
        "last": values.order_by(f"-{field_name}").first(),
    }


def _following(start, kind):
    """The first day of the year, month or day after the one starting on ``start`` (a date)."""
    if kind == "year":
        return start.replace(year=start.year + 1, month=1, day=1)
    if kind == "month":
        return (start.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return start + datetime.timedelta(days=1)


def _between(queryset, field_name, start, end):
    """``queryset`` narrowed to the local dates [start, end), as the changelist's date lookups do."""
    start, end = datetime.datetime.combine(start, datetime.time()), datetime.datetime.combine(end, datetime.time())
    if settings.USE_TZ:
        start, end = timezone.make_aware(start), timezone.make_aware(end)
    return queryset.filter(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def _in_chosen_dates(queryset, field_name, year, month):
    """``queryset`` narrowed to the chosen year (and month) as a range, as the changelist does."""
    if not year:
        return queryset
    try:
        start = datetime.date(int(year), int(month or 1), 1)
    except ValueError:
        return queryset.none()
    return _between(queryset, field_name, start, _following(start, "month" if month else "year"))


def periods_with_rows(queryset, field_name, first, last, kind):
    """
    The years, months (as dates) or days from ``first`` to ``last`` (local dates) in which
    ``queryset`` has rows: one query, of one EXISTS (an index seek) per period. Asked even when
    the answer is known (one or two periods), so a list costs the same queries whatever its dates.
    Pass the queryset without the chosen year's (month's) range: SQLite seeks by one range per
    EXISTS, and with two it may seek by the wider one and walk it (300 ms at a million rows).
    """
    periods = periods_between(first, last, kind)
    checks = {
        f"p{i}": Exists(_between(queryset, field_name, start, _following(start, kind)).order_by())
        for i, start in enumerate(periods)
    }
    # Any one row carries the EXISTS columns: the table has rows, the bounds were read from it.
    found = queryset.model._base_manager.order_by().annotate(**checks).values(*checks)[0]
    return [start for i, start in enumerate(periods) if found[f"p{i}"]]


def _local_date(value):
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    return value


def range_date_hierarchy(cl):
    """The date hierarchy context for changelist ``cl``, from the MIN and MAX of its date."""
    if not cl.date_hierarchy:
        return {"show": False}
    field_name = cl.date_hierarchy
    field = cl.model._meta.get_field(field_name)
    fields = {kind: f"{field_name}__{kind}" for kind in ("year", "month", "day")}
    year, month, day = (cl.params.get(fields[kind]) for kind in ("year", "month", "day"))

    def link(filters):
        return cl.get_query_string(filters, [f"{field_name}__"])

    base = {"show": True, "field_name": field.verbose_name}
    if year and month and day:
        date = datetime.date(int(year), int(month), int(day))
        return {
            **base,
            "back": {
                "link": link({fields["year"]: year, fields["month"]: month}),
                "title": capfirst(formats.date_format(date, "YEAR_MONTH_FORMAT")),
            },
            "choices": [{"title": capfirst(formats.date_format(date, "MONTH_DAY_FORMAT"))}],
        }
    chosen = _in_chosen_dates(cl.root_queryset, field_name, year, month)
    bounds = date_bounds(chosen, field_name)
    if not (bounds["first"] and bounds["last"]):
        return {**base, "choices": [], "back": {"link": link({}), "title": "All dates"} if year else None}
    first, last = _local_date(bounds["first"]), _local_date(bounds["last"])
    if not year and first.year == last.year:  # one year only: start a level down, as Django does
        year = first.year
        if first.month == last.month:
            month = first.month
    if year and month:
        return {
            **base,
            "back": {"link": link({fields["year"]: year}), "title": str(year)},
            "choices": [
                {
                    "link": link({fields["year"]: year, fields["month"]: month, fields["day"]: d.day}),
                    "title": capfirst(formats.date_format(d, "MONTH_DAY_FORMAT")),
                }
                for d in periods_with_rows(cl.root_queryset, field_name, first, last, "day")
            ],
        }
    if year:
        return {
            **base,
            "back": {"link": link({}), "title": "All dates"},
            "choices": [
                {
                    "link": link({fields["year"]: year, fields["month"]: m.month}),
                    "title": capfirst(formats.date_format(m, "YEAR_MONTH_FORMAT")),
                }
                for m in periods_with_rows(cl.root_queryset, field_name, first, last, "month")
            ],
        }
    return {
        **base,
        "choices": [
            {"link": link({fields["year"]: str(y.year)}), "title": str(y.year)}
            for y in periods_with_rows(cl.root_queryset, field_name, first, last, "year")
        ],
    }


@register.tag(name="range_date_hierarchy")
def range_date_hierarchy_tag(parser, token):
    return InclusionAdminNode(
        "range_date_hierarchy",
        parser,
        token,
        func=range_date_hierarchy,
        template_name="date_hierarchy.html",
        takes_context=False,
    )
