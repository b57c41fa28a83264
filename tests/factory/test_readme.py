"""Every example of the README's "The factory" section (django_factory's README, in Python 3)."""

from django.contrib.auth.models import User
from django.db import models
from django.test import TestCase as DjangoTestCase
from testtools import TestCase as TesttoolsTestCase

from factory import Factory, TestCase
from tests.factoryapp.fields import OpaqueField
from tests.factoryapp.models import Author as Model
from tests.factoryapp.models import Member as Person
from tests.factoryapp.models import Opaque, Team, Volunteer


class CreateAFactoryTests(DjangoTestCase):
    def setUp(self):
        super().setUp()
        self.factory = Factory()

    def test_factory_in_set_up(self):
        """A Factory made in setUp makes instances."""
        instance = self.factory.make_one(Model)
        self.assertIsNotNone(instance.pk)


class TesttoolsTests(DjangoTestCase, TesttoolsTestCase):
    def setUp(self):
        super().setUp()
        self.factory = Factory(test_case=self)

    def test_testtools_supplies_unique_values(self):
        """With a testtools test case, its getUniqueInteger() numbers the values."""
        first = self.getUniqueInteger()
        instance = self.factory.make_one(Model)
        self.assertEqual(instance.name, f"name-{first + 1}")


class ModelTests(TestCase):
    def test_model(self):
        """make_one gives an instance with arbitrary values."""
        instance = self.factory.make_one(Model)
        self.assertTrue(instance.name)

    def test_model_with_name(self):
        """make_one(Model, name="Mike") fixes that attribute."""
        instance = self.factory.make_one(Model, name="Mike")
        self.assertEqual(instance.name, "Mike")

    def test_other_methods(self):
        """make, prepare_one and prepare, as the README shows them."""
        instances = self.factory.make(5, Model, name="Mike")
        self.assertEqual([i.name for i in instances], ["Mike"] * 5)
        instance = self.factory.prepare_one(Model, name="Mike")
        self.assertIsNone(instance.pk)
        instances = self.factory.prepare(5, Model, name="Mike")
        self.assertEqual(len(instances), 5)
        self.assertEqual(Model.objects.count(), 5)

    def test_nested_get_active(self):
        """Person.Factory.get_active makes people active unless told otherwise."""
        person = self.factory.make_one(Person)
        print(person.active)
        self.assertTrue(person.active)
        person = self.factory.make_one(Person, active=False)
        self.assertFalse(person.active)

    def test_nested_get_name_uses_field(self):
        """get_name(field, factory) can use the field instance."""
        self.assertEqual(self.factory.make_one(Person).name, "name")

    def test_number_of_people(self):
        """number_of_people = 5 gives a team five people."""
        self.assertEqual(self.factory.make_one(Team).people.count(), 5)

    def test_make_instance(self):
        """make_instance builds the whole instance, with the keywords passed to it."""
        volunteer = self.factory.make_one(Volunteer)
        self.assertTrue(volunteer.active)
        self.assertTrue(volunteer.name.startswith("name-"))
        self.assertEqual(self.factory.prepare_one(Volunteer, name="Ann").name, "Ann")

    def test_auth(self):
        """The TestCase's factory makes users that can log in with the given password."""
        password = "password"
        user = self.factory.make_one(User, password=password)
        logged_in = self.client.login(username=user.username, password=password)
        self.assertTrue(logged_in)


def generate_value_for_custom_field(field, factory):
    # Use uniqueness provided by factory, and inspect field for any constraints that are relevant.
    return factory.getUniqueString(prefix=field.name)


def create_user(factory, name=None, email=None):
    if name is None:
        name = factory.getUniqueUnicode(prefix="name")
    if email is None:
        email = factory.getUniqueString() + "@example.com"
    user = User(username=name, email=email)
    user.set_unusable_password()
    return user


class CustomisingTests(DjangoTestCase):
    def test_custom_field_mapping(self):
        """A generator added to a copy of DEFAULT_FIELD_MAPPING covers a custom field."""
        field_mapping = Factory.DEFAULT_FIELD_MAPPING.copy()
        field_mapping[OpaqueField] = generate_value_for_custom_field
        factory = Factory(field_mapping=field_mapping)
        self.assertEqual(factory.make_one(Opaque).blob, "blob-1")

    def test_model_generators(self):
        """model_generators build instances of models you don't control."""
        model_generators = {User: create_user}
        factory = Factory(model_generators=model_generators)
        user = factory.make_one(User)
        self.assertEqual((user.username, user.email), ("name-1", "str-2@example.com"))
        self.assertFalse(user.has_usable_password())
        self.assertIsInstance(User._meta.get_field("username"), models.CharField)
