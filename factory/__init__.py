"""
A generic, deterministic model factory for any Django project (imports Django only).

    from factory import Factory

    factory = Factory()
    book = factory.make_one(Book, title="Dune")        # saved, full_clean()ed, FK targets made
    books = factory.make(5, Book)                        # five, one by one
    draft = factory.prepare_one(Book)                    # unsaved, not validated, FKs empty
    rows = factory.make(100_000, Book, _bulk=True)       # bulk_create, FK targets bulk-made too
    rows = factory.make(1000, Book, author=someone, _bulk=True, _using="other")

Bulk mode, for seeding: ``make(count, Model, _bulk=True, **attrs)`` returns the saved instances
(primary keys set) and runs a constant number of queries per relation level (one new FK target
per row, as ``make`` would; pass ``fk=instance`` to share one). Keyword values apply to every
row; ``fk__field=value`` goes to the FK targets. It skips ``full_clean()`` unless ``_validate=True``
and sends no save signals. It keeps every instance of a call in memory: for millions of rows,
call it in chunks (say 10,000 rows a call) with one Factory, whose counters carry on between
calls. ``Factory(seed=N)`` makes values pseudo-random but reproducible.

The precedence of value sources, the control keywords and the hooks (nested ``class Factory`` on a
model, ``field_mapping``, ``model_generators``) are documented on ``Factory``.
"""

from .core import Factory
from .counters import Counters
from .exceptions import (
    FactoryError,
    NoGeneratorError,
    NoValidValueError,
    RelationCycleError,
    UniqueExhaustedError,
    UnsatisfiableConstraintError,
)

__all__ = [
    "Counters",
    "Factory",
    "FactoryError",
    "NoGeneratorError",
    "NoValidValueError",
    "RelationCycleError",
    "TestCase",
    "TransactionTestCase",
    "UniqueExhaustedError",
    "UnsatisfiableConstraintError",
]


def __getattr__(name):
    # The test cases import django.test and the auth app; load them only when asked for, so
    # ``import factory`` works before apps are ready and in projects without contrib.auth.
    if name in ("TestCase", "TransactionTestCase"):
        from . import testcase

        return getattr(testcase, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
