"""Problems that lead somewhere: each one about a recorded file gets its filename, delivery and group."""

import dataclasses

from ..models import FileMeta

__all__ = ["name_problems"]

BATCH = 900  # ids per query: below SQLite's limit on parameters


def name_problems(problems):
    """
    ``problems`` with the filename, delivery and group of each one's FileMeta filled in (one query
    per 900 files); problems about no file, or about a row deleted since, are returned as they were.
    """
    ids = sorted({p.filemeta for p in problems if p.filemeta is not None})
    names = {}
    for i in range(0, len(ids), BATCH):
        rows = FileMeta.objects.filter(pk__in=ids[i : i + BATCH]).select_related(
            "delivery__assignment_group__assignment__period__subject"
        )
        for filemeta in rows.only(
            "filename",
            "delivery__number",
            "delivery__assignment_group__name",
            "delivery__assignment_group__assignment__short_name",
            "delivery__assignment_group__assignment__period__short_name",
            "delivery__assignment_group__assignment__period__subject__short_name",
        ):
            delivery = filemeta.delivery
            group = delivery.assignment_group
            names[filemeta.pk] = {
                "filename": filemeta.filename,
                "delivery": delivery.pk,
                "delivery_label": f"delivery #{delivery.number}",
                "group": group.pk,
                "group_label": str(group),
            }
    return [dataclasses.replace(p, **names[p.filemeta]) if p.filemeta in names else p for p in problems]
