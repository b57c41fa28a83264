"""django_factory's contract to the letter: make_one raises ValidationError; prepare_one never validates or refuses."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.test import SimpleTestCase, TestCase

from factory import (
    Factory,
    FactoryError,
    NoValidValueError,
    UniqueExhaustedError,
    UnsatisfiableConstraintError,
)
from tests.factoryapp.models import Checked, Impossible, Seat, Switch, UniqueFlags, Unsatisfiable, Validated


class MakeRaisesValidationErrorTests(TestCase):
    def test_no_valid_value_is_a_validation_error(self):
        """make_one of a model whose field no value can satisfy raises ValidationError naming model and field."""
        with self.assertRaises(ValidationError) as caught:
            Factory().make_one(Impossible)
        self.assertIsInstance(caught.exception, NoValidValueError)
        self.assertIsInstance(caught.exception, FactoryError)
        self.assertIn("factoryapp.Impossible.short", str(caught.exception))
        self.assertEqual(list(caught.exception.message_dict), ["short"])
        self.assertIn("pass short=...", caught.exception.message_dict["short"][0])
        self.assertFalse(Impossible.objects.exists())

    def test_exhausted_unique_set_is_a_validation_error(self):
        """A unique set with no combination left raises ValidationError (under __all__)."""
        factory = Factory()
        factory.make(2, Switch)
        with self.assertRaisesMessage(
            ValidationError, "factoryapp.Switch: the unique set (on) allows only 2"
        ) as caught:
            factory.make_one(Switch)
        self.assertIsInstance(caught.exception, UniqueExhaustedError)
        self.assertEqual(list(caught.exception.message_dict), [NON_FIELD_ERRORS])

    def test_exhausted_unique_field_names_the_field(self):
        """A unique field out of values raises ValidationError filed under that field."""
        factory = Factory()
        factory.make(4, Seat)
        with self.assertRaises(ValidationError) as caught:
            factory.make_one(Seat)
        self.assertEqual(list(caught.exception.message_dict), ["number"])
        self.assertIn("factoryapp.Seat.number is unique", caught.exception.messages[0])

    def test_unsatisfiable_check_is_a_validation_error(self):
        """A CheckConstraint the factory cannot meet raises ValidationError naming the constraint."""
        with self.assertRaisesMessage(ValidationError, "CheckConstraint 'unsatisfiable'") as caught:
            Factory().make_one(Unsatisfiable)
        self.assertIsInstance(caught.exception, UnsatisfiableConstraintError)
        self.assertFalse(Unsatisfiable.objects.exists())

    def test_full_clean_error_unchanged(self):
        """A given value full_clean() refuses raises Django's own ValidationError, filed under the field."""
        with self.assertRaises(ValidationError) as caught:
            Factory().make_one(Validated, score=99)
        self.assertNotIsInstance(caught.exception, FactoryError)
        self.assertEqual(list(caught.exception.message_dict), ["score"])

    def test_str_is_the_message(self):
        """str() of the factory's errors is the plain message, not a list's repr."""
        with self.assertRaises(ValidationError) as caught:
            Factory().make_one(Impossible)
        self.assertTrue(str(caught.exception).startswith("Cannot generate a value for factoryapp.Impossible.short"))


class PrepareNeverRefusesTests(SimpleTestCase):
    def test_prepare_takes_the_best_candidate(self):
        """prepare_one returns an instance where no value passes the validators (make_one would refuse)."""
        row = Factory().prepare_one(Impossible)
        self.assertTrue(row.short)
        with self.assertRaises(ValidationError):
            row.full_clean()

    def test_prepare_ignores_exhausted_unique_sets(self):
        """prepare cycles past the end of a unique set's combinations instead of raising."""
        self.assertEqual([row.on for row in Factory().prepare(3, Switch)], [False, True, False])
        self.assertEqual(len(Factory().prepare(5, UniqueFlags)), 5)
        self.assertEqual([row.number for row in Factory().prepare(5, Seat)], [1, 2, 3, 0, 1])

    def test_prepare_keeps_violating_values(self):
        """prepare_one keeps given values that violate a CheckConstraint, and an unsatisfiable one."""
        self.assertEqual(Factory().prepare_one(Checked, kind="z").kind, "z")
        self.assertIsNotNone(Factory().prepare_one(Unsatisfiable))

    def test_make_after_prepare_is_strict_again(self):
        """A prepare call leaves the factory strict for the next make (the mode is per call)."""
        factory = Factory()
        factory.prepare_one(Impossible)
        with self.assertRaises(NoValidValueError):
            factory.generate_value(Impossible._meta.get_field("short"))
