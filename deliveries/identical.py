"""
Identical files: other groups' deliveries that hold exactly the same bytes as a file (the same
SHA-256 and size). Answered from the SHA-256 index (FileMeta.checksum; a checksum names few rows,
so no composite index is needed, and one on (checksum, size) would cover the deep check's scan of
the rows and turn its pk order into checksum order), in a fixed number of queries however many
files there are, and only from what the viewer may see (``deliveries.access``).
"""

from dataclasses import dataclass

from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Value, When

from . import access
from .models import Candidate, FileMeta

__all__ = ["MAX_SHOWN", "Match", "also_handed_in_elsewhere", "same_bytes"]

MAX_SHOWN = 20  # matches listed on a file's page; more are found by searching the SHA-256


@dataclass(frozen=True)
class Match:
    """One other group's file with the same bytes, as ``viewer`` may see it."""

    filemeta: FileMeta
    same_assignment: bool
    students: list  # access.student_label of each candidate: names, or candidate ids on anonymous assignments

    @property
    def delivery(self):
        return self.filemeta.delivery

    @property
    def group(self):
        return self.filemeta.delivery.assignment_group


def same_bytes(viewer, filemeta, limit=MAX_SHOWN):
    """
    Up to ``limit`` files of other groups that ``viewer`` may see holding the same bytes as
    ``filemeta``, as Matches: the same assignment's first, then the newest first. Returns
    (matches, more), ``more`` telling whether there are others beyond ``limit``. Two queries.
    """
    group = filemeta.delivery.assignment_group
    candidates = (
        access.visible(viewer, FileMeta.objects.filter(checksum=filemeta.checksum, size=filemeta.size))
        .exclude(delivery__assignment_group_id=group.pk)
        .annotate(
            other_assignment=Case(
                When(delivery__assignment_group__assignment_id=group.assignment_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .select_related("delivery__assignment_group__assignment__period__subject")
        .prefetch_related(
            Prefetch("delivery__assignment_group__candidate_set", queryset=Candidate.objects.select_related("user"))
        )
        .order_by("other_assignment", "-created", "-pk")
    )
    found = list(candidates[: limit + 1])
    matches = [
        Match(
            f,
            f.other_assignment == 0,
            [
                access.student_label(viewer, candidate, f.delivery.assignment_group.assignment)
                for candidate in f.delivery.assignment_group.candidate_set.all()
            ],
        )
        for f in found[:limit]
    ]
    return matches, len(found) > limit


def also_handed_in_elsewhere(viewer, queryset):
    """
    ``queryset`` (FileMetas) narrowed to the files whose bytes a group other than their own also
    handed in, in a file ``viewer`` may see: one EXISTS per row, an index lookup on the checksum.
    """
    twins = access.visible(
        viewer,
        FileMeta.objects.filter(checksum=OuterRef("checksum"), size=OuterRef("size")).exclude(
            delivery__assignment_group_id=OuterRef("delivery__assignment_group_id")
        ),
    )
    return queryset.filter(Exists(twins))
