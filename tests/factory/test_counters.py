"""Counters: independent sequences per key, resettable one by one or all at once."""

from django.test import SimpleTestCase

from factory import Counters


class CountersTests(SimpleTestCase):
    def test_independent_sequences(self):
        """Each key counts from 1 on its own."""
        counters = Counters()
        self.assertEqual([counters.next("a"), counters.next("a"), counters.next("b")], [1, 2, 1])

    def test_reset_one_key(self):
        """reset(key) restarts that sequence only."""
        counters = Counters()
        counters.next("a")
        counters.next("b")
        counters.reset("a")
        self.assertEqual((counters.next("a"), counters.next("b")), (1, 2))

    def test_reset_all(self):
        """reset() restarts every sequence."""
        counters = Counters()
        counters.next("a")
        counters.reset()
        self.assertEqual(counters.next("a"), 1)
