"""
Everything handed in for one assignment as one zip, streamed, for grading offline.

The archive holds a folder per group whose files the viewer may see (``deliveries.access``, by
the rule for files: every group with the global view permission on files, else the groups the
viewer examines), named by the group and its students as the viewer may see them (on an
anonymous assignment, for a viewer who does not see names, by candidate ids), and a manifest::

    inf1000.h2026.oblig1/
        group #3 - Amira Khan (amira.khan), Bo Li (bo.li)/     the last successful delivery's files
        group #3 - .../delivery 2/                              with every=True: one folder a delivery
        manifest.csv

``manifest.csv`` has a row per file (group, students, delivery number, time, late by, filename,
size, SHA-256, what became of it, its path in the zip) and one per group with nothing delivered.
A file whose bytes are missing or unreadable is listed with that status and left out; a file
whose bytes differ from the recorded size and SHA-256 is listed as corrupt. Only successful
(finished) deliveries count.

Memory stays bounded whatever the size: groups are read once (a row each), deliveries in batches
from a cursor, bytes chunk by chunk from the store (``zipstream.iter_zip``), and the manifest's
rows go to a temporary file (in memory up to 1 MiB, then on disk) until it is written, last.
"""

import csv
import io
import tempfile

from django.db.models import Count, OuterRef, Prefetch, Subquery, Sum
from django.utils import timezone

from .. import access
from ..lateness import humanize_duration
from ..models import AssignmentGroup, Candidate, Delivery, FileMeta
from .zipstream import GeneratedMember, Outcome, UniqueNames, ZipMember, iter_zip, sanitize_member_name

__all__ = ["CHOICES", "MANIFEST_HEADER", "MANIFEST_NAME", "AssignmentZip"]

#: ``?deliveries=`` values: each group's last successful delivery, or every successful one.
CHOICES = {"last": "the last delivery of each group", "all": "every delivery of each group"}
MANIFEST_NAME = "manifest.csv"
MANIFEST_HEADER = [
    "group",
    "students",
    "delivery",
    "delivered at",
    "late by",
    "filename",
    "size",
    "SHA-256",
    "status",
    "path in zip",
]
STATUS_TEXT = {
    Outcome.INCLUDED: "included",
    Outcome.MISSING: "missing: the store has no bytes for it; left out",
    Outcome.UNREADABLE: "unreadable: the store could not be read; left out",
    Outcome.INCOMPLETE: "unreadable part way: cut short in the zip",
    Outcome.CORRUPT: "corrupt: its size or SHA-256 differs from the recorded one; included as stored",
}
NOTHING_DELIVERED = "nothing delivered"
NO_FILES = "delivery without files"
_IN_ZIP = {Outcome.INCLUDED, Outcome.INCOMPLETE, Outcome.CORRUPT}
_BATCH = 100  # deliveries read (with their files) per database round trip


