"""deliveries.health on its own: levels, slices, ages, repair and records."""

import os
from datetime import timedelta
from unittest import mock

from django.test import SimpleTestCase, TestCase
from django.utils import timezone

from deliveries import health
from deliveries.health import Code, Problem, Shard
from deliveries.health.check import _confirm_orphans
from deliveries.integrity import verify, verify_filemeta
from deliveries.models import FileMeta, StoreCheckRun
from deliveries.stores import FsDeliveryStore, MemoryDeliveryStore, StoreFacts
from tests.support.store_faults import CONTENTS, STRAY_KEY, ReadFailingStore, StoreFaultsMixin, TempDirMixin


class TestShard(SimpleTestCase):
    def test_parse(self):
        """I/N parses 1-based; anything else is refused with the reason."""
        self.assertEqual(Shard.parse("2/4"), Shard(2, 4))
        for bad, message in (("0/4", "between 1 and N"), ("5/4", "between 1 and N"), ("1-4", "I/N"), ("a/b", "I/N")):
            with self.subTest(bad=bad), self.assertRaisesMessage(ValueError, message):
                Shard.parse(bad)

    def test_slices_cover_every_key_once(self):
        """Slices 1/N..N/N partition numeric and other keys alike."""
        keys = [str(n) for n in range(200)] + ["probe-ab", "_x", "0/000/.tmp-1-aa"]
        for n in (1, 2, 3, 7):
            with self.subTest(n=n):
                owners = [[s for s in range(1, n + 1) if Shard(s, n).owns(k)] for k in keys]
                self.assertTrue(all(len(o) == 1 for o in owners))
        self.assertTrue(Shard(3, 4).owns("6"))  # 6 % 4 == 2 -> slice 3


class TestReport(SimpleTestCase):
    def report(self, *codes, fail_on_orphans=False):
        problems = [Problem(code, str(i), i) for i, code in enumerate(codes)]
        return health.CheckReport("light", "S", "b", problems=problems, fail_on_orphans=fail_on_orphans)

    def test_ok_and_exit_code(self):
        """Errors fail; orphan-like problems fail only with fail_on_orphans."""
        cases = [
            ((), False, 0),
            ((Code.ORPHAN, Code.TEMP_LEFTOVER, Code.STRAY), False, 0),
            ((Code.ORPHAN,), True, 1),
            ((Code.MISSING,), False, 1),
            ((Code.SYMLINK,), False, 1),
            ((Code.HASH_MISMATCH, Code.ORPHAN), False, 1),
        ]
        for codes, fail_on_orphans, exit_code in cases:
            with self.subTest(codes=codes, fail_on_orphans=fail_on_orphans):
                report = self.report(*codes, fail_on_orphans=fail_on_orphans)
                self.assertEqual((report.exit_code, report.ok), (exit_code, exit_code == 0))

    def test_text_lists_errors_before_orphans(self):
        """Text output puts errors first, then orphans, then the summary with counts per code."""
        lines = self.report(Code.ORPHAN, Code.MISSING, Code.ORPHAN).text_lines()
        self.assertEqual([line.split()[0] for line in lines[:4]], ["PROBLEM", "MISSING", "ORPHAN", "ORPHAN"])
        self.assertIn("MISSING 1, ORPHAN 2", lines[4])
        self.assertEqual(lines[5], "3 problems (MISSING 1, ORPHAN 2): exit status 1")

    def test_json_shape(self):
        """as_dict: ok, summary with counts, problems with code, filemeta, key, detail."""
        doc = self.report(Code.ORPHAN).as_dict()
        self.assertEqual(set(doc), {"ok", "verdict", "summary", "problems"})
        self.assertEqual(
            doc["problems"],
            [
                {
                    "code": "ORPHAN",
                    "filemeta": 0,
                    "filename": "",
                    "delivery": None,
                    "delivery_label": "",
                    "group": None,
                    "group_label": "",
                    "key": "0",
                    "detail": "",
                }
            ],
        )
        self.assertEqual(
            doc["verdict"],
            "healthy, 1 problem (ORPHAN 1) that only waste space (fail with --fail-on-orphans): exit status 0",
        )
        self.assertEqual(doc["summary"]["counts"], {"ORPHAN": 1})


class ShelfStore(MemoryDeliveryStore):
    """A store the check has never heard of, whose facts a test chooses."""

    facts = StoreFacts("shelf", "in the basement", True, True, "SHELF_KEY")

    def health_facts(self):
        return self.facts


