"""
Compare a delivery with the previous delivery of the same group: which files were added,
removed, changed (by SHA-256) or kept, and a side-by-side diff of the changed text files.

Diffs are bounded in total work: files over ``DIFF_MAX_BYTES`` (or ``DIFF_MAX_LINES``) are
listed as changed without a diff, since difflib's cost grows with the product of the line
counts; the side-by-side table (whose cost grows with the cube of each replaced block) gives way
to a unified diff past ``DIFF_MAX_REPLACE_PAIRS`` summed over the blocks; and every diff of one
comparison runs in the preview's sandbox within one shared PREVIEW_TIME_LIMIT, past which the
rest are summarised (line counts) instead of diffed.
"""

import codecs
import time
from dataclasses import dataclass, field

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..models import Delivery, FileMeta
from ..stores import DeliveryStoreFileNotFound
from . import sandbox, workers
from .previews import TEXT_KINDS, TEXT_LIMIT, preview_kind
from .previews.budgets import limits

__all__ = ["Comparison", "FileChange", "compare_deliveries", "previous_delivery"]

DIFF_MAX_BYTES = 256 * 1024
DIFF_MAX_LINES = 5000
# Lines before x lines after, summed over the replaced blocks, above which the diff is unified,
# not side by side.
DIFF_MAX_REPLACE_PAIRS = 60 * 60
DIFF_CONTEXT_LINES = 3


@dataclass
class FileChange:
    """One filename's fate between two deliveries. ``diff_html`` is escaped HTML (or "")."""

    filename: str
    status: str  # added, removed, changed, unchanged
    old: FileMeta | None = None
    new: FileMeta | None = None
    diff_html: str = ""
    note: str = ""


@dataclass
class Comparison:
    old: Delivery | None
    new: Delivery
    files: list = field(default_factory=list)

    def by_status(self, status):
        return [change for change in self.files if change.status == status]

    @property
    def added(self):
        return self.by_status("added")

    @property
    def removed(self):
        return self.by_status("removed")

    @property
    def changed(self):
        return self.by_status("changed")

    @property
    def unchanged(self):
        return self.by_status("unchanged")


def previous_delivery(delivery):
    """The delivery of the same group with the next lower number, or None."""
    return (
        Delivery.objects.filter(assignment_group_id=delivery.assignment_group_id, number__lt=delivery.number)
        .order_by("-number")
        .first()
    )


def compare_deliveries(old, new, store=None):
    """Compare ``old`` (may be None: everything is added) with ``new``; diff changed text files."""
    store = store or FileMeta.deliverystore
    budget = limits()
    deadline = time.monotonic() + budget.time
    old_files = {fm.filename: fm for fm in old.filemetas.all()} if old else {}
    new_files = {fm.filename: fm for fm in new.filemetas.all()}
    comparison = Comparison(old, new)
    for name in sorted(old_files.keys() | new_files.keys(), key=str.casefold):
        before, after = old_files.get(name), new_files.get(name)
        if before is None:
            change = FileChange(name, "added", new=after)
        elif after is None:
            change = FileChange(name, "removed", old=before)
        elif before.checksum == after.checksum:
            change = FileChange(name, "unchanged", old=before, new=after)
        else:
            change = FileChange(name, "changed", old=before, new=after)
            labels = (f"#{old.number}", f"#{new.number}")
            change.diff_html, change.note = _diff(before, after, store, labels, deadline, budget)
        comparison.files.append(change)
    return comparison


def _read_text(filemeta, store):
    """The file's text for a diff, or None when it is not text."""
    data = b"".join(store.iter_chunks(filemeta, length=DIFF_MAX_BYTES))
    if preview_kind(filemeta, data[:TEXT_LIMIT]) not in TEXT_KINDS:
        return None
    return codecs.decode(data, "utf-8", errors="replace")


def _diff(before, after, store, labels, deadline, budget):
    """Return (escaped diff HTML, note) for two versions of a file, within what is left of the page's budget."""
    if max(before.size, after.size) > DIFF_MAX_BYTES:
        return "", f"Too large to diff here (over {DIFF_MAX_BYTES // 1024} KiB); download both versions to compare."
    try:
        old_text, new_text = _read_text(before, store), _read_text(after, store)
    except DeliveryStoreFileNotFound:
        return "", "The bytes of one version are missing from the store."
    if old_text is None or new_text is None:
        return "", "Binary file: only the checksum differs."
    old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
    if max(len(old_lines), len(new_lines)) > DIFF_MAX_LINES:
        return "", f"Too many lines to diff here (over {DIFF_MAX_LINES:,})."
    summary = f"{len(old_lines):,} lines before, {len(new_lines):,} after; download both versions to compare."
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return "", f"Not diffed: this page's diffs used up the time limit of {budget.time:g} s. {summary}"
    try:
        kind, body = sandbox.run(
            workers.diff,
            old_lines,
            new_lines,
            labels,
            DIFF_MAX_REPLACE_PAIRS,
            DIFF_CONTEXT_LINES,
            limits=sandbox.Limits(remaining, budget.memory),
        )
    except sandbox.SandboxTimeout:
        return "", f"Not diffed: this page's diffs took longer than the time limit of {budget.time:g} s. {summary}"
    except sandbox.SandboxError as e:
        return "", f"Not diffed: the diff {e}. {summary}"
    if kind == "unified":
        return format_html('<pre class="unified-diff">{}</pre>', body), "A large rewrite: shown as a unified diff."
    return mark_safe(body), ""  # HtmlDiff escapes every line itself
