"""deliveries.serving.compare: what changed between two deliveries of a group."""

import os

from django.test import TestCase

from deliveries.models import Delivery, FileMeta
from deliveries.serving import compare
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery


class TestCompare(TestCase):
    def setUp(self):
        self.store = self.enterContext(swap_deliverystore(FileMeta, MemoryDeliveryStore()))
        self.old = make_delivery("cmp")
        self.new = Delivery.begin(self.old.assignment_group)

    def test_previous_delivery(self):
        """The previous delivery is the group's next lower number; the first has none."""
        third = Delivery.begin(self.old.assignment_group)
        self.assertEqual(compare.previous_delivery(third), self.new)
        self.assertEqual(compare.previous_delivery(self.new), self.old)
        self.assertIsNone(compare.previous_delivery(self.old))

    def test_statuses(self):
        """Files are added, removed, changed (by checksum) or unchanged."""
        self.old.add_file("same.txt", ["same\n"])
        self.old.add_file("gone.txt", ["bye\n"])
        self.old.add_file("edit.py", ["x = 1\ny = 2\n"])
        self.new.add_file("same.txt", ["same\n"])
        self.new.add_file("edit.py", ["x = 1\ny = 3\n"])
        self.new.add_file("new.md", ["# hi\n"])
        result = compare.compare_deliveries(self.old, self.new)
        self.assertEqual(
            [(c.filename, c.status) for c in result.files],
            [("edit.py", "changed"), ("gone.txt", "removed"), ("new.md", "added"), ("same.txt", "unchanged")],
        )
        diff = result.changed[0].diff_html
        self.assertIn("y&nbsp;=&nbsp;", diff)
        self.assertIn('class="diff_chg"', diff)
        self.assertIn("#1", diff)
        self.assertIn("#2", diff)

    def test_first_delivery(self):
        """Without a previous delivery every file is added."""
        self.old.add_file("a.txt", ["a"])
        result = compare.compare_deliveries(None, self.old)
        self.assertEqual([c.status for c in result.files], ["added"])

    def test_diff_is_escaped(self):
        """Markup in a changed file is escaped in the diff."""
        self.old.add_file("page.html", ["<p>old</p>\n"])
        self.new.add_file("page.html", ["<script>alert(1)</script>\n"])
        diff = compare.compare_deliveries(self.old, self.new).changed[0].diff_html
        self.assertNotIn("<script>", diff)
        self.assertIn("&lt;script&gt;", diff)

    def test_bounds(self):
        """Binary and too-large changed files are listed without a diff, with a note saying why."""
        self.old.add_file("data.bin", [b"\x00\x01"])
        self.new.add_file("data.bin", [b"\x00\x02"])
        big = b"line\n" * (compare.DIFF_MAX_BYTES // 5 + 1)
        self.old.add_file("big.txt", [big])
        self.new.add_file("big.txt", [big + b"more\n"])
        notes = {c.filename: (c.diff_html, c.note) for c in compare.compare_deliveries(self.old, self.new).changed}
        self.assertEqual(notes["data.bin"], ("", "Binary file: only the checksum differs."))
        self.assertEqual(notes["big.txt"][0], "")
        self.assertIn("Too large to diff", notes["big.txt"][1])

    def test_large_rewrite_is_a_unified_diff(self):
        """A big block of similar but rewritten lines (costly side by side) is shown as an escaped unified diff."""
        import random

        rng = random.Random(1)
        lines = lambda: "".join("".join(rng.choice("ab <") for _ in range(40)) + "\n" for _ in range(250))  # noqa: E731
        self.old.add_file("rewrite.txt", [lines()])
        self.new.add_file("rewrite.txt", [lines()])
        [change] = compare.compare_deliveries(self.old, self.new).changed
        self.assertEqual(change.note, "A large rewrite: shown as a unified diff.")
        self.assertTrue(change.diff_html.startswith('<pre class="unified-diff">--- '))
        self.assertNotIn("<  ", change.diff_html)  # '<' from the files is escaped
        self.assertIn("&lt;", change.diff_html)

    def test_missing_bytes(self):
        """Missing bytes of one version give a note, not an error."""
        self.old.add_file("a.txt", ["a\n"])
        gone = self.new.add_file("a.txt", [os.urandom(4).hex()])
        self.store.remove(gone)
        change = compare.compare_deliveries(self.old, self.new).changed[0]
        self.assertEqual(change.note, "The bytes of one version are missing from the store.")

    def test_csv_and_notebooks_are_diffed_as_text(self):
        """CSV files and notebooks, previewed as tables and cells, are still compared line by line."""
        for name, before, after in (
            ("scores.csv", "name,score\nAda,3\n", "name,score\nAda,4\n"),
            ("work.ipynb", '{"cells": [], "x": 1}\n', '{"cells": [], "x": 2}\n'),
        ):
            with self.subTest(name=name):
                self.old.add_file(name, [before])
                self.new.add_file(name, [after])
                change = next(c for c in compare.compare_deliveries(self.old, self.new).changed if c.filename == name)
                self.assertEqual(change.note, "")
                self.assertIn('class="diff"', change.diff_html)
