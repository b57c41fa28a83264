"""factory.TestCase / TransactionTestCase: self.factory per test, cls.factory for setUpTestData, the user generator."""

import unittest

from django.contrib.auth import get_user_model
from django.test import TestCase as DjangoTestCase

from factory import Factory, TestCase, TransactionTestCase
from tests.factoryapp.models import Author, Seat


class TestCaseTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.author = cls.factory.make_one(Author)

    def test_factory_ready(self):
        """self.factory is a Factory that uses this test for unique values."""
        self.assertIsInstance(self.factory, Factory)
        self.assertIs(self.factory.test_case, self)

    def test_class_factory_is_the_class_s(self):
        """cls.factory (setUpTestData's) is another factory, drawing from the class."""
        self.assertIsNot(type(self).factory, self.factory)
        self.assertIs(type(self).factory.test_case, type(self))

    def test_no_collision_with_set_up_test_data(self):
        """Values made in a test never repeat those made in setUpTestData."""
        self.assertEqual(self.author.name, "name-1")
        self.assertEqual(self.factory.make_one(Author).name, "name-2")

    def test_same_values_whatever_ran_before(self):
        """Every test starts from where setUpTestData stopped (this one and the one above agree)."""
        self.assertEqual(self.getUniqueInteger(), 2)

    def test_user_password_default(self):
        """A user made without a password can log in with "test"."""
        user = self.factory.make_one(get_user_model())
        self.assertTrue(user.has_usable_password())
        self.assertTrue(self.client.login(username=user.username, password="test"))

    def test_user_password_given(self):
        """password= sets the user's password (django_factory 0.11's README example)."""
        password = "password"
        user = self.factory.make_one(get_user_model(), password=password)
        logged_in = self.client.login(username=user.username, password=password)
        self.assertTrue(logged_in)

    def test_narrow_unique_field_with_shared_counter(self):
        """With the test case's shared counter a narrow unique field still gets a value."""
        self.assertLessEqual(self.factory.make_one(Seat).number, 3)

    def test_unique_methods(self):
        """The test case offers testtools' getUniqueInteger/getUniqueString."""
        first = self.getUniqueInteger()
        self.assertEqual(self.getUniqueInteger(), first + 1)
        self.assertEqual(self.getUniqueString("p"), f"p-{first + 2}")


class TransactionTestCaseTests(TransactionTestCase):
    def test_factory_ready(self):
        """TransactionTestCase gives self.factory too, and it saves."""
        self.assertIsNotNone(self.factory.make_one(Author).pk)
        self.assertIs(self.factory.test_case, self)


class _Values(TestCase):
    """Not collected (underscore): run one test at a time below, as IDEs and runners do."""

    seen = []

    def test_values(self):
        type(self).seen.append((self.factory.make_one(Author).name, self.getUniqueInteger()))


class _ForgetsSuper(TestCase):
    seen = []

    def setUp(self):  # no super().setUp()
        pass

    def test_values(self):
        type(self).seen.append(self.factory.prepare_one(Author).name)


class RunAloneTests(DjangoTestCase):
    """A test run on its own, without setUpClass, still has self.factory and its counters."""

    def run_alone(self, case_class):
        result = unittest.TestResult()
        case_class("test_values")(result)
        self.assertEqual([text for _test, text in result.errors + result.failures], [])

    def test_test_run_alone(self):
        """test(result) on a fresh test: self.factory exists and values start at 1, every time."""
        _Values.seen.clear()
        self.run_alone(_Values)
        self.run_alone(_Values)
        self.assertEqual(_Values.seen, [("name-1", 2), ("name-1", 2)])

    def test_set_up_without_super(self):
        """A setUp that does not call super() still leaves self.factory to the test."""
        _ForgetsSuper.seen.clear()
        self.run_alone(_ForgetsSuper)
        self.assertEqual(_ForgetsSuper.seen, ["name-1"])

    def test_same_test_object_run_twice(self):
        """One test object run twice starts its values again."""
        _Values.seen.clear()
        test = _Values("test_values")
        test(unittest.TestResult())
        test(unittest.TestResult())
        self.assertEqual(_Values.seen, [("name-1", 2), ("name-1", 2)])
