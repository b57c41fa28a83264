"""The field mapping: MRO and internal-type lookup, read-only default, replacing and extending it."""

from django.db import models
from django.db.models.expressions import DatabaseDefault
from django.test import SimpleTestCase, TestCase

from factory import Factory, NoGeneratorError
from factory.generators import gen_integer, gen_string
from factory.mapping import DEFAULT_FIELD_MAPPING, default_field_mapping, find_generator
from tests.factoryapp.fields import LegacyIntegerField, OpaqueField, UpperCharField
from tests.factoryapp.models import AllFields, Author, Computed, Opaque


class MappingTests(SimpleTestCase):
    def test_lookup_along_mro(self):
        """A subclass of a mapped field uses its parent's generator."""
        self.assertIs(find_generator(DEFAULT_FIELD_MAPPING, UpperCharField(max_length=5)), gen_string)

    def test_lookup_by_internal_type(self):
        """A field that only reports a mapped internal type is found by that name."""
        self.assertIs(find_generator(DEFAULT_FIELD_MAPPING, LegacyIntegerField()), gen_integer)

    def test_unknown_field_names_model_and_field(self):
        """A field with no generator raises NoGeneratorError (a TypeError) saying how to register one."""
        with self.assertRaisesMessage(NoGeneratorError, "No generator for factoryapp.Opaque.blob (OpaqueField)"):
            Factory().prepare_one(Opaque)
        with self.assertRaisesMessage(
            TypeError, "field_mapping={**Factory.DEFAULT_FIELD_MAPPING, OpaqueField: generator}"
        ):
            Factory().prepare_one(Opaque)

    def test_unknown_field_given_explicitly(self):
        """A field with no generator is fine when its value is passed."""
        self.assertEqual(Factory().prepare_one(Opaque, blob="x").blob, "x")

    def test_default_mapping_is_read_only(self):
        """Factory.DEFAULT_FIELD_MAPPING cannot be changed in place; .copy() is a plain dict."""
        with self.assertRaises(TypeError):
            Factory.DEFAULT_FIELD_MAPPING[OpaqueField] = gen_string
        copy = Factory.DEFAULT_FIELD_MAPPING.copy()
        copy[OpaqueField] = gen_string
        self.assertNotIn(OpaqueField, Factory.DEFAULT_FIELD_MAPPING)
        self.assertIsNot(default_field_mapping(), DEFAULT_FIELD_MAPPING)

    def test_field_mapping_extends(self):
        """A copy of the default plus an entry covers a custom field."""
        mapping = Factory.DEFAULT_FIELD_MAPPING.copy()
        mapping[OpaqueField] = lambda field, factory: f"opaque-{factory.sequence(field)}"
        self.assertEqual(Factory(field_mapping=mapping).prepare_one(Opaque).blob, "opaque-1")

    def test_field_mapping_replaces(self):
        """field_mapping replaces the default table (django_factory's contract)."""
        factory = Factory(field_mapping={models.CharField: lambda field, factory: "only"})
        self.assertEqual(factory.prepare_one(Author).name, "only")
        with self.assertRaisesMessage(NoGeneratorError, "factoryapp.AllFields.big"):
            factory.prepare_one(AllFields)

    def test_field_mapping_override_one_class(self):
        """An entry for a parent class applies to subclasses without an entry of their own."""
        mapping = {
            **Factory.DEFAULT_FIELD_MAPPING,
            models.CharField: lambda f, factory: "char",
            UpperCharField: lambda f, factory: "up",
        }
        row = Factory(field_mapping=mapping).prepare_one(AllFields)
        self.assertEqual((row.char, row.upper, row.slug), ("char", "up", "slug-1"))

    def test_generated_and_db_default_skipped(self):
        """GeneratedField is never set; db_default and auto_now_add are left to the database/save."""
        row = Factory().prepare_one(Computed)
        self.assertEqual(row.width, 1)
        self.assertNotIn("area", vars(row))
        self.assertIsInstance(row.answer, DatabaseDefault)
        self.assertIsNone(row.created)


class DatabaseFilledTests(TestCase):
    def test_generated_field_and_db_default_after_save(self):
        """After make_one the database has computed the GeneratedField and applied db_default."""
        row = Factory().make_one(Computed, width=3, height=4)
        row.refresh_from_db()
        self.assertEqual((row.area, row.answer), (12, 42))
        self.assertIsNotNone(row.created)
