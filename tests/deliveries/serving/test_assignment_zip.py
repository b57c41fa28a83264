"""deliveries.serving.assignment_zip: an assignment's hand-ins as one streamed zip with a manifest."""

import csv
import hashlib
import io
import os
import tempfile
import zipfile

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from deliveries.models import FileMeta
from deliveries.serving.assignment_zip import MANIFEST_HEADER, AssignmentZip
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
from tests.support.admin_fixtures import HandedInAssignment, deliver, make_group, make_user
from tests.support.store_faults import ReadFailingStore

TOP = "zip-subject.p.oblig1"


def open_zip(archive):
    """The archive's bytes as a ZipFile, after checking every member's CRC."""
    zipped = zipfile.ZipFile(io.BytesIO(b"".join(archive.stream())))
    assert zipped.testzip() is None
    return zipped


def manifest(zipped):
    """The manifest's rows as dicts (the header checked)."""
    text = zipped.read(f"{TOP}/manifest.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == MANIFEST_HEADER, rows[0]
    return [dict(zip(MANIFEST_HEADER, row)) for row in rows[1:]]


class ZipMixin:
    store_class = MemoryDeliveryStore

    def setUp(self):
        super().setUp()
        self.store = self.enterContext(swap_deliverystore(FileMeta, self.store_class()))
        self.made = HandedInAssignment()
        self.superuser = make_user("root", superuser=True)
        self.unnamed_folder = f"group #{self.made.unnamed.pk} - Cyd Ng (cyd) [C-103]"
        self.rocket_folder = "Team Rocket - Amira Khan (amira) [C-101], Bo Li (bo) [C-102]"

    def zip_for(self, user, every=False):
        return open_zip(AssignmentZip(user, self.made.assignment, every=every))


class TestLayout(ZipMixin, TestCase):
    def test_last_delivery_of_each_group(self):
        """A folder per group named by the group and its students, holding its last finished delivery."""
        zipped = self.zip_for(self.superuser)
        self.assertEqual(
            zipped.namelist(),
            [
                f"{TOP}/{self.unnamed_folder}/=cmd.txt",
                f"{TOP}/{self.unnamed_folder}/hello.txt",
                f"{TOP}/{self.rocket_folder}/_CON.txt",
                f"{TOP}/{self.rocket_folder}/Report.pdf",
                f"{TOP}/{self.rocket_folder}/main.py",
                f"{TOP}/{self.rocket_folder}/report (2).pdf",
                f"{TOP}/Twins/a.txt",
                f"{TOP}/Twins (2)/a.txt",
                f"{TOP}/manifest.csv",
            ],
        )
        files = self.made.files["rocket-2"]
        self.assertEqual(zipped.read(f"{TOP}/{self.rocket_folder}/main.py"), files["main.py"])
        self.assertEqual(zipped.read(f"{TOP}/{self.rocket_folder}/report (2).pdf"), files["report.pdf"])
        self.assertEqual(zipped.read(f"{TOP}/Twins (2)/a.txt"), b"twin b")

    def test_every_delivery(self):
        """With every delivery, each finished delivery has its own folder inside its group's; unfinished ones never."""
        names = self.zip_for(self.superuser, every=True).namelist()
        rocket = [name for name in names if self.rocket_folder in name]
        self.assertEqual(
            rocket,
            [
                f"{TOP}/{self.rocket_folder}/delivery 1/main.py",
                f"{TOP}/{self.rocket_folder}/delivery 1/notes.txt",
                f"{TOP}/{self.rocket_folder}/delivery 2/_CON.txt",
                f"{TOP}/{self.rocket_folder}/delivery 2/Report.pdf",
                f"{TOP}/{self.rocket_folder}/delivery 2/main.py",
                f"{TOP}/{self.rocket_folder}/delivery 2/report (2).pdf",
            ],
        )
        self.assertFalse([name for name in names if "draft.txt" in name])

    def test_manifest(self):
        """A row per file (group, students, number, time, lateness, name, size, SHA-256, status, path) and per idle group."""
        rows = manifest(self.zip_for(self.superuser))
        self.assertEqual(
            [(row["group"], row["delivery"], row["filename"], row["status"]) for row in rows],
            [
                (f"group #{self.made.unnamed.pk}", "1", "'=cmd.txt", "included"),
                (f"group #{self.made.unnamed.pk}", "1", "hello.txt", "included"),
                ("Idle", "", "", "nothing delivered"),
                ("Team Rocket", "2", "CON.txt", "included"),
                ("Team Rocket", "2", "Report.pdf", "included"),
                ("Team Rocket", "2", "main.py", "included"),
                ("Team Rocket", "2", "report.pdf", "included"),
                ("Twins", "1", "a.txt", "included"),
                ("Twins", "1", "a.txt", "included"),
            ],
        )
        main = rows[5]
        data = self.made.files["rocket-2"]["main.py"]
        self.assertEqual(main["students"], "Amira Khan (amira) [C-101]; Bo Li (bo) [C-102]")
        self.assertEqual(main["late by"], "1 day 3 h")
        self.assertEqual((main["size"], main["SHA-256"]), (str(len(data)), hashlib.sha256(data).hexdigest()))
        self.assertEqual(main["path in zip"], f"{TOP}/{self.rocket_folder}/main.py")
        self.assertTrue(main["delivered at"].startswith(str(self.made.rocket_2.time_of_delivery.date())))
        self.assertEqual(rows[0]["late by"], "")  # on time

    def test_names_stay_inside(self):
        """Group and file names that could climb out of a folder or collide extract inside the archive's folder."""
        make_group(self.made.assignment, "../../etc", students=[("eve", "Eve", "../..", "")])
        make_group(self.made.assignment, "manifest.csv")
        deliver(self.made.assignment.groups.get(name="manifest.csv"), {"x.txt": b"x"}, at=self.made.deadline)
        zipped = self.zip_for(self.superuser)
        self.assertIn(f"{TOP}/manifest (2).csv/x.txt", zipped.namelist())
        self.assertEqual(zipped.read(f"{TOP}/manifest.csv")[:3], b"\xef\xbb\xbf")  # the manifest, not the group
        with tempfile.TemporaryDirectory() as tmp:
            zipped.extractall(tmp)
            for root, _, filenames in os.walk(tmp):
                for filename in filenames:
                    path = os.path.realpath(os.path.join(root, filename))
                    self.assertTrue(path.startswith(os.path.join(os.path.realpath(tmp), TOP) + os.sep), path)

    def test_queries_do_not_grow_with_groups(self):
        """The zip costs the same number of queries for 5 groups as for 25."""

        def queries():
            with CaptureQueriesContext(connection) as captured:
                b"".join(AssignmentZip(self.superuser, self.made.assignment).stream())
            return len(captured)

        few = queries()
        for n in range(20):
            group = make_group(self.made.assignment, f"extra {n}", students=[(f"s{n}", "S", str(n), f"X{n}")])
            deliver(group, {"f.txt": b"f"}, at=self.made.deadline)
        self.assertEqual(queries(), few)

    def test_streams_in_bounded_pieces(self):
        """However big the files, no piece the zip yields is much larger than a store chunk."""
        deliver(self.made.idle, {"big.bin": os.urandom(4 * 1024 * 1024)}, at=self.made.deadline)
        pieces = list(AssignmentZip(self.superuser, self.made.assignment).stream())
        self.assertGreater(sum(map(len, pieces)), 4 * 1024 * 1024)
        self.assertLessEqual(max(map(len, pieces)), FileMeta.deliverystore.chunk_size + 64 * 1024)


class TestWhoSeesWhat(ZipMixin, TestCase):
    def test_examiner_sees_own_groups(self):
        """An examiner's zip holds only the groups they examine, in folders and manifest."""
        zipped = self.zip_for(self.made.examiner)
        folders = {name.split("/")[1] for name in zipped.namelist()}
        self.assertEqual(folders, {"Team Rocket - Amira Khan (amira), Bo Li (bo)", "manifest.csv"})
        self.assertEqual({row["group"] for row in manifest(zipped)}, {"Team Rocket"})

    def test_anonymous_assignment_shows_candidate_ids(self):
        """On an anonymous assignment an examiner sees candidate ids only: no name, username or email anywhere."""
        self.made.assignment.anonymous = True
        self.made.assignment.save()
        zipped = self.zip_for(self.made.examiner, every=True)
        self.assertEqual(
            {name.split("/")[1] for name in zipped.namelist()}, {"Team Rocket - C-101, C-102", "manifest.csv"}
        )
        rows = manifest(zipped)
        self.assertEqual({row["students"] for row in rows}, {"C-101; C-102"})
        everything = "\n".join(zipped.namelist()) + zipped.read(f"{TOP}/manifest.csv").decode("utf-8-sig")
        for revealing in ("Amira", "Khan", "amira", "Bo Li", "(bo)", "example.org"):
            with self.subTest(revealing=revealing):
                self.assertNotIn(revealing, everything)

    def test_anonymous_assignment_administrator_sees_names(self):
        """Administrators see names and candidate ids on an anonymous assignment too."""
        self.made.assignment.anonymous = True
        self.made.assignment.save()
        names = self.zip_for(self.superuser).namelist()
        self.assertIn(f"{TOP}/{self.rocket_folder}/main.py", names)

    def test_no_visible_group(self):
        """A viewer who sees no group gets an archive with the manifest's header only."""
        zipped = self.zip_for(make_user("nobody"))
        self.assertEqual(zipped.namelist(), [f"{TOP}/manifest.csv"])
        self.assertEqual(manifest(zipped), [])


class UnreadableMixin:
    def setUp(self):
        super().setUp()
        self.main = FileMeta.objects.get(delivery=self.made.rocket_2, filename="main.py")
        self.hello = FileMeta.objects.get(delivery=self.made.unnamed_1, filename="hello.txt")

    def rows_by_file(self, zipped):
        return {(row["group"], row["filename"]): row for row in manifest(zipped)}


class TestMissingAndUnreadable(UnreadableMixin, ZipMixin, TestCase):
    store_class = staticmethod(lambda: ReadFailingStore(chunk_size=100))

    def test_missing_bytes_are_listed_and_left_out(self):
        """A file without bytes in the store is listed as missing and left out; the rest of the zip is whole."""
        self.store.remove(self.main)
        zipped = self.zip_for(self.superuser)
        self.assertNotIn(f"{TOP}/{self.rocket_folder}/main.py", zipped.namelist())
        self.assertIn(f"{TOP}/{self.rocket_folder}/Report.pdf", zipped.namelist())
        row = self.rows_by_file(zipped)[("Team Rocket", "main.py")]
        self.assertEqual(row["status"], "missing: the store has no bytes for it; left out")
        self.assertEqual(row["path in zip"], "")
        self.assertEqual(row["SHA-256"], self.main.checksum)

    def test_unreadable_bytes(self):
        """A store that fails at the first byte: listed as unreadable and left out; part way: cut short, and said so."""
        self.store.failing, self.store.only_keys, self.store.fail_after = True, {self.main.key}, 0
        zipped = self.zip_for(self.superuser)
        rows = self.rows_by_file(zipped)
        self.assertEqual(
            rows[("Team Rocket", "main.py")]["status"], "unreadable: the store could not be read; left out"
        )
        self.assertEqual(rows[("Team Rocket", "Report.pdf")]["status"], "included")
        self.assertNotIn(f"{TOP}/{self.rocket_folder}/main.py", zipped.namelist())
        self.store.fail_after = 300  # main.py is 900 bytes long, read 100 at a time
        zipped = self.zip_for(self.superuser)
        row = self.rows_by_file(zipped)[("Team Rocket", "main.py")]
        self.assertEqual(row["status"], "unreadable part way: cut short in the zip")
        self.assertEqual(zipped.read(row["path in zip"]), self.made.files["rocket-2"]["main.py"][:300])

    def test_changed_bytes_are_corrupt(self):
        """Bytes that differ from the recorded SHA-256 are included as stored and listed as corrupt."""
        with self.store.write_open(self.hello) as writer:
            writer.write(b"HELLO\n")  # same size, other bytes
        zipped = self.zip_for(self.superuser)
        row = self.rows_by_file(zipped)[(f"group #{self.made.unnamed.pk}", "hello.txt")]
        self.assertEqual(
            row["status"], "corrupt: its size or SHA-256 differs from the recorded one; included as stored"
        )
        self.assertEqual(zipped.read(row["path in zip"]), b"HELLO\n")
        # Positive control: the files left alone are included.
        self.assertEqual(self.rows_by_file(zipped)[("Team Rocket", "main.py")]["status"], "included")
