"""
The outcome of every verification in the verified objects' histories (Django's LogEntry, shown by
each admin page's "History"), whether the files were verified in a request or by a background
task: ``integrity.verify_many`` writes them through a VerificationHistory.
"""

from collections import defaultdict

from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from .integrity import Outcome, VerificationTally
from .models import Delivery

__all__ = ["VerificationHistory", "verification_message"]


def verification_message(filemeta, result):
    """What a user reads about one verification, and at which message level: on the page and in the history."""
    if result.ok:
        return f"Verified {filemeta.filename}: intact (size and SHA-256 match).", messages.SUCCESS
    if result.outcome == Outcome.UNREADABLE:
        text = (
            f"Could not verify {filemeta.filename}: {result.describe()}. Its recorded status "
            f"({filemeta.get_status_display()}) is unchanged; verify it again later."
        )
        return text, messages.WARNING
    return f"Verified {filemeta.filename}: {result.describe()}.", messages.ERROR


class VerificationHistory:
    """
    Records each verified file's outcome in its history (a read that failed changed nothing and
    is not recorded) and, with ``per_delivery``, a summary in each delivery's history. Entries go
    in with one bulk insert per ``batch`` files (or at each ``write()``), so verifying a whole
    list costs memory for one batch and a query per batch, not per file.
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

    def add(self, filemeta, verification):
        """One file verified: ``verification`` is what was found; its history says it as the user reads it."""
        if verification.status is not None:
            self._pending.append(self._entry(filemeta, verification_message(filemeta, verification)[0]))
        if self.per_delivery:
            self._deliveries[filemeta.delivery_id].add(verification)
        if len(self._pending) >= self.batch:
            self.write()

    def write(self):
        """Write the files' entries pending (``verify_many`` calls it as it records their statuses)."""
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
        self.write()
