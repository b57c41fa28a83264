"""
Value generators: plain functions ``gen_x(field, factory) -> value``.

Every generator draws ``n = factory.sequence(field)`` (1, 2, 3... per model and field; a seeded
random number in a seeded factory) and maps it into the field's domain, so consecutive rows get
distinct values for as long as the domain allows, and the values wrap around after that. Bounds
come from the column type, the field's validators and the model's CheckConstraints
(``factory.limits(field)``); strings are checked against the field's validators and the first
candidate shape that passes is used (``factory.first_valid``).
"""

import datetime
import ipaddress
import math
import os
import re
import struct
import uuid
import zlib
from decimal import Decimal
from itertools import chain

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.validators import MaxLengthValidator, MinLengthValidator, RegexValidator

from .exceptions import NoValidValueError, UniqueExhaustedError, field_label
from .regex import nth_match

# Column ranges by Django's internal type (the same on every backend Django supports).
INTEGER_RANGES = {
    "SmallIntegerField": (-32768, 32767),
    "IntegerField": (-2147483648, 2147483647),
    "BigIntegerField": (-9223372036854775808, 9223372036854775807),
    "PositiveSmallIntegerField": (0, 32767),
    "PositiveIntegerField": (0, 2147483647),
    "PositiveBigIntegerField": (0, 9223372036854775807),
}
BASE_DATE = datetime.date(2000, 1, 1)
DATE_RANGE = (
    datetime.date.min.toordinal() - BASE_DATE.toordinal(),
    datetime.date.max.toordinal() - BASE_DATE.toordinal() - 1,
)
ONE_DAY = datetime.timedelta(days=1)
DOCUMENTATION_IPV6 = int(ipaddress.IPv6Address("2001:db8::"))  # RFC 3849


# --- helpers ----------------------------------------------------------------------------------


def ranged(field, factory, low, high, first):
    """The next value of ``field`` in low..high; a unique field that has used them all raises."""
    n = factory.sequence(field)
    if low > high:  # the limits exclude every value: prepare* takes the lower one
        lower, _strict, upper, _strict = factory.limits(field)
        return factory.cannot(NoValidValueError(field, f"no value between {lower!r} and {upper!r}"), low)
    if n > high - low + 1 and factory.counts_per_field and factory.is_unique(field) and not factory.lenient:
        raise UniqueExhaustedError(
            f"{field_label(field)} is unique and all {high - low + 1} values its column, validators "
            f"and constraints allow are used; pass {field.name}=... or widen the range.",
            field,
        )
    return cycle(n, low, high, first)


def cycle(n, low, high, first):
    """The n-th (n >= 1) of the integers low..high, starting at ``first`` and wrapping around."""
    if first < low:
        first = low
    elif first > high:
        first = high
    return low + (first - low + n - 1) % (high - low + 1)


def ordinal_range(field, factory, low, high, to_ordinal):
    """
    Narrow the column range [low, high] (ordinals) by the field's limits.

    ``to_ordinal(value)`` converts a limit to a real-valued ordinal; strict limits exclude it.
    Limits that exclude every value give low > high (``ranged`` reports it).
    """
    lower, lower_strict, upper, upper_strict = factory.limits(field)
    if lower is not None:
        x = to_ordinal(lower)
        low = max(low, math.floor(x) + 1 if lower_strict else math.ceil(x))
    if upper is not None:
        x = to_ordinal(upper)
        high = min(high, math.ceil(x) - 1 if upper_strict else math.floor(x))
    return low, high


def length_limits(field, factory=None):
    """(minimum, maximum) string length from max_length and Min/MaxLengthValidators."""
    low, high = 0, field.max_length
    for validator in field.validators:
        if isinstance(validator, MinLengthValidator):
            low = max(low, _limit(validator))
        elif isinstance(validator, MaxLengthValidator):
            high = _limit(validator) if high is None else min(high, _limit(validator))
    return low, high


def _limit(validator):
    value = validator.limit_value
    return value() if callable(value) else value


def fit(value, low, high, pad="x"):
    """Pad on the left up to ``low`` and keep the tail down to ``high`` (the counter survives)."""
    if high is not None and len(value) > high:
        value = value[-high:] if high else ""
    if len(value) < low:
        value = pad * (low - len(value)) + value
    return value


