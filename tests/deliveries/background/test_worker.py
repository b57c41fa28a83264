"""Background work through a real worker process (``manage.py db_worker``) against the test database."""

import os
import shutil
import tempfile

from django.contrib.admin import helpers
from django.test import TransactionTestCase, override_settings
from django.urls import reverse

from deliveries.models import BackgroundJob, FileMeta, StoreCheckRun
from deliveries.stores import FsDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery
from tests.support.admin_fixtures import make_user
from tests.support.store_faults import run_checkstore
from tests.support.worker import run_worker_batch

FILES = 12


class WorkerTestMixin:
    """An FsDeliveryStore in a temporary directory, shared with the worker; FILES files, one corrupted on disk."""

    def setUp(self):
        super().setUp()
        self.root = tempfile.mkdtemp(prefix="worker-store-")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.store = FsDeliveryStore(root=self.root, fsync=False)
        self.enterContext(swap_deliverystore(FileMeta, self.store))
        delivery = make_delivery("worker")
        self.files = [delivery.add_file(f"file{i:02}.txt", [f"contents of file {i}\n".encode()]) for i in range(FILES)]
        delivery.finish()
        self.corrupt(self.files[3])
        self.admin = make_user("root", superuser=True)
        self.client.force_login(self.admin)

    def corrupt(self, filemeta):
        """Flip the bytes of ``filemeta`` on disk, keeping their size."""
        for dirpath, _, names in os.walk(self.root):
            if filemeta.key in names:
                path = os.path.join(dirpath, filemeta.key)
                with open(path, "rb") as f:
                    data = f.read()
                with open(path, "wb") as f:
                    f.write(data.swapcase())
                return
        raise AssertionError(f"{filemeta.key} is not in {self.root}")


@override_settings(DELIVERY_BACKGROUND_VERIFY_ABOVE=5)
class TestWorker(WorkerTestMixin, TransactionTestCase):
    def start_verification(self):
        response = self.client.post(
            reverse("admin:deliveries_filemeta_changelist"),
            {"action": "verify_selected", helpers.ACTION_CHECKBOX_NAME: [f.pk for f in self.files], "index": 0},
        )
        job = BackgroundJob.objects.get()
        self.assertRedirects(response, reverse("admin:deliveries_backgroundjob_change", args=[job.pk]))
        return job

    def test_verify_selected_runs_in_a_worker(self):
        """Verify selected beyond the limit waits for a worker; db_worker verifies and records every file."""
        job = self.start_verification()
        page = self.client.get(reverse("admin:deliveries_backgroundjob_change", args=[job.pk]))
        self.assertContains(page, "Waiting for a worker")
        self.assertContains(page, '<meta http-equiv="refresh" content="2">', html=False)
        self.assertEqual(FileMeta.objects.filter(status="unverified").count(), FILES)

        run_worker_batch(self.root)

        job.refresh_from_db()
        self.assertEqual((job.state, job.done, job.total, job.ok), ("finished", FILES, FILES, False))
        summary = f"Verified {FILES} files: {FILES - 1} intact, 0 missing, 1 corrupt."
        self.assertEqual(job.outcome, summary)
        statuses = dict(FileMeta.objects.values_list("pk", "status"))
        self.assertEqual(statuses.pop(self.files[3].pk), "corrupt")
        self.assertEqual(set(statuses.values()), {"intact"})
        page = self.client.get(reverse("admin:deliveries_backgroundjob_change", args=[job.pk]))
        self.assertContains(page, summary)
        self.assertContains(page, f"{FILES} of {FILES} files")
        self.assertNotContains(page, 'http-equiv="refresh"')

    def test_check_from_the_health_page_records_what_checkstore_records(self):
        """Run a deep check now, done by the worker, records the same run as checkstore --deep."""
        response = self.client.post(reverse("admin:deliveries_storecheckrun_start", args=["deep"]))
        job = BackgroundJob.objects.get()
        self.assertRedirects(response, reverse("admin:deliveries_backgroundjob_change", args=[job.pk]))

        run_worker_batch(self.root)

        job.refresh_from_db()
        from_page = job.check_run
        self.assertIsNotNone(from_page)
        self.assertEqual((job.state, job.ok, job.unit), ("finished", False, "bytes"))
        self.assertEqual(job.done, sum(f.size for f in self.files))
        self.assertEqual(job.outcome, f"Problems found: {FILES} files checked, HASH_MISMATCH 1.")

        status, _ = run_checkstore("--deep")
        from_command = StoreCheckRun.objects.exclude(pk=from_page.pk).get()
        self.assertEqual(status, from_command.exit_code)
        for field in ("level", "backend", "store", "ok", "exit_code", "problems", "problems_total", "error"):
            with self.subTest(field=field):
                self.assertEqual(getattr(from_page, field), getattr(from_command, field))
        self.assertEqual(from_page.summary["files"], from_command.summary["files"])
        page = self.client.get(reverse("admin:deliveries_backgroundjob_change", args=[job.pk]))
        self.assertContains(page, reverse("admin:deliveries_storecheckrun_change", args=[from_page.pk]))
