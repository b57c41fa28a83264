"""
The n-th string matching a simple regular expression, for fields with a RegexValidator.

The pattern is parsed with Python's own regex parser into a row of character slots (literals,
classes, categories; repeats at their minimum length, groups inlined, the first alternative of
a branch). ``n`` is written into the slots as a mixed-radix number, least significant slot last,
growing the last open-ended repeat when the slots hold fewer than ``n`` strings: ``[A-Z]{3}[0-9]+``
gives AAA1, AAA2... AAA9, AAB0... Patterns with back-references or lookarounds give None, and the
caller falls back to its other shapes.
"""

import re
import string

try:  # Python 3.11+
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants
    import sre_parse

_CATEGORIES = {
    sre_constants.CATEGORY_DIGIT: string.digits,
    sre_constants.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    sre_constants.CATEGORY_SPACE: " ",
    sre_constants.CATEGORY_NOT_DIGIT: string.ascii_letters,
    sre_constants.CATEGORY_NOT_WORD: "-",
    sre_constants.CATEGORY_NOT_SPACE: string.ascii_letters + string.digits,
}
_ANY = string.ascii_letters + string.digits
_PRINTABLE = string.ascii_letters + string.digits + "-_."
_GROWTH_LIMIT = 64  # characters a repeat may grow to make room for n


class _Unsupported(Exception):
    pass


def nth_match(pattern, n):
    """A string that ``pattern`` fully matches, distinct for each n >= 0; None if unsupported."""
    try:
        slots, growable = [], []
        _walk(sre_parse.parse(pattern if isinstance(pattern, str) else pattern.pattern), slots, growable)
    except (_Unsupported, re.error, TypeError):
        return None
    while growable and _capacity(slots) <= n:
        index, alphabet, room = growable[-1]
        slots.insert(index, alphabet)
        growable[-1] = (index, alphabet, room - 1)
        if room - 1 <= 0:
            growable.pop()
    out = []
    for alphabet in reversed(slots):
        n, digit = divmod(n, len(alphabet))
        out.append(alphabet[digit])
    return "".join(reversed(out))


def _capacity(slots):
    total = 1
    for alphabet in slots:
        total *= len(alphabet)
    return total


def _walk(parsed, slots, growable):
    for op, arg in parsed:
        if op == sre_constants.LITERAL:
            slots.append(chr(arg))
        elif op == sre_constants.NOT_LITERAL:
            slots.append(_PRINTABLE.replace(chr(arg), ""))
        elif op == sre_constants.ANY:
            slots.append(_ANY)
        elif op == sre_constants.IN:
            slots.append(_alphabet(arg))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, high, item = arg
            inner = []
            _walk(item, inner, [])
            for _ in range(low):
                slots.extend(inner)
            if (high is sre_constants.MAXREPEAT or high > low) and len(inner) == 1 and len(inner[0]) > 1:
                room = _GROWTH_LIMIT if high is sre_constants.MAXREPEAT else high - low
                growable.append((len(slots), inner[0], room))
        elif op == sre_constants.SUBPATTERN:
            _walk(arg[-1], slots, growable)
        elif op == sre_constants.BRANCH:
            _walk(arg[1][0], slots, growable)
        elif op == sre_constants.AT:
            continue
        else:
            raise _Unsupported(op)


def _alphabet(items):
    chars, negate = [], False
    for op, arg in items:
        if op == sre_constants.NEGATE:
            negate = True
        elif op == sre_constants.LITERAL:
            chars.append(chr(arg))
        elif op == sre_constants.RANGE:
            chars.extend(chr(code) for code in range(arg[0], min(arg[1], arg[0] + 255) + 1))
        elif op == sre_constants.CATEGORY:
            chars.extend(_CATEGORIES.get(arg, ""))
        else:
            raise _Unsupported(op)
    if negate:
        chars = [char for char in _PRINTABLE if char not in chars]
    alphabet = "".join(dict.fromkeys(chars))
    if not alphabet:
        raise _Unsupported("empty class")
    return alphabet
