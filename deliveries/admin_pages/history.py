"""
What the admin writes into objects' histories (Django's LogEntry, shown by each page's
"History"): the outcome of every verification, and the old and new value of every deadline.

Django logs a change form's save as "Changed deadline."; for a deadline the history must say
what it was and what it became, since that decides which deliveries are late.
"""

import json
from collections import defaultdict

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from ..integrity import VerificationTally
from ..models import Delivery

__all__ = ["DeadlineHistoryMixin", "VerificationHistory", "deadline_change_message"]


class VerificationHistory:
    """
    Records each verified file's outcome in its history (a read that failed changed nothing and
    is not recorded) and, with ``per_delivery``, a summary in each delivery's history. Entries go
    in with one bulk insert per ``batch`` files, so verifying a whole list costs memory for one
    batch and a query per batch, not per file.
    """

    def __init__(self, user, *, per_delivery=False, batch=500):
        self.user_id, self.per_delivery, self.batch = user.pk, per_delivery, batch
        self._pending = []  # LogEntries not yet written
        self._deliveries = defaultdict(VerificationTally)  # delivery id -> its files' outcomes

    def _entry(self, obj, message):
        # What LogEntry.objects.log_actions() makes, one message per object.
        return LogEntry(
            user_id=self.user_id,
            content_type_id=ContentType.objects.get_for_model(obj, for_concrete_model=False).id,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action_flag=CHANGE,
            change_message=message,
        )

    def add(self, filemeta, verification, message):
        """One file verified: ``verification`` is what was found, ``message`` the words the user reads."""
        if verification.status is not None:
            self._pending.append(self._entry(filemeta, message))
        if self.per_delivery:
            self._deliveries[filemeta.delivery_id].add(verification)
        if len(self._pending) >= self.batch:
            self._write()

    def _write(self):
        if self._pending:
            LogEntry.objects.bulk_create(self._pending)
        self._pending = []

    def close(self):
        """Write what is pending, and each delivery's summary ("Verified 4 files: 2 intact, ...")."""
        if self._deliveries:
            deliveries = Delivery.objects.filter(pk__in=self._deliveries).select_related(
                "assignment_group__assignment__period__subject"
            )
            for delivery in deliveries:
                self._pending.append(self._entry(delivery, self._deliveries[delivery.pk].summary()))
            self._deliveries.clear()
        self._write()


def _when(value):
    if value is None:
        return "none"
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M %Z}"


def deadline_change_message(form, message, deadline_fields):
    """
    ``message`` (Django's change message: a string or its JSON list) with, for each changed field
    of ``deadline_fields``, "Deadline: 2026-03-01 12:00 UTC -> 2026-03-03 12:00 UTC." added.
    Returned as plain text, which the history page shows as it is.
    """
    changed = [name for name in deadline_fields if name in form.changed_data]
    if not changed:
        return message
    stored = json.dumps(message) if isinstance(message, list) else message
    text = LogEntry(change_message=stored).get_change_message()
    for name in changed:
        label = form.fields[name].label or name
        text += (
            f" {label[:1].upper()}{label[1:]}: {_when(form.initial.get(name))} -> {_when(form.cleaned_data.get(name))}."
        )
    return text.strip()


class DeadlineHistoryMixin:
    """A ModelAdmin whose change history gives the old and new value of its ``deadline_fields``."""

    deadline_fields = ()

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        return message if add else deadline_change_message(form, message, self.deadline_fields)
