"""
``TestCase`` and ``TransactionTestCase``: Django's, with ``self.factory`` ready to use.

As in django_factory, each test gets its own factory in ``setUp``, drawing every unique value
from the test through ``self.getUniqueInteger()``; it exists also when a test runs on its own
(``test(result)``, as runners and IDEs call a single test) and when a subclass's ``setUp`` forgets
``super().setUp()``. ``setUpTestData`` has a factory of its own, ``cls.factory``, with the class's
counters; each test's counters go on from where the class's stopped, so values made in a test
never repeat those made in ``setUpTestData``, and a test gets the same values whichever tests ran
before it. Both factories have a model generator for the user model that sets a usable password.
"""

from types import MethodType

from django import test
from django.contrib.auth import get_user_model

from .core import Factory
from .counters import UNIQUE, Counters


def create_user(factory, password=None, **attrs):
    """A user with every field filled and a usable password: ``password`` or ``"test"``."""
    user = factory.prepare_fields(get_user_model(), **attrs)
    user.set_password("test" if password is None else password)
    return user


def default_model_generators():
    """{the user model: create_user}, when django.contrib.auth is installed."""
    from django.apps import apps

    if not apps.is_installed("django.contrib.auth"):
        return {}
    return {get_user_model(): create_user}


class _ClassOrTest:
    """A method bound to the test when called on one, to the class when called on the class."""

    def __init__(self, func):
        self.func = func
        self.__doc__ = func.__doc__

    def __get__(self, test, owner):
        return MethodType(self.func, owner if test is None else test)


class _FactoryAttribute:
    """``self.factory``: the test's factory (made on first use if ``setUp`` has not); ``cls.factory``: the class's."""

    def __get__(self, test, owner):
        if test is None:
            return _class_state(owner)[1]
        test._start_factory()
        return test.__dict__["factory"]


def _class_state(cls):
    """(counters, factory) of the class itself, made on first use (setUpClass makes them)."""
    state = cls.__dict__.get("_factory_class_state")
    if state is None:
        counters = Counters()
        state = cls._factory_class_state = (counters, cls.make_factory(cls, counters))
    return state


class FactoryTestMixin:
    """Gives tests ``self.factory``, ``setUpTestData`` ``cls.factory``, and testtools' unique-value methods."""

    factory_class = Factory
    factory = _FactoryAttribute()

    @classmethod
    def make_factory(cls, test_case, counters):
        """The factory for ``test_case`` (a test, or the class); override to configure it."""
        return cls.factory_class(test_case=test_case, model_generators=default_model_generators(), counters=counters)

    @classmethod
    def setUpClass(cls):
        _class_state(cls)  # before setUpTestData runs (TestCase would wrap what it adds later)
        super().setUpClass()

    def setUp(self):
        self.__dict__.pop("factory", None)  # a test run again starts again
        self._start_factory()
        super().setUp()

    def _start_factory(self):
        if "factory" not in self.__dict__:
            # The class's values so far (setUpTestData's) are taken: this test goes on from there.
            counters = _class_state(type(self))[0].copy()
            self._factory_counters = counters
            self.__dict__["factory"] = self.make_factory(self, counters)

    @staticmethod
    def _counters(self_or_cls):
        if isinstance(self_or_cls, type):
            return _class_state(self_or_cls)[0]
        self_or_cls._start_factory()
        return self_or_cls._factory_counters

    @_ClassOrTest
    def getUniqueInteger(self_or_cls):
        """The next unique integer of this test (or, on the class, of setUpTestData)."""
        return FactoryTestMixin._counters(self_or_cls).next(UNIQUE)

    @_ClassOrTest
    def getUniqueString(self_or_cls, prefix=None):
        """``"<prefix>-<n>"`` with the next unique integer (prefix default ``"str"``)."""
        return f"{'str' if prefix is None else prefix}-{self_or_cls.getUniqueInteger()}"


class TestCase(FactoryTestMixin, test.TestCase):
    """django.test.TestCase with ``self.factory`` (and ``cls.factory`` in ``setUpTestData``)."""


class TransactionTestCase(FactoryTestMixin, test.TransactionTestCase):
    """django.test.TransactionTestCase with ``self.factory``."""
