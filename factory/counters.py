"""
Counters for unique values: ``next(key)`` returns 1, 2, 3... independently for every key.

The factory keys its sequences by ``(model label, field name)``, so adding a field to a model does
not shift the values of the others, and a parent model's fields (multi-table inheritance) share
one sequence between the parent and all its children. ``reset()`` starts every sequence again.
"""

from collections import defaultdict
from itertools import count

UNIQUE = "unique"  # the key behind getUniqueInteger() and friends


class Counters:
    """Independent 1-based integer sequences, one per hashable key."""

    def __init__(self):
        self._sequences = defaultdict(lambda: count(1))

    def next(self, key=UNIQUE):
        return next(self._sequences[key])

    def reset(self, key=None):
        """Restart one sequence, or every sequence when ``key`` is None."""
        if key is None:
            self._sequences.clear()
        else:
            self._sequences.pop(key, None)
