"""
What the admin writes into objects' histories (Django's LogEntry, shown by each page's
"History"): the old and new value of every deadline. (The outcome of every verification is
``deliveries.verification_history``'s, as a background task writes it too.)

Django logs a change form's save as "Changed deadline."; for a deadline the history must say
what it was and what it became, since that decides which deliveries are late.
"""

import json

from django.contrib.admin.models import LogEntry
from django.utils import timezone

__all__ = ["DeadlineHistoryMixin", "deadline_change_message"]


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
