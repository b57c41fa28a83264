"""deliveries.seeding.demo: the realistic demo, its determinism, and refusing to double-seed."""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from unittest import mock

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.test import SimpleTestCase, TestCase

from deliveries import health
from deliveries.identical import same_bytes
from deliveries.models import Assignment, AssignmentGroup, Candidate, Delivery, FileMeta, Period, Subject
from deliveries.seeding import demo as seeding
from deliveries.seeding.contents import KINDS, ContentPool
from deliveries.stores import MARKER_KEY
from tests.support import PROJECT_ROOT
from tests.support.store_mixins import SwappedStoreMixin

ROOT = str(PROJECT_ROOT)


class TestSeedDemo(SwappedStoreMixin, TestCase):
    def test_small_demo_is_realistic(self):
        """Every level is there, groups have candidates and an examiner, deliveries fall in their assignment's weeks."""
        report = seeding.seed_demo("small", seed=1)
        size = seeding.SIZES["small"]
        self.assertEqual(Subject.objects.count(), size.subjects)
        self.assertEqual(AssignmentGroup.objects.count(), size.subjects * size.periods * size.assignments * size.groups)
        for group in AssignmentGroup.objects.prefetch_related("candidates", "examiners", "deliveries"):
            with self.subTest(group=group.pk):
                self.assertTrue(size.members[0] <= group.candidates.count() <= size.members[1])
                self.assertIn(group.examiners.count(), (1, 2))
                self.assertEqual(
                    sorted(d.number for d in group.deliveries.all()), list(range(1, group.last_delivery_number + 1))
                )
        for delivery in Delivery.objects.select_related("assignment_group__assignment"):
            assignment = delivery.assignment_group.assignment
            self.assertGreater(delivery.time_of_delivery, assignment.publishing_time)
            self.assertIn(delivery.delivered_by, delivery.assignment_group.candidates.all())
        self.assertEqual(report.files, FileMeta.objects.count())
        self.assertEqual(report.counts["deliveries"], Delivery.objects.count())

    def test_deadlines_lateness_and_examiners(self):
        """Deadlines everywhere, some extensions, late and on-time deliveries, groups with nothing, examiners of several groups."""
        seeding.seed_demo("small", seed=1, examiner_password="demo-pass-1")
        self.assertFalse(Assignment.objects.filter(first_deadline__isnull=True).exists())
        extended = AssignmentGroup.objects.filter(deadline__isnull=False).select_related("assignment")
        self.assertTrue(extended)
        for group in extended:
            self.assertGreater(group.deadline, group.assignment.first_deadline)
        self.assertTrue(Delivery.objects.late().exists())
        self.assertTrue(Delivery.objects.on_time().exists())
        counts = AssignmentGroup.objects.hand_in_counts()
        self.assertTrue(all(counts.values()), counts)
        examiners = get_user_model().objects.filter(examiner_groups__isnull=False).distinct()
        self.assertEqual(examiners.count(), seeding.SIZES["small"].examiners)
        for examiner in examiners:
            with self.subTest(examiner=examiner.username):
                self.assertTrue(examiner.is_staff and examiner.first_name and examiner.last_name)
                self.assertGreater(examiner.examiner_groups.count(), 1)
                self.assertFalse(examiner.user_permissions.exists() or examiner.is_superuser)
        self.assertTrue(AssignmentGroup.objects.annotate(n=Count("examiners")).filter(n=2).exists())

    def test_anonymous_exam_per_period(self):
        """The last assignment of each period is an anonymous exam whose candidates have ids unique in it; others have none."""
        seeding.seed_demo("small", seed=2)
        for period in Period.objects.all():
            with self.subTest(period=str(period)):
                exams = list(period.assignments.filter(anonymous=True))
                self.assertEqual([a.short_name for a in exams], ["exam"])
                ids = list(
                    Candidate.objects.filter(assignment_group__assignment=exams[0]).values_list(
                        "candidate_id", flat=True
                    )
                )
                self.assertTrue(ids and all(ids))
                self.assertEqual(len(ids), len(set(ids)))
        self.assertFalse(
            Candidate.objects.filter(assignment_group__assignment__anonymous=False).exclude(candidate_id="").exists()
        )

    def test_examiners_log_in_students_cannot(self):
        """The examiners' password is the one given, or one generated per run; demo students have no usable password."""
        report = seeding.seed_demo("small", seed=3, examiner_password="demo-pass-3")
        User = get_user_model()
        self.assertEqual(report.examiner_password, "demo-pass-3")
        self.assertEqual(
            sorted(report.examiners), sorted(User.objects.filter(is_staff=True).values_list("username", flat=True))
        )
        for username in report.examiners:
            self.assertTrue(User.objects.get(username=username).check_password("demo-pass-3"))
        student = User.objects.filter(candidacies__isnull=False).first()
        self.assertFalse(student.has_usable_password())
        generated = seeding.seed_demo("small", seed=3, append=True)
        self.assertGreaterEqual(len(generated.examiner_password), 12)
        self.assertNotEqual(generated.examiner_password, "demo-pass-3")
        self.assertTrue(User.objects.get(username=generated.examiners[0]).check_password(generated.examiner_password))

    def test_files_are_intact_and_varied(self):
        """Every file's bytes are in the store with the recorded size and SHA-256; the kinds students hand in are there."""
        report = seeding.seed_demo("small", seed=2)
        check = health.check_store(self.store, level="deep")
        self.assertEqual((check.ok, check.problems, check.files), (True, [], report.files))
        self.assertEqual(check.bytes_read, report.bytes)
        types = set(FileMeta.objects.values_list("content_type", flat=True))
        for expected in ("text/x-python", "application/pdf", "image/png", "application/zip"):
            self.assertIn(expected, types)
        for fm in FileMeta.objects.select_related("delivery"):
            self.assertEqual(fm.created, fm.delivery.time_of_delivery)

    def test_a_few_files_are_handed_in_by_several_groups(self):
        """Three solutions are shared byte for byte: two groups of one assignment, the first also in the next one."""
        seeding.seed_demo("small", seed=3)
        admin = get_user_model().objects.create_superuser("root")
        copies = FileMeta.objects.filter(filename__in=seeding.COPIED_NAMES).select_related("delivery__assignment_group")
        by_checksum = {}
        for copy in copies:
            by_checksum.setdefault(copy.checksum, []).append(copy)
        self.assertEqual(sorted(len(found) for found in by_checksum.values()), [2, 2, 3])
        for found in by_checksum.values():
            with self.subTest(files=[f.filename for f in found]):
                self.assertEqual(len({f.delivery.assignment_group_id for f in found}), len(found))
                matches, _ = same_bytes(admin, found[0])
                self.assertEqual({m.filemeta for m in matches} & set(found), set(found[1:]))
                self.assertTrue(matches[0].same_assignment)

    def test_refuses_to_double_seed(self):
        """A second seed is refused; --append adds a batch with its own names."""
        seeding.seed_demo("small")
        files = FileMeta.objects.count()
        with self.assertRaisesMessage(
            seeding.SeedError, "The database holds a demo already (2 subjects). Pass --append"
        ):
            seeding.seed_demo("small")
        self.assertEqual(FileMeta.objects.count(), files)
        seeding.seed_demo("small", append=True)
        seeding.seed_demo("small", append=True)
        self.assertEqual(
            sorted(Subject.objects.values_list("short_name", flat=True)),
            ["in2010", "in2010-b2", "in2010-b3", "inf1000", "inf1000-b2", "inf1000-b3"],
        )
        self.assertEqual(health.check_store(self.store).problems, [])

    def test_flush(self):
        """flush_demo removes the subjects, everything below, the demo's users and their bytes; other users stay."""
        get_user_model().objects.create_user("someone-real")
        seeding.seed_demo("small")
        self.assertEqual(
            seeding.demo_counts()["demo users"], seeding.SIZES["small"].students + seeding.SIZES["small"].examiners
        )
        with self.captureOnCommitCallbacks(execute=True):
            seeding.flush_demo()
        self.assertTrue(seeding.demo_is_empty())
        self.assertEqual(seeding.demo_counts(), {"subjects": 0, "files": 0, "demo users": 0})
        self.assertEqual(list(get_user_model().objects.values_list("username", flat=True)), ["someone-real"])
        self.assertEqual(list(self.store.iter_objects()), [])

    def test_failure_leaves_nothing(self):
        """A store failing half way: no rows and no bytes remain."""
        real = self.store.write_open
        calls = []

        def failing(filemeta):
            calls.append(filemeta)
            if len(calls) == 10:
                raise OSError(28, "No space left on device")
            return real(filemeta)

        with mock.patch.object(self.store, "write_open", side_effect=failing):
            with self.assertRaisesMessage(OSError, "No space left on device"):
                seeding.seed_demo("small")
        self.assertTrue(seeding.demo_is_empty())
        self.assertEqual((FileMeta.objects.count(), get_user_model().objects.count()), (0, 0))
        self.assertEqual(list(self.store.iter_objects()), [])

    def test_unknown_size(self):
        """An unknown size names the sizes there are."""
        with self.assertRaisesMessage(
            seeding.SeedError, "Unknown demo size 'huge'; choose one of small, medium, large."
        ):
            seeding.seed_demo("huge")

    def test_progress(self):
        """The progress callable sees every file written."""
        updates = []

        class Bar:
            def __init__(self, total, unit, desc):
                updates.append(("total", total))

            def update(self, n=1):
                updates.append(n)

            def close(self):
                updates.append("closed")

        report = seeding.seed_demo("small", progress=Bar)
        self.assertEqual(updates[0], ("total", report.files))
        self.assertEqual(updates[1:], [1] * report.files + ["closed"])


