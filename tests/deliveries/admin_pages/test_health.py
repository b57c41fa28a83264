"""The admin's Store health page."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from deliveries.admin_pages.health import CHART_HEIGHT, chart_bars, verification_coverage
from deliveries.models import FileMeta, MissingCopy, StoreCheckRun


def make_run(minutes_ago, ok=True, exit_code=0, problems_total=0, **fields):
    started = timezone.now() - timedelta(minutes=minutes_ago)
    return StoreCheckRun.objects.create(
        started=started,
        finished=started + timedelta(seconds=2),
        level="light",
        backend="b",
        store="FsDeliveryStore at /srv",
        ok=ok,
        exit_code=exit_code,
        problems_total=problems_total,
        **fields,
    )


class TestStoreHealthPage(TestCase):
    def setUp(self):
        admin = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
        self.client.force_login(admin)
        self.url = reverse("admin:deliveries_storecheckrun_changelist")

    def test_empty(self):
        """With no run yet the page says how to run one."""
        response = self.client.get(self.url)
        self.assertContains(response, "<h1>Store health</h1>", html=True)
        self.assertContains(response, "No store check has run yet.")

    def test_latest_history_and_chart(self):
        """The latest run leads, with its counts; the chart has one bar per run; the history lists them all."""
        make_run(30)
        make_run(20, exit_code=2, ok=False, error="Cannot list FsDeliveryStore at /srv")
        latest = make_run(
            10,
            ok=False,
            exit_code=1,
            problems_total=3,
            summary={"files": 12, "bytes_read": 0, "seconds": 0.1, "counts": {"MISSING": 2, "ORPHAN": 1}},
            problems=[{"code": "MISSING", "key": "7", "filemeta": 7, "detail": "no bytes in the store"}],
        )
        response = self.client.get(self.url)
        self.assertContains(response, 'Latest run: <span class="storehealth-failed">failed</span>')
        self.assertContains(response, "<li><code>MISSING</code>: 2</li>", html=True)
        self.assertContains(response, '<rect class="storehealth-', count=3)
        self.assertContains(response, "</title></rect>", count=3)
        self.assertContains(response, 'class="field-outcome"', count=3)
        detail = self.client.get(reverse("admin:deliveries_storecheckrun_change", args=[latest.pk]))
        self.assertContains(detail, "<td>no bytes in the store</td>", html=True)
        mirrored = make_run(
            1, problems=[{"code": "MISSING", "key": "7", "filemeta": 7, "detail": "no bytes", "copy": "replica 1"}]
        )
        detail = self.client.get(reverse("admin:deliveries_storecheckrun_change", args=[mirrored.pk]))
        self.assertContains(detail, "<td>in replica 1: no bytes</td>", html=True)

    def test_problems_lead_to_the_file(self):
        """A run's problems link the file, its delivery and its group; the summary is a table of words."""
        from io import StringIO

        from django.core.management import CommandError, call_command

        from deliveries.models import FileMeta
        from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
        from deliveries.testhelpers import make_delivery

        store = MemoryDeliveryStore()
        with swap_deliverystore(FileMeta, store):
            fm = make_delivery("page").add_file("report.pdf", [b"%PDF"])
            store.remove(fm)
            with self.assertRaises(CommandError):
                call_command("checkstore", stdout=StringIO())
        run = StoreCheckRun.objects.get()
        group = fm.delivery.assignment_group
        detail = self.client.get(reverse("admin:deliveries_storecheckrun_change", args=[run.pk]))
        for url, text in (
            (reverse("admin:deliveries_filemeta_change", args=[fm.pk]), f"report.pdf (#{fm.pk})"),
            (reverse("admin:deliveries_delivery_change", args=[fm.delivery_id]), "delivery #1"),
            (reverse("admin:deliveries_assignmentgroup_change", args=[group.pk]), str(group)),
        ):
            with self.subTest(text=text):
                self.assertContains(detail, f'<a href="{url}">{text}</a>', html=True)
        self.assertContains(detail, '<tr><th scope="row">Files checked</th><td>1</td></tr>', html=True)
        self.assertContains(detail, '<tr><th scope="row">Problems: MISSING</th><td>1</td></tr>', html=True)
        self.assertNotContains(detail, '"files": 1')  # no raw JSON

    def test_problems_of_older_runs(self):
        """A problem recorded with the file's id alone still links to the file; one about no file links nothing."""
        run = make_run(
            5,
            ok=False,
            exit_code=1,
            problems=[
                {"code": "MISSING", "key": "7", "filemeta": 7, "detail": "gone"},
                {"code": "ORPHAN", "key": "9", "filemeta": None, "detail": "3 bytes"},
            ],
        )
        detail = self.client.get(reverse("admin:deliveries_storecheckrun_change", args=[run.pk]))
        url = reverse("admin:deliveries_filemeta_change", args=[7])
        self.assertContains(detail, f'<a href="{url}">file (#7)</a>', html=True)
        self.assertContains(
            detail, "<td>ORPHAN</td><td>-</td><td>-</td><td>-</td><td>9</td><td>3 bytes</td>", html=True
        )

    def test_read_only(self):
        """Runs are records: no add page, no saving."""
        run = make_run(5)
        self.assertEqual(self.client.get(reverse("admin:deliveries_storecheckrun_add")).status_code, 403)
        self.client.post(reverse("admin:deliveries_storecheckrun_change", args=[run.pk]), {"level": "deep"})
        run.refresh_from_db()
        self.assertEqual(run.level, "light")