class TestFactsDecide(StoreFaultsMixin, TestCase):
    """What the store's facts say decides whether its listing can be trusted; the check reads nothing else."""

    def get_store(self):
        return ShelfStore()

    def test_present_place_is_checked(self):
        """Positive control: facts that say the place is there let the check run and find the files."""
        report = self.check()
        self.assertEqual((report.files, report.problems), (3, []))

    def test_place_missing_while_files_are_recorded(self):
        """A place that does not exist (a wrong setting) is not reported as every file missing."""
        self.store.facts = StoreFacts("shelf", "in the attic", False, True, "SHELF_KEY")
        for fm in self.files:
            self.store.remove(fm)
        with self.assertRaisesMessage(
            health.CheckUnavailable,
            "Cannot check ShelfStore: its shelf does not exist, yet files are recorded (is SHELF_KEY right?).",
        ):
            self.check(update_status=True)
        self.assertEqual(set(FileMeta.objects.values_list("status", flat=True)), {FileMeta.Status.UNVERIFIED})

    def test_place_missing_and_nothing_recorded(self):
        """A place not made yet, with no files recorded: an empty store, checked and clean."""
        self.store.facts = StoreFacts("shelf", "in the attic", False, True, "SHELF_KEY")
        FileMeta.objects.all().delete()
        self.assertTrue(self.check().ok)

    def test_unusable_place(self):
        """A place that is not usable at all: the store's own problem, whatever is recorded."""
        problem = "its shelf is a bookcase. Set SHELF_KEY to a shelf."
        self.store.facts = StoreFacts("shelf", "in the hall", False, False, "SHELF_KEY", problem)
        with self.assertRaisesMessage(health.CheckUnavailable, f"Cannot check ShelfStore: {problem}"):
            self.check()


class TestCheckStore(StoreFaultsMixin, TestCase):
    """The logic beneath the command, on the memory store."""

    def get_store(self):
        return MemoryDeliveryStore()

    def test_probe(self):
        """The probe round-trips and leaves nothing behind; a store that loses bytes fails it."""
        report = self.check(level="probe")
        self.assertEqual(report.problems, [])
        self.assertEqual([o.key for o in self.store.iter_objects()], [str(fm.pk) for fm in self.files])
        with mock.patch.object(self.store, "read_open", side_effect=OSError(5, "I/O error")):
            report = self.check(level="probe")
        self.assertEqual([p.code for p in report.problems], [Code.PROBE_FAILED])
        self.assertIn("I/O error", report.problems[0].detail)
        self.assertEqual(len(list(self.store.iter_objects())), 3)

    def test_probe_unwritable_store_is_unavailable(self):
        """A store that refuses the probe write cannot be checked."""
        with mock.patch.object(self.store, "write_open", side_effect=PermissionError(13, "read-only")):
            with self.assertRaisesMessage(health.CheckUnavailable, "Cannot write to MemoryDeliveryStore"):
                self.check(level="probe")

    def test_unreadable(self):
        """A read that fails in the deep check: UNREADABLE for that file, the others still checked."""
        real = self.store.read_open
        bad = str(self.files[0].pk)

        def read_open(key):
            if key == bad:
                raise OSError(5, "Input/output error")
            return real(key)

        with mock.patch.object(self.store, "read_open", side_effect=read_open):
            report = self.check(level="deep")
        self.assertEqual(self.codes(report), [("UNREADABLE", self.files[0].pk)])
        self.assertEqual(report.bytes_read, len(CONTENTS[1]) + len(CONTENTS[2]))

    def test_shards_split_the_work(self):
        """Each problem shows up in exactly one shard; together the shards check every file."""
        for fm in self.files:
            self.store.remove(fm)
        self.rewrite(STRAY_KEY, b"x")
        seen, files = [], 0
        for index in (1, 2):
            report = self.check(shard=Shard(index, 2))
            seen += self.codes(report)
            files += report.files
        self.assertEqual(files, 3)
        self.assertEqual(sorted(seen), sorted([("MISSING", fm.pk) for fm in self.files] + [("ORPHAN", None)]))

    def test_since_checks_only_recent_files(self):
        """Files created before --since are not checked, and their objects are not orphans."""
        old = self.files[0]
        FileMeta.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=30))
        self.store.remove(old)
        self.rewrite(self.files[1], b"short")
        report = self.check(since=timezone.now() - timedelta(days=1))
        self.assertEqual(self.codes(report), [("SIZE_MISMATCH", self.files[1].pk)])
        self.assertEqual(report.files, 2)

    def test_missing_confirmed_by_a_second_look(self):
        """Bytes that land after the listing (an upload finishing) are not reported missing."""
        fm = self.files[0]
        data = CONTENTS[0]
        self.store.remove(fm)
        real = self.store.iter_objects

        def listing_then_upload():
            yield from real()
            self.rewrite(fm, data)

        with mock.patch.object(self.store, "iter_objects", side_effect=listing_then_upload):
            report = self.check()
        self.assertEqual(report.problems, [])

    def test_orphan_whose_row_commits_meanwhile(self):
        """A listed key whose FileMeta appears after the rows were read is not an orphan."""
        report = self.check()
        self.assertEqual(report.problems, [])
        orphans = _confirm_orphans({str(self.files[0].pk): None, STRAY_KEY: "obj"})
        self.assertEqual(orphans, ["obj"])

    def test_deep_progress(self):
        """The progress callable gets the byte total and every byte."""
        bars = []

        class Bar:
            def __init__(self, total, unit, desc):
                self.total, self.unit, self.done, self.closed = total, unit, 0, False
                bars.append(self)

            def update(self, n=1):
                self.done += n

            def close(self):
                self.closed = True

        self.check(level="deep", progress=Bar)
        self.assertEqual(
            [(b.unit, b.total, b.done, b.closed) for b in bars],
            [("B", sum(map(len, CONTENTS)), sum(map(len, CONTENTS)), True)],
        )

    def test_record_run(self):
        """A run is recorded with its counts, outcome and problems (capped)."""
        self.store.remove(self.files[0])
        report = self.check(level="deep")
        with mock.patch.object(StoreCheckRun, "MAX_PROBLEMS", 0):
            run = health.record_run(report)
        run.refresh_from_db()
        self.assertEqual(
            (run.level, run.ok, run.exit_code, run.problems_total, run.problems), ("deep", False, 1, 1, [])
        )
        self.assertEqual(run.summary["counts"], {"MISSING": 1})
        self.assertEqual(run.backend, "")
        run = health.record_run(self.check())
        self.assertEqual(run.problems[0]["code"], "MISSING")


