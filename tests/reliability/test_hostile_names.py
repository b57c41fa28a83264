"""Hostile filenames: each refused with a clear message or stored safely; no byte outside the root."""

import os
import shutil
import tempfile
import unicodedata

from django.core.exceptions import ValidationError
from django.test import TestCase

from deliveries.models import FileMeta
from deliveries.stores import MARKER_KEY, FsDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery
from tests.support.hostile_names import CORPUS


def snapshot(path):
    """Every file below ``path`` (relative names), to see that nothing appeared there."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            found.add(os.path.relpath(os.path.join(dirpath, name), path))
    return found


class TestHostileFilenames(TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hostile-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        # The store root sits inside a sandbox directory; anything written beside it is an escape.
        self.root = os.path.join(self.tmp, "sandbox", "root")
        self.store = FsDeliveryStore(root=self.root)
        swap = swap_deliverystore(FileMeta, self.store)
        swap.__enter__()
        self.addCleanup(swap.__exit__, None, None, None)
        self.delivery = make_delivery()

    def test_corpus_is_large(self):
        self.assertGreaterEqual(len(set(CORPUS)), 100)

    def test_each_name_refused_clearly_or_stored_safely(self):
        refused = stored = 0
        for name in CORPUS:
            with self.subTest(name=name):
                try:
                    fm = self.delivery.add_file(name, [b"payload"])
                except ValidationError as e:
                    refused += 1
                    message = " ".join(e.messages)
                    self.assertRegex(message, r"^The filename|^A filename|already has a file", message)
                    continue
                stored += 1
                # Stored as metadata only: NFC, no separator, no control character; bytes under the key.
                self.assertEqual(fm.filename, unicodedata.normalize("NFC", name))
                self.assertNotIn("/", fm.filename)
                self.assertNotIn("\x00", fm.filename)
                self.assertEqual(b"".join(self.store.iter_chunks(fm)), b"payload")
        # Outside the root there is only the sandbox directory that holds it.
        self.assertEqual({p for p in snapshot(self.tmp) if not p.startswith("sandbox/root")}, {"sandbox"})
        self.assertEqual(refused + stored, len(CORPUS))
        self.assertGreater(refused, 50)
        self.assertGreater(stored, 30)
        # Every byte lives under the root, at a path made of digits only (beside the store's own marker).
        for path in snapshot(self.root) - {"_keys", f"_keys/{MARKER_KEY}"}:
            self.assertRegex(path, r"^\d+(/\d{3}(/\d+)?)?$")
        self.assertEqual(FileMeta.objects.count(), stored)
        print(
            f"\nhostile filenames: {len(CORPUS)} tried, {refused} refused with a message, {stored} stored safely, 0 escapes"
        )