class TestDemoContents(SimpleTestCase):
    def test_same_seed_same_bytes(self):
        """Each kind's generator gives the same bytes for the same random, different ones for another."""
        import random

        for kind, (generate, _names) in KINDS.items():
            with self.subTest(kind=kind):
                self.assertEqual(generate(random.Random(5)), generate(random.Random(5)))
                self.assertNotEqual(generate(random.Random(5)), generate(random.Random(6)))

    def test_contents_are_what_they_claim(self):
        """PDFs, PNGs and zips open as such; the pool records size and SHA-256 of its bytes."""
        import io
        import random
        import zipfile

        from PIL import Image

        pool = ContentPool(random.Random(0), variants=2)
        pdf, image, archive = pool.pick("pdf"), pool.pick("image"), pool.pick("zip")
        self.assertTrue(pdf.data.startswith(b"%PDF-1.4") and pdf.data.rstrip().endswith(b"%%EOF"))
        self.assertEqual(Image.open(io.BytesIO(image.data)).format, "PNG")
        self.assertIn("project/src/main.py", zipfile.ZipFile(io.BytesIO(archive.data)).namelist())
        for content in (pdf, image, archive):
            self.assertEqual(
                (content.size, content.checksum), (len(content.data), hashlib.sha256(content.data).hexdigest())
            )


