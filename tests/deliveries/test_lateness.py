"""deliveries.lateness: how late, in words."""

from datetime import timedelta

from django.test import SimpleTestCase

from deliveries.lateness import describe_duration


class TestDescribeDuration(SimpleTestCase):
    def test_two_largest_units_rounded_down(self):
        """A duration in its two largest units, rounded down; singular and plural; never negative."""
        cases = {
            timedelta(days=1, hours=3, minutes=59): "1 day 3 h",
            timedelta(days=2): "2 days",
            timedelta(days=1, minutes=5): "1 day",
            timedelta(hours=5, minutes=12, seconds=3): "5 h 12 min",
            timedelta(minutes=1, seconds=30): "1 min 30 s",
            timedelta(seconds=30): "30 s",
            timedelta(seconds=1): "1 s",
            timedelta(0): "0 s",
            timedelta(seconds=-5): "0 s",
        }
        for delta, expected in cases.items():
            with self.subTest(delta=delta):
                self.assertEqual(describe_duration(delta), expected)
