"""
What the admin writes into objects' histories (Django's LogEntry, shown by each page's
"History"): the outcome of every verification, and the old and new value of every deadline.

Django logs a change form's save as "Changed deadline."; for a deadline the history must say
what it was and what it became, since that decides which deliveries are late.
"""

import json
from collections import Counter, defaultdict

from django.contrib.admin.models import CHANGE, LogEntry
from django.utils import timezone

from ..models import Delivery

__all__ = ["VerificationHistory", "deadline_change_message"]


class VerificationHistory:
    """
    Records each verified file's outcome in its history and, with ``per_delivery``, a summary
    in each delivery's history. Entries are written in batches of ``batch`` (bulk inserts), so
    verifying a whole list costs memory for one batch, not for every file.
    """

    def __init__(self, user, *, per_delivery=False, batch=500):
        self.user_id, self.per_delivery, self.batch = user.pk, per_delivery, batch
        self._pending = defaultdict(list)  # message -> FileMetas
        self._pending_count = 0
        self._deliveries = defaultdict(list)  # delivery id -> statuses

    def add(self, filemeta, status, message):
        """One file verified: ``status`` is its new status, ``message`` the words the user reads."""
        self._pending[message].append(filemeta)
        self._pending_count += 1
        if self.per_delivery:
            self._deliveries[filemeta.delivery_id].append(status)
        if self._pending_count >= self.batch:
            self._write_files()

    def _write_files(self):
        for message, filemetas in self._pending.items():
            LogEntry.objects.log_actions(self.user_id, filemetas, CHANGE, change_message=message)
        self._pending.clear()
        self._pending_count = 0

    def close(self, describe_outcome):
        """Write what is pending; each delivery's summary is ``describe_outcome(Counter of statuses)``."""
        self._write_files()
        if not self._deliveries:
            return
        deliveries = Delivery.objects.filter(pk__in=self._deliveries).select_related(
            "assignment_group__assignment__period__subject"
        )
        by_message = defaultdict(list)
        for delivery in deliveries:
            statuses = self._deliveries[delivery.pk]
            count = len(statuses)
            text = f"Verified its {count} file{'s' if count != 1 else ''}: {describe_outcome(Counter(statuses))}."
            by_message[text].append(delivery)
        for message, group in by_message.items():
            LogEntry.objects.log_actions(self.user_id, group, CHANGE, change_message=message)
        self._deliveries.clear()


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
