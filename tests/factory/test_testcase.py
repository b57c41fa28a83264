"""factory.TestCase / TransactionTestCase: self.factory, unique values per class, the user generator."""

from django.contrib.auth import get_user_model

from factory import Factory, TestCase, TransactionTestCase
from tests.factoryapp.models import Author, Seat


class TestCaseTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.author = cls.factory.make_one(Author)

    def test_factory_ready(self):
        """self.factory is a Factory that uses the test case for unique values."""
        self.assertIsInstance(self.factory, Factory)
        self.assertIs(self.factory.test_case, type(self))

    def test_no_collision_with_set_up_test_data(self):
        """Values made in a test never repeat those made in setUpTestData."""
        self.assertNotEqual(self.factory.make_one(Author).name, self.author.name)

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
