"""Parsing what an operator types: durations, dates and ``key=value`` options."""

import json
import re
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

__all__ = ["parse_duration", "parse_key_values", "parse_since"]

_DURATION_RE = re.compile(r"\A(\d+)([smhd]?)\Z")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text):
    """``90``, ``90s``, ``30m``, ``1h`` or ``2d`` -> timedelta; ValueError otherwise."""
    match = _DURATION_RE.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration: use seconds or a number with s, m, h or d (e.g. 1h)")
    return timedelta(seconds=int(match[1]) * _UNITS[match[2]])


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
