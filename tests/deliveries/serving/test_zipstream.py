"""deliveries.serving.zipstream: a streamed zip whose member names cannot escape their folder."""

import io
import os
import tempfile
import zipfile

from django.db import connection
from django.test import SimpleTestCase, TestCase

from deliveries.models import FileMeta
from deliveries.serving import zipstream
from deliveries.stores import DeliveryStoreFileNotFound, MemoryDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery
from tests.support.hostile_names import CORPUS


class TestSanitize(SimpleTestCase):
    def test_hostile_names(self):
        """Separators, drives, dots, control characters and NUL can never form a path."""
        cases = {
            "../../etc/passwd": "_.._etc_passwd",
            "/etc/passwd": "_etc_passwd",
            "..": "file",
            ".": "file",
            "": "file",
            "C:\\Windows\\evil.exe": "C__Windows_evil.exe",
            "a\x00b\nc.txt": "a_b_c.txt",
            "..\\..\\x": "_.._x",
            "  .hidden ": "hidden",
            'a*b?c<d>e|f"g': "a_b_c_d_e_f_g",
            "CON": "_CON",
            "nul.tar.gz": "_nul.tar.gz",
            "console.txt": "console.txt",
            "normal name.py": "normal name.py",
        }
        for name, expected in cases.items():
            with self.subTest(name=name):
                safe = zipstream.sanitize_member_name(name)
                self.assertEqual(safe, expected)
                self.assertNotIn("/", safe)
                self.assertNotIn("\\", safe)
                self.assertNotIn(safe, ("", ".", ".."))

    def test_long_name_keeps_extension(self):
        """Names are cut to 200 bytes of UTF-8, keeping the extension and whole characters."""
        for name in ("x" * 300 + ".py", "é" * 300 + ".py", "😀" * 100 + ".py"):
            with self.subTest(name=name[:3]):
                safe = zipstream.sanitize_member_name(name)
                self.assertLessEqual(len(safe.encode()), 200)
                self.assertGreater(len(safe.encode()), 190)
                self.assertTrue(safe.endswith(".py"))

    def test_unique(self):
        """Duplicates, also ones differing only in case, get numbered suffixes."""
        self.assertEqual(
            zipstream.unique_names(["a.txt", "A.TXT", "a.txt", "b", "a (2).txt"]),
            ["a.txt", "A (2).TXT", "a (3).txt", "b", "a (2) (2).txt"],
        )


