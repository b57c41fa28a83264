"""
A generic, deterministic model factory for any Django project (imports Django only).

    from factory import Derived, Factory, Sequence, mute_signals

    factory = Factory()
    book = factory.make_one(Book, title="Dune")        # saved, full_clean()ed, FK targets made
    books = factory.make(5, Book)                        # five, one by one
    draft = factory.prepare_one(Book)                    # unsaved, not validated, FKs empty
    rows = factory.make(100_000, Book, _bulk=True)       # bulk_create, FK targets bulk-made too
    rows = factory.make(1000, Book, author=someone, _bulk=True, _using="other")
    cheap = factory.make_one(Book, _states=["cheap", "long"])        # named states (Book.Factory.states)
    books = factory.make(3, Book, title=Sequence("Volume {n}"))      # Volume 1, Volume 2, Volume 3
    book = factory.make_one(Book, slug=Derived(lambda book: slugify(book.title)))
    tag = factory.make_one(Tag, name="python", _get_or_create=["name"])   # the existing row, if any
    book = factory.make_one(Book, _after_make=lambda book, factory: book.tags.add(tag))
    with mute_signals(post_save):
        factory.make_one(Book)

Bulk mode, for seeding: ``make(count, Model, _bulk=True, **attrs)`` returns the saved instances
(primary keys set) and runs a constant number of queries per relation level (one new FK target
per row, as ``make`` would; pass ``fk=instance`` to share one). Keyword values apply to every
row; ``fk__field=value`` goes to the FK targets. It skips ``full_clean()`` unless ``_validate=True``
and sends no save signals. It keeps every instance of a call in memory: for millions of rows,
call it in chunks (say 10,000 rows a call) with one Factory, whose counters carry on between
calls. ``Factory(seed=N)`` makes values pseudo-random but reproducible.

The precedence of value sources, the control keywords and the hooks (nested ``class Factory`` on a
model, ``field_mapping``, ``model_generators``, ``states``) are documented on ``Factory``. Under
pytest, the ``factory`` fixture (factory/pytest_plugin.py) gives each test its own factory.
"""

from .core import Factory
from .counters import Counters
from .exceptions import (
    FactoryError,
    InvalidModelError,
    NoGeneratorError,
    NoValidValueError,
    RelationCycleError,
    UniqueExhaustedError,
    UnsatisfiableConstraintError,
)
from .signals import mute_signals
from .values import Derived, Sequence

__all__ = [
    "Counters",
    "Derived",
    "Factory",
    "FactoryError",
    "InvalidModelError",
    "NoGeneratorError",
    "NoValidValueError",
    "RelationCycleError",
    "Sequence",
    "TestCase",
    "TransactionTestCase",
    "UniqueExhaustedError",
    "UnsatisfiableConstraintError",
    "mute_signals",
]


def __getattr__(name):
    # The test cases import django.test and the auth app; load them only when asked for, so
    # ``import factory`` works before apps are ready and in projects without contrib.auth.
    if name in ("TestCase", "TransactionTestCase"):
        from . import testcase

        return getattr(testcase, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