def letters(n, alphabet="abcdefghijklmnopqrstuvwxyz"):
    """Bijective base-26: 1 -> a, 26 -> z, 27 -> aa."""
    out = []
    while n > 0:
        n, rest = divmod(n - 1, len(alphabet))
        out.append(alphabet[rest])
    return "".join(reversed(out))


def string_candidates(stem, n, low, high):
    """Shapes tried in order until one passes the field's validators (lazily: usually the first)."""
    yield fit(f"{stem}-{n}", low, high)
    word = re.sub(r"[^A-Za-z]", "", stem) or "s"
    yield fit(f"{stem}{n}", low, high)
    yield fit(str(n), low, high, pad="0")
    yield fit(letters(n), low, high, pad="z")
    yield fit(letters(n).upper(), low, high, pad="Z")
    yield fit(f"{word}{letters(n)}", low, high, pad="z")
    yield fit(f"{word.lower()}_{n}", low, high, pad="x")


# --- generators ---------------------------------------------------------------------------------


def gen_boolean(field, factory):
    return factory.pick(field, (False, True))


def gen_integer(field, factory):
    low, high = factory.memo(field, integer_range)
    return ranged(field, factory, low, high, 1)


def integer_range(field, factory):
    low, high = INTEGER_RANGES.get(field.get_internal_type(), INTEGER_RANGES["BigIntegerField"])
    return ordinal_range(field, factory, low, high, lambda value: value)


def gen_float(field, factory):
    # Halves: 1.5, 2.0, 2.5... exact in binary, so they round-trip through every database.
    low, high = factory.memo(field, float_range)
    return ranged(field, factory, low, high, 3) / 2


def float_range(field, factory):
    return ordinal_range(field, factory, -(2**52), 2**52, lambda value: value * 2)


def gen_decimal(field, factory):
    low, high, first, places = factory.memo(field, decimal_range)
    # 1.00, 1.01, 1.02...: readable, and distinct over the whole column.
    return Decimal(ranged(field, factory, low, high, first)).scaleb(-places)


def decimal_range(field, factory):
    places = field.decimal_places or 0
    unit = 10**places
    top = 10 ** (field.max_digits or 28) - 1
    low, high = ordinal_range(field, factory, -top, top, lambda value: Decimal(value) * unit)
    return low, high, unit if top >= unit else 1, places


def gen_string(field, factory):
    low, high = factory.memo(field, length_limits)
    n = factory.sequence(field)
    if not factory.needs_check(field):  # only length validators: the first shape fits by construction
        return fit(f"{field.name}-{n}", low, high)
    return factory.first_valid(field, chain(string_candidates(field.name, n, low, high), regex_candidates(field, n)))


def regex_candidates(field, n):
    """For each RegexValidator that must match, the n-th string its pattern matches."""
    for validator in field.validators:
        if isinstance(validator, RegexValidator) and not validator.inverse_match:
            candidate = nth_match(validator.regex, n)
            if candidate is not None:
                yield candidate


def gen_email(field, factory):
    low, high = factory.memo(field, length_limits)
    n = factory.sequence(field)
    domain = "@example.com"
    local = fit(f"{field.name}-{n}", 0, None if high is None else max(high - len(domain), 1))
    # Short columns: the counter in base 36 before the shortest valid domain, "x.io": distinct
    # and valid down to 6 characters (36 values; 1,296 at 7, 46,656 at 8).
    short = base36(n if high is None else n % 36 ** max(high - 5, 1))
    candidates = [fit(local + domain, low, high), fit(f"{short}@x.io", low, high, pad="a")]
    return factory.first_valid(field, candidates)


def gen_url(field, factory):
    low, high = factory.memo(field, length_limits)
    n = factory.sequence(field)
    prefix = "https://example.com/"
    candidates = []
    if high is None or len(prefix) + len(f"{field.name}-{n}") <= high:
        candidates.append(f"{prefix}{field.name}-{n}".ljust(low, "x"))
    # Short columns: the counter in base 36 as the host name keeps the URL valid and distinct
    # down to 11 characters (36 values; 1,296 at 12), or in the path where a minimum length asks for more.
    host = base36(n if high is None else n % 36 ** max(high - 10, 1))
    candidates.append(f"http://{host}.io")
    candidates.append(f"http://x.io/{base36(n)}".ljust(low, "x"))
    return factory.first_valid(field, candidates)