def _cell(value):
    """A manifest cell that a spreadsheet will show as text, never run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Manifest:
    """manifest.csv, written row by row to a spooled temporary file and read back in chunks."""

    def __init__(self):
        self._file = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
        # UTF-8 with a byte order mark, so spreadsheets read names in any script right.
        self._text = io.TextIOWrapper(self._file, encoding="utf-8-sig", newline="", write_through=True)
        self._writer = csv.writer(self._text)
        self._writer.writerow(MANIFEST_HEADER)

    def row(self, *cells):
        self._writer.writerow([_cell(cell) for cell in cells])

    def chunks(self, size=64 * 1024):
        self._text.flush()
        self._file.seek(0)
        while data := self._file.read(size):
            yield data

    def close(self):
        self._text.close()  # closes the spooled file too (and removes it from disk)


class AssignmentZip:
    """The zip of ``assignment`` as ``viewer`` may see it: each group's last delivery, or ``every`` delivery."""

    def __init__(self, viewer, assignment, *, every=False, store=None):
        self.viewer = viewer
        self.assignment = assignment
        self.every = every
        self.store = store or FileMeta.deliverystore
        self.top = sanitize_member_name(str(assignment), "assignment")

    @property
    def filename(self):
        return f"{self.top}-{'all' if self.every else 'last'}-deliveries.zip"

    def groups(self):
        """The assignment's groups whose files the viewer may see, in the zip's order."""
        groups = AssignmentGroup.objects.filter(assignment=self.assignment)
        return access.visible(self.viewer, groups, models=[FileMeta]).order_by("name", "pk")

    def deliveries(self, every=None):
        """The successful deliveries that go in the zip: every one, or each group's last."""
        every = self.every if every is None else every
        deliveries = Delivery.objects.filter(assignment_group__in=self.groups().values("pk"), successful=True)
        if not every:
            last = Delivery.objects.filter(assignment_group=OuterRef("assignment_group"), successful=True)
            deliveries = deliveries.filter(pk=Subquery(last.order_by("-number").values("pk")[:1]))
        return deliveries

    def summary(self):
        """What each choice would download: {"groups", "delivered", "last": {files, size}, "all": {files, size}}."""
        groups = self.groups()
        totals = {}
        for key, every in (("last", False), ("all", True)):
            files = FileMeta.objects.filter(delivery__in=self.deliveries(every).values("pk"))
            totals[key] = files.aggregate(files=Count("pk"), size=Sum("size"))
        delivered = groups.filter(pk__in=self.deliveries(True).values("assignment_group_id")).count()
        return {"groups": groups.count(), "delivered": delivered, **totals}

    def stream(self):
        """The archive's bytes, as an iterator (for a StreamingHttpResponse)."""
        members = self._members()
        try:
            yield from iter_zip(members, self.store, skip_unreadable=True, verify=True)
        finally:
            members.close()  # also when the download is abandoned: the manifest's file goes at once

    # ---- building the members ---------------------------------------------------------------------

    def _groups_with_deliveries(self):
        """Yield (group, its deliveries in the zip) for every visible group, in order."""
        candidates = Candidate.objects.select_related("user").order_by("pk")
        groups = list(self.groups().prefetch_related(Prefetch("candidate_set", queryset=candidates)))
        files = FileMeta.objects.order_by("filename", "pk")
        deliveries = (
            self.deliveries()
            .with_lateness()
            .order_by("assignment_group__name", "assignment_group_id", "number")
            .prefetch_related(Prefetch("filemetas", queryset=files))
            .iterator(chunk_size=_BATCH)
        )
        pending = next(deliveries, None)
        for group in groups:  # both in the order (name, pk): each group's deliveries come together
            mine = []
            while pending is not None and pending.assignment_group_id == group.pk:
                pending.assignment_group = group
                mine.append(pending)
                pending = next(deliveries, None)
            yield group, mine

    def _members(self):
        manifest = _Manifest()
        folders = UniqueNames(reserved=[MANIFEST_NAME])
        try:
            for group, deliveries in self._groups_with_deliveries():
                students = [
                    access.student_label(self.viewer, candidate, self.assignment)
                    for candidate in group.candidate_set.all()
                ]
                label = f"{group.label} - {', '.join(students)}" if students else group.label
                folder = f"{self.top}/{folders.take(sanitize_member_name(label, 'group'))}"
                described = [group.label, "; ".join(students)]
                if not deliveries:
                    manifest.row(*described, "", "", "", "", "", "", NOTHING_DELIVERED, "")
                for delivery in deliveries:
                    late_by = delivery.late_by
                    about = [
                        *described,
                        delivery.number,
                        timezone.localtime(delivery.time_of_delivery).isoformat(sep=" ", timespec="seconds"),
                        humanize_duration(late_by) if late_by else "",
                    ]
                    where = f"{folder}/delivery {delivery.number}" if self.every else folder
                    names = UniqueNames()
                    filemetas = delivery.filemetas.all()
                    if not filemetas:
                        manifest.row(*about, "", "", "", NO_FILES, "")
                    for filemeta in filemetas:
                        member = ZipMember(filemeta, f"{where}/{names.take(sanitize_member_name(filemeta.filename))}")
                        yield member  # iter_zip writes it, and sets its outcome, before asking for the next
                        manifest.row(
                            *about,
                            filemeta.filename,
                            filemeta.size,
                            filemeta.checksum,
                            STATUS_TEXT[member.outcome],
                            member.arcname if member.outcome in _IN_ZIP else "",
                        )
            yield GeneratedMember(f"{self.top}/{MANIFEST_NAME}", manifest.chunks, "text/csv")
        finally:
            manifest.close()
