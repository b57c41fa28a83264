"""
``TestCase`` and ``TransactionTestCase``: Django's, with ``self.factory`` ready to use.

The factory is made once per test class (before ``setUpTestData``, so ``cls.factory`` works
there too) and draws every unique value from the class through ``getUniqueInteger()``; values
made in ``setUpTestData`` and in the tests never collide, and the same tests give the same values
in every run. Its model generators include one for the user model that sets a usable password.
"""

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


class FactoryTestMixin:
    """Gives the class a ``factory`` and the testtools-style unique-value methods it draws from."""

    factory_class = Factory

    @classmethod
    def setUpClass(cls):
        cls._factory_counters = Counters()
        cls.factory = cls.factory_class(test_case=cls, model_generators=default_model_generators())
        super().setUpClass()

    @classmethod
    def getUniqueInteger(cls):
        return cls._factory_counters.next(UNIQUE)

    @classmethod
    def getUniqueString(cls, prefix=None):
        return f"{'str' if prefix is None else prefix}-{cls.getUniqueInteger()}"


class TestCase(FactoryTestMixin, test.TestCase):
    """django.test.TestCase with ``self.factory``."""


class TransactionTestCase(FactoryTestMixin, test.TransactionTestCase):
    """django.test.TransactionTestCase with ``self.factory``."""