def base36(n):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, rest = divmod(n, 36)
        out = digits[rest] + out
        if not n:
            return out


def gen_date(field, factory):
    low, high = factory.memo(field, date_range)
    return BASE_DATE + datetime.timedelta(days=ranged(field, factory, low, high, 1))


def date_range(field, factory):
    return ordinal_range(field, factory, *DATE_RANGE, lambda value: (value - BASE_DATE).days)


def base_datetime():
    """2000-01-01 00:00, aware (UTC) under USE_TZ."""
    return datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC if settings.USE_TZ else None)


def gen_datetime(field, factory):
    base = base_datetime()
    low, high = factory.memo(field, datetime_range)
    return base + datetime.timedelta(days=ranged(field, factory, low, high, 1))


def datetime_range(field, factory):
    base = base_datetime()
    return ordinal_range(field, factory, *DATE_RANGE, lambda value: (_aware_like(value, base) - base) / ONE_DAY)


def _aware_like(value, base):
    if isinstance(value, datetime.datetime):
        if base.tzinfo is not None and value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value
    return datetime.datetime.combine(value, datetime.time(), tzinfo=base.tzinfo)


def gen_time(field, factory):
    return time_of(factory.sequence(field))


def time_of(n):
    """00:01, 00:02... whole minutes first, then seconds once a day's minutes are used up."""
    seconds = (n % 1440) * 60 + (n // 1440) % 60
    return datetime.time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def gen_duration(field, factory):
    return datetime.timedelta(minutes=factory.sequence(field))


def gen_uuid(field, factory):
    if factory.random is not None and not factory.is_unique(field):
        return uuid.UUID(int=factory.random.getrandbits(128), version=4)
    return uuid.UUID(int=factory.sequence(field))


def gen_json(field, factory):
    return {field.name: factory.sequence(field)}


def gen_binary(field, factory):
    low, high = factory.memo(field, length_limits)
    return fit(f"{field.name}-{factory.sequence(field)}", low, high).encode()


def gen_ip_address(field, factory):
    n = factory.sequence(field)
    if field.protocol.lower() == "ipv6":
        return str(ipaddress.IPv6Address(DOCUMENTATION_IPV6 | (n & 0xFFFFFFFF)))
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def gen_file(field, factory):
    """A named text file; the field's storage saves it when the instance is saved."""
    name = f"{field.name}-{factory.sequence(field)}.txt"
    return ContentFile(f"{name}\n".encode(), name=name)


def gen_image(field, factory):
    """A named, valid 1x1 PNG (built without Pillow)."""
    name = f"{field.name}-{factory.sequence(field)}.png"
    return ContentFile(tiny_png(), name=name)


def tiny_png():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\x20\x80\xc0")  # filter byte + one pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def gen_file_path(field, factory):
    """A real path under ``field.path`` that matches ``match``, ``recursive`` and allow_files/folders."""
    choices = file_path_choices(field)
    if not choices:
        best = os.path.join(
            field.path() if callable(field.path) else field.path, f"{field.name}-{factory.sequence(field)}"
        )
        return factory.cannot(NoValidValueError(field, f"no entry under {field.path!r} matches"), best)
    return choices[(factory.sequence(field) - 1) % len(choices)]


def file_path_choices(field):
    root = field.path() if callable(field.path) else field.path
    pattern = re.compile(field.match) if field.match else None
    found = []
    if field.recursive:
        for directory, dirs, files in sorted(os.walk(root)):
            # As Django's form field does: bytecode caches come and go, so they are never choices.
            if "__pycache__" in dirs:
                dirs.remove("__pycache__")
            dirs.sort()
            entries = (files if field.allow_files else []) + (dirs if field.allow_folders else [])
            found.extend(os.path.join(directory, name) for name in sorted(entries) if _matches(pattern, name))
    elif os.path.isdir(root):
        for entry in sorted(os.scandir(root), key=lambda entry: entry.name):
            if entry.name == "__pycache__":
                continue
            wanted = (field.allow_files and entry.is_file()) or (field.allow_folders and entry.is_dir())
            if wanted and _matches(pattern, entry.name):
                found.append(entry.path)
    return found


def _matches(pattern, name):
    return pattern is None or pattern.search(name) is not None
