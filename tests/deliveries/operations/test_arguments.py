"""deliveries.operations.arguments: the parsers the commands share."""

from datetime import UTC, datetime, timedelta

from django.test import SimpleTestCase, override_settings

from deliveries.operations.arguments import parse_duration, parse_key_values, parse_since


class TestParsers(SimpleTestCase):
    def test_parse_duration(self):
        """Seconds, or a number with s, m, h or d."""
        for text, seconds in (("0", 0), ("90", 90), ("90s", 90), ("30m", 1800), ("1h", 3600), ("2d", 172800)):
            with self.subTest(text=text):
                self.assertEqual(parse_duration(text), timedelta(seconds=seconds))
        for bad in ("", "-1", "1w", "h", "1.5h"):
            with self.subTest(bad=bad), self.assertRaisesMessage(ValueError, "is not a duration"):
                parse_duration(bad)

    @override_settings(TIME_ZONE="UTC")
    def test_parse_since(self):
        """A date means its midnight in the current time zone; a date-time keeps its offset."""
        self.assertEqual(parse_since("2026-11-01"), datetime(2026, 11, 1, tzinfo=UTC))
        self.assertEqual(parse_since("2026-11-01T12:30:00+00:00"), datetime(2026, 11, 1, 12, 30, tzinfo=UTC))
        with self.assertRaisesMessage(ValueError, "'last week' is not a date"):
            parse_since("last week")

    def test_parse_key_values(self):
        """JSON-looking values are typed, the rest stay strings; a pair without '=' is refused."""
        self.assertEqual(
            parse_key_values(["root=/srv/x", "fsync=false", "chunk_size=65536", 'name="007"', "empty="]),
            {"root": "/srv/x", "fsync": False, "chunk_size": 65536, "name": "007", "empty": ""},
        )
        for bad in ("novalue", "=1"):
            with self.subTest(bad=bad), self.assertRaisesMessage(ValueError, f"field {bad!r} must look like key=value"):
                parse_key_values([bad], "field")


class TestBounds(SimpleTestCase):
    def test_bounded_count(self):
        """Whole numbers within the bounds pass; anything else, however long, is one short message."""
        from deliveries.operations.arguments import bounded_count, parse_jobs

        self.assertEqual((bounded_count("7", "--n", 1, 10), bounded_count(10, "--n", 1, 10)), (7, 10))
        self.assertEqual(parse_jobs("64"), 64)
        for bad in ("0", "11", "-1", "1e20", "1.5", "", "x", "٣", "9" * 5000):
            with (
                self.subTest(bad=bad[:10]),
                self.assertRaisesMessage(ValueError, "--n must be a whole number from 1 to 10"),
            ):
                bounded_count(bad, "--n", 1, 10)
        with self.assertRaises(ValueError) as caught:
            bounded_count("9" * 5000, "--n", 1, 10)
        self.assertLess(len(str(caught.exception)), 80)

    def test_duration_bounds(self):
        """Durations up to ten years; longer ones, or absurdly long digits, are refused by name."""
        self.assertEqual(parse_duration("3650d"), timedelta(days=3650))
        with self.assertRaisesMessage(ValueError, "--min-age 3651d is too long: at most 3650d"):
            parse_duration("3651d")
        with self.assertRaisesMessage(ValueError, "--min-age 99999999999999999d is too long: at most 3650d"):
            parse_duration("99999999999999999d")
        with self.assertRaisesMessage(ValueError, "is too long: at most 3650d"):
            parse_duration("9" * 5000)

    def test_store_from_arguments(self):
        """A typed store is built, or refused with the flag's name (and the stores there are)."""
        from deliveries.operations.arguments import store_from_arguments
        from deliveries.stores import MemoryDeliveryStore, available_backends

        store = store_from_arguments("deliveries.stores.MemoryDeliveryStore", ["chunk_size=4096"])
        self.assertIsInstance(store, MemoryDeliveryStore)
        self.assertEqual(store.chunk_size, 4096)
        with self.assertRaisesMessage(ValueError, "--to 'x.Y' does not import") as caught:
            store_from_arguments("x.Y", [], flag="--to")
        self.assertIn(f"Use one of: {', '.join(available_backends())}.", str(caught.exception))
        with self.assertRaisesMessage(ValueError, "--option: MemoryDeliveryStore refuses chunk_size=0"):
            store_from_arguments("deliveries.stores.MemoryDeliveryStore", ["chunk_size=0"])
        self.assertIn("deliveries.stores.FsDeliveryStore", available_backends())
        self.assertIn("deliveries.stores.S3DeliveryStore", available_backends())