class TestIterZip(TestCase):
    def setUp(self):
        self.store = self.enterContext(swap_deliverystore(FileMeta, MemoryDeliveryStore(chunk_size=64 * 1024)))
        self.delivery = make_delivery("zip")

    def read_zip(self, members):
        return zipfile.ZipFile(io.BytesIO(b"".join(zipstream.iter_zip(members))))

    def test_round_trip(self):
        """Every file comes back byte for byte under the delivery's folder; the archive tests clean."""
        files = {
            "main.py": b"print('hi')\n" * 1000,
            "photo.png": os.urandom(300_000),
            "empty.txt": b"",
            "blob.bin": os.urandom(1000),
        }
        for name, data in files.items():
            self.delivery.add_file(name, [data], content_type="image/png" if name.endswith(".png") else None)
        archive = self.read_zip(zipstream.delivery_members(self.delivery))
        self.assertIsNone(archive.testzip())
        folder = zipstream.folder_name(self.delivery)
        self.assertEqual(sorted(archive.namelist()), sorted(f"{folder}/{name}" for name in files))
        for name, data in files.items():
            with self.subTest(name=name):
                self.assertEqual(archive.read(f"{folder}/{name}"), data)
        self.assertEqual(archive.getinfo(f"{folder}/photo.png").compress_type, zipfile.ZIP_STORED)
        self.assertEqual(archive.getinfo(f"{folder}/blob.bin").compress_type, zipfile.ZIP_STORED)
        self.assertEqual(archive.getinfo(f"{folder}/main.py").compress_type, zipfile.ZIP_DEFLATED)
        self.assertLess(archive.getinfo(f"{folder}/main.py").compress_size, 1000)

    def test_hostile_rows_stay_inside(self):
        """Rows with hostile names (written around add_file's checks) extract inside the folder only."""
        hostile = ["../../evil.sh", "/abs.txt", "..", "Same.txt", "same.txt"]
        for i, name in enumerate(hostile):
            filemeta = FileMeta.objects.create(delivery=self.delivery, filename=name, size=1, checksum="")
            with self.store.write_open(filemeta) as writer:
                writer.write(bytes([65 + i]))
        archive = self.read_zip(zipstream.delivery_members(self.delivery))
        folder = zipstream.folder_name(self.delivery)
        names = archive.namelist()
        self.assertEqual(len(set(n.casefold() for n in names)), len(hostile))
        for name in names:
            with self.subTest(name=name):
                self.assertTrue(name.startswith(folder + "/"))
                self.assertNotIn("..", name.split("/"))
                self.assertEqual(name.count("/"), 1)
        with tempfile.TemporaryDirectory() as tmp:
            archive.extractall(tmp)
            for root, _, filenames in os.walk(tmp):
                for filename in filenames:
                    self.assertTrue(os.path.realpath(os.path.join(root, filename)).startswith(os.path.realpath(tmp)))

    def test_hostile_corpus(self):
        """Every name of the hostile corpus becomes a distinct member that extracts inside the folder."""

        # Rows are made directly (as legacy data might be), bypassing validation. PostgreSQL holds
        # no NUL in text and enforces the column's 255 characters, so such names exist only elsewhere.
        def storable(name):
            return connection.vendor != "postgresql" or ("\x00" not in name and len(name) <= 255)

        names = [n for n in CORPUS if storable(n)]
        for name in names:
            filemeta = FileMeta.objects.create(delivery=self.delivery, filename=name, size=1, checksum="")
            with self.store.write_open(filemeta) as writer:
                writer.write(b"x")
        archive = self.read_zip(zipstream.delivery_members(self.delivery))
        self.assertEqual(len({name.casefold() for name in archive.namelist()}), len(names))
        with tempfile.TemporaryDirectory() as tmp:
            archive.extractall(tmp)
            extracted = [os.path.join(root, f) for root, _, files in os.walk(tmp) for f in files]
            self.assertEqual(len(extracted), len(names))
            folder = os.path.join(os.path.realpath(tmp), zipstream.folder_name(self.delivery))
            for path in extracted:
                self.assertEqual(os.path.dirname(os.path.realpath(path)), folder)

    def test_streams_with_bounded_pieces(self):
        """No yielded piece is much larger than one store chunk, however big the files."""
        self.delivery.add_file("big.bin", [os.urandom(1024 * 1024)] * 8)
        pieces = list(zipstream.iter_zip(zipstream.delivery_members(self.delivery)))
        self.assertGreater(len(pieces), 100)
        self.assertLessEqual(max(len(p) for p in pieces), 2 * 64 * 1024)
        archive = zipfile.ZipFile(io.BytesIO(b"".join(pieces)))
        self.assertEqual(archive.infolist()[0].file_size, 8 * 1024 * 1024)

    def test_missing_bytes_raise_by_default(self):
        """Without skip_unreadable, a member without bytes stops the archive (the delivery zip checks first)."""
        filemeta = self.delivery.add_file("gone.txt", [b"x"])
        self.store.remove(filemeta)
        with self.assertRaises(DeliveryStoreFileNotFound):
            b"".join(zipstream.iter_zip(zipstream.delivery_members(self.delivery)))

    def test_outcomes_and_generated_member(self):
        """Each member's outcome is set before the next is asked for; a generated member is made when reached."""
        kept = self.delivery.add_file("kept.txt", [b"kept"])
        gone = self.delivery.add_file("gone.txt", [b"gone"])
        self.store.remove(gone)
        seen = []

        def members():
            for member in zipstream.delivery_members(self.delivery):
                yield member
                seen.append((member.filemeta.filename, member.outcome))
            yield zipstream.GeneratedMember("report.txt", lambda: [repr(seen).encode()])

        data = b"".join(zipstream.iter_zip(members(), skip_unreadable=True, verify=True))
        archive = zipfile.ZipFile(io.BytesIO(data))
        expected = [("gone.txt", zipstream.Outcome.MISSING), ("kept.txt", zipstream.Outcome.INCLUDED)]
        self.assertEqual(seen, expected)
        self.assertEqual(archive.read("report.txt"), repr(expected).encode())
        folder = zipstream.folder_name(self.delivery)
        self.assertEqual(archive.namelist(), [f"{folder}/kept.txt", "report.txt"])
        self.assertEqual(archive.read(f"{folder}/kept.txt"), b"kept")
        self.assertEqual(kept.size, 4)


class TestUniqueNames(SimpleTestCase):
    def test_reserved_names_are_taken(self):
        """A reserved name is never handed out: the first taker gets the next free one."""
        names = zipstream.UniqueNames(reserved=["manifest.csv"])
        self.assertEqual(
            [names.take(n) for n in ["MANIFEST.csv", "manifest.csv", "a"]],
            ["MANIFEST (2).csv", "manifest (3).csv", "a"],
        )