class TestChartBars(TestCase):
    def test_heights(self):
        """Oldest on the left; healthy runs short, more problems taller, unavailable full height."""
        runs = [make_run(1, ok=False, exit_code=1, problems_total=100), make_run(2, ok=False, exit_code=2), make_run(3)]
        bars = chart_bars(runs)
        self.assertEqual([b["outcome"] for b in bars], ["ok", "unavailable", "failed"])
        self.assertEqual([b["height"] for b in bars], [4, CHART_HEIGHT, CHART_HEIGHT])
        self.assertEqual([b["x"] for b in bars], [0, 18, 36])
        self.assertEqual(chart_bars([]), [])


class TestVerificationCoverage(TestCase):
    def setUp(self):
        from deliveries.testhelpers import make_delivery

        admin = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
        self.client.force_login(admin)
        delivery = make_delivery("coverage")
        now = timezone.now()
        ages = [None, None, 1, 6, 10, 29, 45, 89, 120, 400]
        for i, days in enumerate(ages):
            FileMeta.objects.create(
                delivery=delivery,
                filename=f"{i}.txt",
                size=0,
                checksum="",
                verified_at=None if days is None else now - timedelta(days=days),
            )
        self.now = now

    def test_counts(self):
        """Files verified in the last 7/30/90 days, the never verified and the oldest verification."""
        coverage = verification_coverage(self.now)
        self.assertEqual(
            [(p["days"], p["count"], p["percent"]) for p in coverage["periods"]],
            [(7, 2, 20.0), (30, 4, 40.0), (90, 6, 60.0)],
        )
        self.assertEqual((coverage["total"], coverage["never"], coverage["oldest_days"]), (10, 2, 400))

    def test_page_shows_coverage_and_missing_copies(self):
        """The Store health page says it in words, and asks for a repair when copies are missing."""
        MissingCopy.objects.create(key="1", copy="replica 1", store="S3", reason="down")
        response = self.client.get(reverse("admin:deliveries_storecheckrun_changelist"))
        self.assertContains(response, "<tr><td>30 days</td><td>4</td><td>40.0%</td></tr>", html=True)
        self.assertContains(response, "(400 days ago)")
        self.assertContains(response, "2 files never verified.")
        self.assertContains(response, "1 file lacks a copy: a store could not be reached when it was handed in.")
        self.assertContains(response, "<code>manage.py checkstore --deep --repair</code>", html=True)

    def test_empty_store(self):
        """With no files the section says so (positive control for the counts above)."""
        FileMeta.objects.all().delete()
        response = self.client.get(reverse("admin:deliveries_storecheckrun_changelist"))
        self.assertContains(response, "<p>No files yet.</p>", html=True)
        self.assertNotContains(response, "never verified")
