"""
How late a delivery was, in the words a course administrator reads at a glance: "on time",
"late by 1 day 3 h", "no deadline". The rule is that something is late when it came after its
deadline: ``late_by`` here, and ``deliveries.models.lateness_condition`` for the database.
"""

import datetime

__all__ = ["describe", "describe_lateness", "humanize_duration", "late_by"]

# (seconds, singular, plural), largest first.
UNITS = (
    (86400, "day", "days"),
    (3600, "h", "h"),
    (60, "min", "min"),
    (1, "s", "s"),
)


def humanize_duration(duration):
    """
    A positive timedelta as its two largest units, the smaller one left out when it is zero and
    the rest cut off (never rounded up): "1 day 3 h", "2 days", "3 h 20 min", "12 s".
    Under a second: "less than 1 s".
    """
    if duration <= datetime.timedelta(0):
        raise ValueError(f"A duration to describe must be positive, not {duration}.")
    remaining = int(duration.total_seconds())
    if remaining == 0:
        return "less than 1 s"
    amounts = []
    for seconds, singular, plural in UNITS:
        count, remaining = divmod(remaining, seconds)
        amounts.append((count, singular if count == 1 else plural))
    largest = next(i for i, (count, _) in enumerate(amounts) if count)
    return " ".join(f"{count} {unit}" for count, unit in amounts[largest : largest + 2] if count)


def late_by(time, deadline):
    """How long after ``deadline`` ``time`` came (a timedelta); None when on time or there is no deadline."""
    if deadline is None or time <= deadline:
        return None
    return time - deadline


def describe(time, deadline):
    """ "on time", "late by 1 day 3 h" or "no deadline": something handed in at ``time`` against ``deadline``."""
    if deadline is None:
        return "no deadline"
    late = late_by(time, deadline)
    return "on time" if late is None else f"late by {humanize_duration(late)}"


def describe_lateness(delivery):
    """``describe`` for a Delivery, against the deadline it is held to (no query when its group is joined)."""
    return describe(delivery.time_of_delivery, delivery.held_to)