def seed_fresh_database(seed, size="small"):
    """Migrate a fresh SQLite database and filesystem store in a temp dir, seed it in a child process; return (rows, bytes)."""
    with tempfile.TemporaryDirectory(prefix="seed-determinism-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "DELIVERY_STORE_BACKEND": "deliveries.stores.FsDeliveryStore",
            "DELIVERY_STORE_ROOT": f"{tmp}/store",
            "DELIVERY_STORE_FSYNC": "off",
        }
        manage = [sys.executable, os.path.join(ROOT, "manage.py")]
        # The same password: a generated one (the default) differs per run, and its hash with it.
        seed_args = ["seedfactory", "--seed", str(seed), "--size", size, "--examiner-password", "determinism"]
        for args in (["migrate", "-v0"], seed_args):
            subprocess.run([*manage, *args], env=env, cwd=ROOT, check=True, capture_output=True)
        dump = subprocess.run(
            [*manage, "dumpdata", "deliveries", "auth.user", "--indent", "1"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        stored = {}
        for dirpath, _, filenames in os.walk(f"{tmp}/store"):
            for name in filenames:
                if name == MARKER_KEY:
                    continue  # the store's own id: different in every store, on purpose
                with open(os.path.join(dirpath, name), "rb") as f:
                    stored[name] = hashlib.sha256(f.read()).hexdigest()
        return json.loads(dump), stored


class TestDeterminism(SimpleTestCase):
    def test_same_seed_same_data_across_fresh_databases(self):
        """Two fresh databases seeded with one seed hold the same rows and the same bytes; another seed differs."""
        rows_a, bytes_a = seed_fresh_database(11)
        rows_b, bytes_b = seed_fresh_database(11)
        self.assertGreater(len(bytes_a), 40)
        self.assertEqual(rows_a, rows_b)
        self.assertEqual(bytes_a, bytes_b)
        rows_c, bytes_c = seed_fresh_database(12)
        self.assertNotEqual(rows_a, rows_c)
        self.assertNotEqual(bytes_a, bytes_c)