class TestAgesAndRepair(TempDirMixin, StoreFaultsMixin, TestCase):
    """Orphans in flight, and --delete-orphans, on the filesystem store (real modification times)."""

    def get_store(self):
        return FsDeliveryStore(root=os.path.join(self.tmpdir, "store"), fsync=False)

    def age(self, relpath, hours):
        path = os.path.join(self.store.root, relpath)
        stamp = (timezone.now() - timedelta(hours=hours)).timestamp()
        os.utime(path, (stamp, stamp), follow_symlinks=False)

    def test_young_orphans_are_in_flight(self):
        """Orphans and temporaries younger than min_age are counted as in flight, not reported."""
        self.rewrite(STRAY_KEY, b"upload in progress")
        open(os.path.join(self.store.root, self.leaf_dir(), ".tmp-5-aa"), "wb").close()
        report = health.check_store(self.store)
        self.assertEqual((report.problems, report.in_flight), ([], 2))
        self.assertIn("2 younger than --min-age left alone", report.text_lines()[-2])

    def test_delete_orphans_keeps_young_and_owned(self):
        """Old orphans and temporaries go; young ones, owned keys, symlinks and FileMeta bytes stay."""
        self.rewrite(STRAY_KEY, b"old orphan")
        self.age("987/654/987654321", 2)
        temp, link = f"{self.leaf_dir()}/.tmp-5-aa", f"{self.leaf_dir()}/{STRAY_KEY}"
        open(os.path.join(self.store.root, temp), "wb").close()
        self.age(temp, 2)
        os.symlink("/etc/hostname", os.path.join(self.store.root, link))
        report = health.check_store(self.store, min_age=timedelta(minutes=30))
        self.assertEqual(sorted(p.code for p in report.problems), [Code.ORPHAN, Code.SYMLINK, Code.TEMP_LEFTOVER])
        self.rewrite("987654322", b"young orphan")
        report.problems.append(Problem(Code.ORPHAN, "987654322"))
        report.problems.append(Problem(Code.ORPHAN, str(self.files[0].pk)))  # owned: a stale report
        result = health.delete_orphans(self.store, report, min_age=timedelta(minutes=30))
        self.assertEqual(sorted(result.removed), sorted([temp, STRAY_KEY]))
        self.assertEqual(
            sorted(result.kept),
            sorted([("987654322", "younger than --min-age"), (str(self.files[0].pk), "a FileMeta owns it now")]),
        )
        self.assertTrue(os.path.islink(os.path.join(self.store.root, link)))
        self.assertEqual(len(list(self.store.iter_objects())), 4)

    def test_delete_orphans_unknown_age(self):
        """Objects of unknown age are kept unless min_age is zero."""
        store = MemoryDeliveryStore()
        with store.write_open(STRAY_KEY) as writer:
            writer.write(b"x")
        report = health.check_store(store, min_age=timedelta(0))
        kept = health.delete_orphans(store, report)
        self.assertEqual((kept.removed, kept.kept[0][1]), ([], "age unknown (use --min-age 0 to remove)"))
        removed = health.delete_orphans(store, report, min_age=timedelta(0))
        self.assertEqual(removed.removed, [STRAY_KEY])
        self.assertEqual(list(store.iter_objects()), [])


