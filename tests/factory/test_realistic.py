"""Factory(realistic=True, seed=N): Faker values for names, emails, places, sentences, URLs; still valid."""

import sys
from unittest import mock

from django.contrib.auth import get_user_model
from django.db import models
from django.test import SimpleTestCase, TestCase

from factory import Factory, FactoryError
from tests.factoryapp.models import Account, AllFields, Author, Book, Contact, Library


def draw(seed):
    factory = Factory(realistic=True, seed=seed)
    return [
        (a.name, b.title, lib.city)
        for a, b, lib in zip(factory.prepare(3, Author), factory.prepare(3, Book), factory.prepare(3, Library))
    ]


class RealisticTests(SimpleTestCase):
    def test_off_by_default(self):
        """Without realistic=True the plain deterministic values stay (django_factory's)."""
        self.assertEqual(Factory().prepare_one(Author).name, "name-1")

    def test_same_seed_same_values(self):
        """The same seed gives the same values; another seed others; reset() replays."""
        self.assertEqual(draw(5), draw(5))
        self.assertNotEqual(draw(5), draw(6))
        factory = Factory(realistic=True, seed=5)
        first = factory.prepare_one(Author).name
        factory.reset()
        self.assertEqual(factory.prepare_one(Author).name, first)

    def test_values_look_real(self):
        """Names have a space, cities are not counters, emails and URLs are valid."""
        factory = Factory(realistic=True, seed=1)
        self.assertRegex(factory.prepare_one(Author).name, r"^\w[\w.' -]+ \w")
        self.assertNotIn("city-", factory.prepare_one(Library).city)
        row = factory.prepare_one(AllFields)
        self.assertNotIn("email-", row.email)
        AllFields._meta.get_field("email").clean(row.email, row)
        AllFields._meta.get_field("url").clean(row.url, row)

    def test_long_text_shortened_or_plain(self):
        """A sentence too long for its column is cut at a word; a name too long falls back to the plain value."""
        factory = Factory(realistic=True, seed=2)
        for row in factory.prepare(20, Contact):
            self.assertLessEqual(len(row.headline), 20)
        field = models.CharField(max_length=5)
        field.set_attributes_from_name("name")
        self.assertEqual(Factory(realistic=True).generate_value(field), "ame-1")  # the plain value, tail kept

    def test_without_faker(self):
        """Without Faker installed, realistic=True says how to get it."""
        with mock.patch.dict(sys.modules, {"faker": None}):
            with self.assertRaisesMessage(FactoryError, "Factory(realistic=True) needs Faker"):
                Factory(realistic=True)


class RealisticValidTests(TestCase):
    def test_valid_and_unique(self):
        """Realistic rows pass full_clean and save; unique fields get the counter appended."""
        factory = Factory(realistic=True, seed=7)
        for model in (Author, Book, Library, Account, Contact, get_user_model()):
            with self.subTest(model=model.__name__):
                for row in factory.make(15, model):
                    row.full_clean()
        emails = [a.email for a in Account.objects.all()]
        self.assertEqual(len(set(email.lower() for email in emails)), len(emails))
        self.assertTrue(all(email.split("@")[0][-1].isdigit() for email in emails))
