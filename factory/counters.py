"""
Counters for unique values: ``next(key)`` returns 1, 2, 3... independently for every key.

The factory keys its sequences by ``(model label, field name)``, so adding a field to a model does
not shift the values of the others, and a parent model's fields (multi-table inheritance) share
one sequence between the parent and all its children. ``reset()`` starts every sequence again;
``copy()`` gives counters that go on from where these are, independently of them (a test's
counters go on from those of its class's fixtures, so neither's values repeat the other's).
"""

from collections import defaultdict

UNIQUE = "unique"  # the key behind getUniqueInteger() and friends


class Counters:
    """Independent 1-based integer sequences, one per hashable key."""

    def __init__(self):
        self._last = defaultdict(int)

    def next(self, key=UNIQUE):
        last = self._last
        value = last[key] = last[key] + 1
        return value

    def last(self, key=UNIQUE):
        """The value ``next(key)`` returned last (0 before the first)."""
        return self._last.get(key, 0)

    def copy(self):
        """New counters that continue every sequence from here, without advancing these."""
        other = Counters()
        other._last.update(self._last)
        return other

    def reset(self, key=None):
        """Restart one sequence, or every sequence when ``key`` is None."""
        if key is None:
            self._last.clear()
        else:
            self._last.pop(key, None)