class TestRecordStatuses(StoreFaultsMixin, TestCase):
    """What a check finds is recorded on the rows, for the admin, when asked."""

    def get_store(self):
        return MemoryDeliveryStore()

    def statuses(self):
        return dict(FileMeta.objects.values_list("pk", "status"))

    def test_deep_check_records_every_outcome(self):
        """Deep: intact, missing and corrupt rows get their status and verified_at; UNREADABLE keeps its status."""
        missing, corrupt, intact = self.files
        self.store.remove(missing)
        self.rewrite(corrupt, b"x" * corrupt.size)
        self.check(level="deep", update_status=True)
        self.assertEqual(self.statuses(), {missing.pk: "missing", corrupt.pk: "corrupt", intact.pk: "intact"})
        self.assertFalse(FileMeta.objects.filter(verified_at=None).exists())

    def test_light_check_records_only_what_it_can_see(self):
        """Light: missing and wrong sizes are recorded; nothing is called intact without reading it."""
        self.store.remove(self.files[0])
        self.rewrite(self.files[1], b"short")
        self.check(update_status=True)
        self.assertEqual(
            self.statuses(), {self.files[0].pk: "missing", self.files[1].pk: "corrupt", self.files[2].pk: "unverified"}
        )

    def test_without_update_status_rows_are_untouched(self):
        """A check of another store (update_status False) leaves the rows alone."""
        self.store.remove(self.files[0])
        self.check(level="deep")
        self.assertEqual(set(self.statuses().values()), {"unverified"})


class TestDeepUsesTheOneVerification(StoreFaultsMixin, TestCase):
    """checkstore --deep classifies through integrity.verify: the same outcome as "Verify now"."""

    def get_store(self):
        return ReadFailingStore(fail_after=5000)

    def test_same_outcomes(self):
        """Missing, corrupt and unreadable files get the deep code of verify's outcome; unreadable keeps its status."""
        gone, flipped, failing = self.files
        self.store.remove(gone)
        data = bytearray(CONTENTS[1])
        data[0] ^= 1
        self.rewrite(flipped, bytes(data))
        earlier = timezone.now() - timedelta(days=2)
        FileMeta.objects.update(status=FileMeta.Status.INTACT, verified_at=earlier)
        self.store.failing = True  # reads fail after 5,000 bytes: only the third file (1,280,000) is that long
        outcomes = {fm.pk: verify_filemeta(fm, save=False).outcome for fm in self.files}
        self.assertEqual(outcomes, {gone.pk: "missing", flipped.pk: "corrupt", failing.pk: "unreadable"})
        with mock.patch("deliveries.health.deep.verify", wraps=verify) as spy:
            report = self.check(level="deep", update_status=True)
        self.assertEqual([c.args[1] for c in spy.call_args_list], [str(flipped.pk), str(failing.pk)])
        self.assertEqual(
            self.codes(report), [("HASH_MISMATCH", flipped.pk), ("MISSING", gone.pk), ("UNREADABLE", failing.pk)]
        )
        [unreadable] = [p for p in report.problems if p.code == Code.UNREADABLE]
        self.assertEqual(unreadable.detail, "Input/output error")
        rows = dict(
            (pk, (status, at)) for pk, status, at in FileMeta.objects.values_list("pk", "status", "verified_at")
        )
        self.assertEqual(rows[failing.pk], ("intact", earlier))
        self.assertEqual([rows[gone.pk][0], rows[flipped.pk][0]], ["missing", "corrupt"])


class TestFilemetaId(SimpleTestCase):
    def test_only_ascii_decimal_keys_are_ids(self):
        """Decimal keys are FileMeta ids; probes, leftovers and other digits are not."""
        for key, expected in (
            ("42", 42),
            ("007", 7),
            ("probe-ab", None),
            ("0/000/.tmp-1", None),
            ("²", None),
            ("", None),
        ):
            with self.subTest(key=key):
                self.assertEqual(health.filemeta_id(key), expected)
        self.assertEqual([Shard(i, 2).owns("²") for i in (1, 2)].count(True), 1)  # hashed, never int()
