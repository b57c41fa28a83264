"""Unique sets, CheckConstraints and the database agreeing with what the factory generates."""

import datetime
from decimal import Decimal

from django.test import SimpleTestCase, TestCase

from factory import Factory, UniqueExhaustedError, UnsatisfiableConstraintError
from tests.factoryapp.models import (
    Author,
    Checked,
    Release,
    Seat,
    Switch,
    UniqueColumns,
    UniqueFlags,
    UniqueTogether,
    Unsatisfiable,
)


class UniqueTests(TestCase):
    def test_unique_columns_200_rows(self):
        """200 rows of unique char/smallint/date columns save without a collision."""
        factory = Factory()
        rows = [factory.make_one(UniqueColumns) for _ in range(200)]
        self.assertEqual(len({(row.name, row.number, row.day) for row in rows}), 200)
        self.assertEqual(rows[-1].name, "name-200")

    def test_unique_boolean_cycles(self):
        """A unique boolean takes False, then True, then raises UniqueExhaustedError."""
        factory = Factory()
        self.assertEqual([factory.make_one(Switch).on for _ in range(2)], [False, True])
        with self.assertRaisesMessage(UniqueExhaustedError, "factoryapp.Switch: the unique set (on) allows only 2"):
            factory.make_one(Switch)

    def test_unique_narrow_range_exhausted(self):
        """A unique integer limited to 0..3 gives 1, 2, 3, 0, then raises UniqueExhaustedError."""
        factory = Factory()
        self.assertEqual([factory.make_one(Seat).number for _ in range(4)], [1, 2, 3, 0])
        with self.assertRaisesMessage(UniqueExhaustedError, "factoryapp.Seat.number is unique and all 4 values"):
            factory.make_one(Seat)

    def test_unique_constraint_over_finite_domains(self):
        """UniqueConstraint(bool, 2-choice) yields all 4 combinations, then a clear error."""
        factory = Factory()
        rows = [factory.make_one(UniqueFlags) for _ in range(4)]
        self.assertEqual(
            [(row.flag, row.level) for row in rows],
            [(False, "low"), (True, "low"), (False, "high"), (True, "high")],
        )
        with self.assertRaises(UniqueExhaustedError):
            factory.make_one(UniqueFlags)

    def test_unique_set_with_given_value(self):
        """Given values for part of a set count combinations per given value."""
        factory = Factory()
        self.assertEqual([factory.make_one(UniqueFlags, level="low").flag for _ in range(2)], [False, True])
        self.assertEqual(factory.make_one(UniqueFlags, level="high").flag, False)

    def test_unique_together_with_new_fk_needs_no_cycling(self):
        """unique_together with a freshly created FK keeps the first boolean."""
        factory = Factory()
        self.assertEqual([factory.make_one(UniqueTogether).flag for _ in range(3)], [False] * 3)

    def test_unique_together_with_shared_fk_cycles(self):
        """unique_together with a shared FK cycles the boolean."""
        author = Factory().make_one(Author)
        factory = Factory()
        self.assertEqual([factory.make_one(UniqueTogether, author=author).flag for _ in range(2)], [False, True])

    def test_composite_primary_key(self):
        """CompositePrimaryKey models are made, their pk a tuple of generated parts."""
        factory = Factory()
        rows = factory.make(3, Release)
        self.assertEqual(rows[0].pk, ("product-1", 1))
        self.assertEqual(Release.objects.count(), 3)


class CheckConstraintTests(TestCase):
    def test_checks_met_by_construction(self):
        """Bounds, ranges, in-lists and field comparisons (with arithmetic) are met; rows save."""
        rows = Factory().make(5, Checked)
        first = rows[0]
        self.assertEqual(first.amount, 1000)
        self.assertEqual(first.low, Decimal("-1.00"))
        self.assertEqual(first.kind, "a")
        self.assertEqual(first.end - first.start, datetime.timedelta(days=1))
        self.assertEqual(first.last - first.first, datetime.timedelta(days=7))
        self.assertEqual(len({row.amount for row in rows}), 5)

    def test_given_value_is_kept_and_other_side_repaired(self):
        """A given value is never changed; the generated side of a comparison moves instead."""
        end = datetime.datetime(1999, 1, 1, tzinfo=datetime.UTC)
        row = Factory().make_one(Checked, end=end)
        self.assertEqual(row.end, end)
        self.assertLess(row.start, row.end)

    def test_given_values_that_violate_fail_clearly(self):
        """Given values that violate a check raise UnsatisfiableConstraintError naming it."""
        with self.assertRaisesMessage(
            UnsatisfiableConstraintError, "factoryapp.Checked: CheckConstraint 'checked_kind'"
        ):
            Factory().make_one(Checked, kind="z")

    def test_unsatisfiable_condition(self):
        """A condition no values can meet raises UnsatisfiableConstraintError, nothing saved."""
        with self.assertRaisesMessage(UnsatisfiableConstraintError, "CheckConstraint 'unsatisfiable'"):
            Factory().make_one(Unsatisfiable)
        self.assertFalse(Unsatisfiable.objects.exists())


class CheckEvaluationTests(SimpleTestCase):
    def test_prepare_also_meets_checks(self):
        """prepare_one applies the same bounds and repairs, without the database."""
        row = Factory().prepare_one(Checked)
        self.assertGreater(row.end, row.start)
        self.assertGreaterEqual(row.amount, 1000)
