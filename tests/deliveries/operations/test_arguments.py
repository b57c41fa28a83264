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
