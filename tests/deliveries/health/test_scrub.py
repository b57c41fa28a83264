"""The rolling scrub: least recently verified first, within N files or a time budget, recorded as it goes."""

import hashlib
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase, TransactionTestCase
from django.utils import timezone

from deliveries import health
from deliveries.health import scrub as scrub_module
from deliveries.models import FileMeta, MissingCopy, StoreCheckRun
from deliveries.stores import MemoryDeliveryStore, MirroredDeliveryStore
from deliveries.testhelpers import make_delivery
from tests.support.store_faults import run_checkstore, run_checkstore_json
from tests.support.store_mixins import SwappedStoreMixin


def bulk_files(store, delivery, count, size=64):
    """``count`` FileMeta rows made in bulk, their bytes put straight into a memory store; return their ids."""
    data = b"s" * size
    checksum = hashlib.sha256(data).hexdigest()
    rows = FileMeta.objects.bulk_create(
        (FileMeta(delivery=delivery, filename=f"{i}.txt", size=size, checksum=checksum) for i in range(count)),
        batch_size=5000,
    )
    pks = [row.pk for row in rows] if rows[0].pk else list(FileMeta.objects.order_by("pk").values_list("pk", flat=True))
    for pk in pks:
        store._objects[str(pk)] = data
    return pks


class FakeClock:
    """time.monotonic for the scrub: every file read advances it by ``step`` seconds."""

    def __init__(self, step):
        self.now, self.step = 1000.0, step

    def __call__(self):
        return self.now

    def tick(self):
        self.now += self.step


