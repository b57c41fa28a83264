"""contrib.postgres fields: arrays, hstore and ranges get values (prepared; no database needed)."""

import datetime
from decimal import Decimal

from django.contrib.postgres import fields
from django.db import models
from django.test import SimpleTestCase
from django.test.utils import isolate_apps

from factory import Factory


class PostgresFieldTests(SimpleTestCase):
    @isolate_apps("tests.factoryapp")
    def test_postgres_fields(self):
        """Each contrib.postgres field gets a valid value of its kind."""

        class Survey(models.Model):
            scores = fields.ArrayField(models.IntegerField(), size=3)
            labels = fields.HStoreField()
            ages = fields.IntegerRangeField()
            budget = fields.DecimalRangeField()
            days = fields.DateRangeField()
            slot = fields.DateTimeRangeField()

            class Meta:
                app_label = "factoryapp"

        row = Factory().prepare_one(Survey)
        row.clean_fields()
        self.assertEqual(row.scores, [1])
        self.assertEqual(row.labels, {"labels": "1"})
        self.assertEqual((row.ages.lower, row.ages.upper), (1, 2))
        self.assertEqual(row.budget.upper, Decimal(2))
        self.assertEqual(row.days.lower, datetime.date(2000, 1, 2))
        self.assertEqual(row.slot.upper - row.slot.lower, datetime.timedelta(days=1))

    @isolate_apps("tests.factoryapp")
    def test_seeded_ranges_stay_in_their_columns(self):
        """A seeded factory's numbers reach 2**31: range bounds still fit int4 and real dates."""

        class Booking(models.Model):
            ages = fields.IntegerRangeField()
            days = fields.DateRangeField()
            slot = fields.DateTimeRangeField()

            class Meta:
                app_label = "factoryapp"

        for seed in range(20):
            with self.subTest(seed=seed):
                row = Factory(seed=seed).prepare_one(Booking)
                row.clean_fields()
                self.assertLess(row.ages.upper, 2**31)
                self.assertLess(row.days.upper.year, 2101)
