"""nth_match: distinct strings matching simple patterns."""

import re

from django.test import SimpleTestCase

from factory.regex import nth_match


class NthMatchTests(SimpleTestCase):
    def test_matches_and_distinct(self):
        """Each pattern's first 300 strings match it and differ."""
        for pattern in [r"^[A-Z]{3}[0-9]+$", r"^[0-9]+$", r"^(ab|cd)\d{2}-x*$", r"^[^a-c]{2}\.\w+\Z", r"^[a-f0-9]{8}$"]:
            with self.subTest(pattern):
                values = [nth_match(pattern, n) for n in range(300)]
                self.assertTrue(all(re.fullmatch(pattern, value) for value in values))
        self.assertEqual(len({nth_match(r"^[A-Z]{3}[0-9]+$", n) for n in range(300)}), 300)

    def test_readable(self):
        """Values count up like numbers, least significant slot last."""
        self.assertEqual([nth_match(r"^[A-Z]{3}[0-9]+$", n) for n in (1, 9, 10)], ["AAA1", "AAA9", "AAB0"])

    def test_unsupported(self):
        """Lookarounds and back-references give None."""
        self.assertIsNone(nth_match(r"(?=x)x", 1))
        self.assertIsNone(nth_match(r"(a)\1", 1))