class TestScrubOrder(SwappedStoreMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.delivery = make_delivery("scrub")
        self.pks = bulk_files(self.store, self.delivery, 30)

    def test_never_verified_first_then_oldest(self):
        """Order: recorded missing copies, then never verified (by id), then oldest verification first."""
        now = timezone.now()
        FileMeta.objects.filter(pk=self.pks[0]).update(verified_at=now - timedelta(days=1))
        FileMeta.objects.filter(pk=self.pks[1]).update(verified_at=now - timedelta(days=3))
        FileMeta.objects.filter(pk__in=self.pks[2:28]).update(verified_at=now)
        MissingCopy.objects.create(key=str(self.pks[27]), copy="replica 1", store="s", reason="down")
        order = [pk for pk, _, _ in scrub_module.scrub_order()]
        self.assertEqual(order[:5], [self.pks[27], self.pks[28], self.pks[29], self.pks[1], self.pks[0]])
        self.assertEqual(sorted(order), sorted(self.pks))

    def test_oldest_n_records_outcome_and_time(self):
        """--oldest 10 verifies ten files, damaged ones recorded as such, and nothing else is touched."""
        self.store._objects[str(self.pks[3])] = b"damaged"
        del self.store._objects[str(self.pks[4])]
        before = timezone.now()
        status, doc = run_checkstore_json("--deep", "--oldest", "10")
        self.assertEqual(status, 1)
        self.assertEqual(doc["summary"]["files"], 10)
        self.assertEqual(doc["summary"]["stopped"], "oldest")
        self.assertEqual(
            sorted((p["code"], p["filemeta"]) for p in doc["problems"]),
            [("MISSING", self.pks[4]), ("SIZE_MISMATCH", self.pks[3])],
        )
        rows = dict(FileMeta.objects.filter(verified_at__gte=before).values_list("pk", "status"))
        self.assertEqual(sorted(rows), self.pks[:10])
        self.assertEqual(rows[self.pks[3]], FileMeta.Status.CORRUPT)
        self.assertEqual(rows[self.pks[4]], FileMeta.Status.MISSING)
        self.assertEqual(rows[self.pks[0]], FileMeta.Status.INTACT)
        self.assertFalse(FileMeta.objects.filter(pk__in=self.pks[10:], verified_at__isnull=False).exists())
        run = StoreCheckRun.objects.latest("started")
        self.assertEqual((run.level, run.options["oldest"], run.exit_code), ("deep", 10, 1))

    def test_successive_runs_cover_every_file_before_any_twice(self):
        """Runs of --oldest 7 verify all 30 files once before the first is verified again."""
        verified = []
        real = scrub_module._verify_copies

        def spy(copies, pk, *args):
            verified.append(pk)
            return real(copies, pk, *args)

        with mock.patch.object(scrub_module, "_verify_copies", spy):
            for _ in range(6):
                self.assertEqual(run_checkstore("--deep", "--oldest", "7")[0], 0)
        self.assertEqual(len(verified), 42)
        self.assertEqual(sorted(verified[:30]), sorted(self.pks))
        self.assertEqual(verified[30:], verified[:12])

    def test_unreadable_keeps_its_place(self):
        """A file that cannot be read is not recorded as verified: the next run takes it first again."""
        target = str(self.pks[0])
        real = MemoryDeliveryStore._read_open

        def failing(store, key):
            if key == target:
                raise OSError(5, "Input/output error")
            return real(store, key)

        with mock.patch.object(MemoryDeliveryStore, "_read_open", failing):
            status, doc = run_checkstore_json("--deep", "--oldest", "3")
        self.assertEqual((status, [p["code"] for p in doc["problems"]]), (1, ["UNREADABLE"]))
        row = FileMeta.objects.get(pk=self.pks[0])
        self.assertEqual((row.status, row.verified_at), (FileMeta.Status.UNVERIFIED, None))
        self.assertEqual(next(scrub_module.scrub_order())[0], self.pks[0])

    def test_budget_stops_within_the_budget_plus_one_file(self):
        """With each file taking 0.3 s (a fake clock), --budget 2s starts 7 files and ends by 2.1 s."""
        clock = FakeClock(0.3)
        real = scrub_module._verify_copies

        def slow(*args):
            clock.tick()
            return real(*args)

        with (
            mock.patch.object(scrub_module.time, "monotonic", clock),
            mock.patch.object(scrub_module, "_verify_copies", slow),
        ):
            status, doc = run_checkstore_json("--deep", "--budget", "2s")
        self.assertEqual((status, doc["summary"]["files"], doc["summary"]["stopped"]), (0, 7, "budget"))
        self.assertAlmostEqual(clock.now - 1000.0, 2.1)
        self.assertEqual(FileMeta.objects.filter(verified_at__isnull=False).count(), 7)

    def test_scrub_of_a_mirrored_store_checks_every_copy(self):
        """Each copy is verified; damage in one copy is a problem naming it, and --repair mends it."""
        replica = MemoryDeliveryStore()
        replica._objects = dict(self.store._objects)
        mirrored = MirroredDeliveryStore(self.store, [replica])
        replica._objects[str(self.pks[1])] = b"bad"
        with mock.patch.object(FileMeta, "deliverystore", mirrored):
            status, doc = run_checkstore_json("--deep", "--oldest", "5", "--repair")
        self.assertEqual(status, 0)
        self.assertEqual([(p["code"], p["copy"]) for p in doc["problems"]], [("SIZE_MISMATCH", "replica 1")])
        self.assertEqual([(r["filemeta"], r["outcome"]) for r in doc["repairs"]], [(self.pks[1], "repaired")])
        self.assertEqual(doc["summary"]["bytes_read"], 2 * 5 * 64 - 64 + 3)
        self.assertEqual(replica._objects[str(self.pks[1])], b"s" * 64)

    def test_shard(self):
        """--shard 2/3 scrubs only its slice of the files (id modulo 3 is 1), as a check would."""
        status, doc = run_checkstore_json("--deep", "--oldest", "100", "--shard", "2/3")
        self.assertEqual(status, 0)
        verified = set(FileMeta.objects.filter(verified_at__isnull=False).values_list("pk", flat=True))
        self.assertEqual(verified, {pk for pk in self.pks if pk % 3 == 1})
        self.assertEqual(doc["summary"]["files"], len(verified))

    def test_refusals(self):
        """--oldest and --budget need --deep and the configured store; bad values exit 2."""
        for args, message in (
            (["--oldest", "5"], "--oldest and --budget scrub with --deep"),
            (["--deep", "--oldest", "0"], "--oldest must be a whole number from 1 to"),
            (["--deep", "--budget", "soon"], "is not a duration"),
            (["--deep", "--budget", "1h", "--since", "2024-01-01"], "they take no --since"),
            (
                ["--deep", "--oldest", "3", "--backend", "deliveries.stores.MemoryDeliveryStore"],
                "no --since, --delete-orphans or --backend",
            ),
        ):
            with self.subTest(args=args), self.assertRaisesMessage(CommandError, message) as caught:
                call_command("checkstore", *args)
            self.assertEqual(caught.exception.returncode, 2)


class TestScrubThreads(SwappedStoreMixin, TransactionTestCase):
    def test_jobs_keep_the_order_and_the_limit(self):
        """With --jobs 3 the scrub verifies exactly N files, the least recently verified ones."""
        delivery = make_delivery("threads")
        pks = bulk_files(self.store, delivery, 20)
        FileMeta.objects.filter(pk__in=pks[:10]).update(verified_at=timezone.now())
        status, doc = run_checkstore_json("--deep", "--oldest", "10", "--jobs", "3")
        self.assertEqual((status, doc["summary"]["files"]), (0, 10))
        self.assertEqual(FileMeta.objects.filter(status=FileMeta.Status.INTACT).count(), 10)
        self.assertFalse(FileMeta.objects.filter(pk__in=pks[10:], verified_at__isnull=True).exists())


@pytest.mark.slow
class TestScrubAtScale(SwappedStoreMixin, TestCase):
    ROWS = 100_000

    def test_budget_over_100000_files(self):
        """100,000 files: --budget 2s runs stop on the budget and cover every file before any is verified twice."""
        delivery = make_delivery("scale")
        # 32 KiB each (one bytes object shared in memory): 3 GiB to hash, more than any 2 s can take.
        bulk_files(self.store, delivery, self.ROWS, size=32 * 1024)
        order, runs = [], []
        real = scrub_module._verify_copies

        def spy(copies, pk, *args):
            order.append(pk)
            return real(copies, pk, *args)

        with mock.patch.object(scrub_module, "_verify_copies", spy):
            while FileMeta.objects.filter(verified_at__isnull=True).exists():
                self.assertLess(len(runs), 100, "the scrub does not get through the files")
                report = health.scrub_store(self.store, budget=timedelta(seconds=2))
                runs.append((report.files, report.stopped, round(report.seconds, 2)))
        self.assertEqual([stopped for _, stopped, _ in runs], ["budget"] * len(runs))
        self.assertGreater(len(runs), 1)
        self.assertEqual(len(set(order[: self.ROWS])), self.ROWS)  # every file once before any twice
        self.assertEqual(sum(files for files, *_ in runs), len(order))
        # The bound itself (no file started after the budget) is pinned with a fake clock above.
        print(f"\n{self.ROWS:,} files, --budget 2s: (files, stopped, seconds) per run {runs}")
