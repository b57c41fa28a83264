"""
Parsing what an operator types: counts, durations, dates, ``key=value`` options and the store a
command line names. Every parser checks its bounds before any work starts and raises ValueError
with one line that names the flag and what it accepts (the commands exit 2 with it).
"""

import json
import re
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ..stores import InvalidStoreError, load_deliverystore_backend

__all__ = [
    "MAX_DURATION_DAYS",
    "MAX_JOBS",
    "MAX_SEED",
    "MAX_SEED_COUNT",
    "bounded_count",
    "parse_duration",
    "parse_jobs",
    "parse_key_values",
    "parse_since",
    "store_from_arguments",
]

#: The most files a command reads, hashes or copies at once: each job is a thread with its own
#: read buffer and, for a database store, its own connection. More than the disks and the
#: database can serve in parallel only costs memory (100,000 jobs took 23.6 GB).
MAX_JOBS = 64
#: The most rows ``seedfactory app.Model --count`` makes in one run (they are made in memory first).
MAX_SEED_COUNT = 1_000_000
#: Random seeds: any whole number a 64-bit column could record.
MAX_SEED = 2**63 - 1
#: The longest duration a flag takes: ten years, far inside what a datetime can subtract.
MAX_DURATION_DAYS = 3650

_DURATION_RE = re.compile(r"\A(\d+)([smhd]?)\Z")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def bounded_count(value, flag, low, high):
    """``value`` (an int or its digits) as an int from ``low`` to ``high``; ValueError naming ``flag`` otherwise."""
    text = str(value).strip()
    digits = text.removeprefix("-")
    # The length first: int() of a 5,000-digit string is refused by Python itself, with a traceback.
    if not (digits.isascii() and digits.isdigit() and len(digits) <= len(str(high))) or not low <= int(text) <= high:
        shown = text if len(text) <= 24 else f"{text[:20]}..."
        raise ValueError(f"{flag} must be a whole number from {low:,} to {high:,}, not {shown}")
    return int(text)


def parse_jobs(value, flag="--jobs"):
    """The number of files worked on at once: 1 to MAX_JOBS."""
    return bounded_count(value, flag, 1, MAX_JOBS)


def parse_duration(text, flag="--min-age"):
    """``90``, ``90s``, ``30m``, ``1h`` or ``2d`` (at most MAX_DURATION_DAYS days) -> timedelta; ValueError otherwise."""
    match = _DURATION_RE.match(text.strip())
    if not match:
        shown = text if len(text) <= 24 else f"{text[:20]}..."
        raise ValueError(f"{flag} {shown!r} is not a duration: use seconds or a number with s, m, h or d (e.g. 1h)")
    # The length first: no int() of thousands of digits, and anything past 12 is too long anyway.
    if len(match[1]) > 12 or int(match[1]) * _UNITS[match[2]] > MAX_DURATION_DAYS * 86400:
        shown = text.strip() if len(text.strip()) <= 24 else f"{text.strip()[:20]}..."
        raise ValueError(f"{flag} {shown} is too long: at most {MAX_DURATION_DAYS}d")
    seconds = int(match[1]) * _UNITS[match[2]]
    return timedelta(seconds=seconds)


def parse_since(text):
    """An ISO date (midnight, current time zone) or date-time -> aware datetime; ValueError otherwise."""
    value = parse_datetime(text)
    if value is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(f"{text!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM]")
        value = datetime.combine(day, time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def parse_key_values(pairs, what="option", typed=True):
    """
    ``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}``. With ``typed``, a value that reads as JSON
    (numbers, true, false, null, quoted strings) is taken as such, anything else as a string;
    without, every value stays the string typed.
    """
    result = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"{what} {pair!r} must look like key=value")
        try:
            value = json.loads(raw) if typed else raw
        except ValueError:
            value = raw
        result[key] = value
    return result


def store_from_arguments(backend, pairs, *, flag="--backend", option_flag="--option"):
    """
    The store a command line names: ``backend`` (the value of ``flag``, a dotted path) built with
    the ``key=value`` ``pairs`` of ``option_flag``. A backend that does not import, an option it
    does not take or a value it refuses is the typist's mistake, not the store's outage: ValueError
    naming the flag (and, for a backend, the stores there are).
    """
    options = parse_key_values(pairs, option_flag)
    try:
        return load_deliverystore_backend(backend, chosen_by=flag, **options)
    except InvalidStoreError as e:
        message = str(e)
        if not message.startswith(flag):
            message = f"{option_flag}: {message}" if options else f"{flag} {backend}: {message}"
        raise ValueError(message) from e
