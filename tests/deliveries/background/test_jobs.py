"""Starting background work from the admin, its progress page, and who may do what."""

import re
from datetime import timedelta

from django.contrib.admin import helpers
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from deliveries.background import JobProgress
from deliveries.models import BackgroundJob, FileMeta, StoreCheckRun
from deliveries.testhelpers import make_delivery
from tests.support.admin_fixtures import make_user
from tests.support.store_mixins import SwappedStoreMixin

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def history_of(objects):
    """Each object's history messages, oldest first."""
    return [
        list(
            LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
            .order_by("pk")
            .values_list("change_message", flat=True)
        )
        for obj in objects
    ]


def job_url(job):
    return reverse("admin:deliveries_backgroundjob_change", args=[job.pk])


class JobsTestMixin(SwappedStoreMixin):
    def setUp(self):
        super().setUp()
        delivery = make_delivery("jobs")
        self.files = [delivery.add_file(f"f{i}.txt", [f"file {i}\n".encode()]) for i in range(8)]
        delivery.finish()
        self.admin = make_user("root", superuser=True)
        self.client.force_login(self.admin)

    def verify_selected(self, files):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(
                reverse("admin:deliveries_filemeta_changelist"),
                {"action": "verify_selected", helpers.ACTION_CHECKBOX_NAME: [f.pk for f in files], "index": 0},
            )


@override_settings(DELIVERY_BACKGROUND_VERIFY_ABOVE=5)
class TestVerifySelected(JobsTestMixin, TestCase):
    def test_up_to_the_limit_is_verified_in_the_request(self):
        """Five files (the limit) are verified at once and reported as a message; no task is queued."""
        response = self.verify_selected(self.files[:5])
        self.assertRedirects(response, reverse("admin:deliveries_filemeta_changelist"))
        self.assertEqual(BackgroundJob.objects.count(), 0)
        self.assertEqual(DBTaskResult.objects.count(), 0)
        self.assertEqual(FileMeta.objects.filter(status="intact").count(), 5)

    def test_beyond_the_limit_is_queued_as_a_task(self):
        """Six files become a queued task for a worker: nothing is verified in the request."""
        response = self.verify_selected(self.files[:6])
        job = BackgroundJob.objects.get()
        self.assertRedirects(response, job_url(job))
        self.assertEqual((job.kind, job.state, job.total, job.requested_by), ("verify", "queued", 6, self.admin))
        self.assertEqual(job.filemetas, sorted(f.pk for f in self.files[:6]))
        task = DBTaskResult.objects.get()
        self.assertEqual(task.task_path, "deliveries.background.tasks.verify_files_task")
        self.assertEqual((str(task.pk), task.args_kwargs["args"]), (job.task_id, [job.pk]))
        self.assertEqual(FileMeta.objects.filter(status="unverified").count(), 8)

    @override_settings(TASKS=IMMEDIATE)
    def test_the_task_reports_what_the_request_would(self):
        """The task's outcome is the synchronous summary, word for word (one loop)."""
        self.store.remove(self.files[0].key)
        response = self.verify_selected(self.files)
        job = BackgroundJob.objects.get()
        self.assertEqual((job.state, job.done, job.total, job.ok), ("finished", 8, 8, False))
        self.assertEqual(job.outcome, "Verified 8 files: 7 intact, 1 missing, 0 corrupt.")
        self.assertContains(self.client.get(response.url), job.outcome)
        FileMeta.objects.update(status="unverified")
        with override_settings(DELIVERY_BACKGROUND_VERIFY_ABOVE=100):
            response = self.verify_selected(self.files)
        self.assertEqual([m.message for m in response.wsgi_request._messages], [job.outcome])

    @override_settings(TASKS=IMMEDIATE)
    def test_the_task_writes_the_history_the_request_would(self):
        """Each file's outcome goes into its history in the requester's name, from the task as from the request."""
        self.store.remove(self.files[0].key)
        self.verify_selected(self.files)  # eight: the task
        by_task = history_of(self.files)
        self.assertEqual(by_task[0], ["Verified f0.txt: missing (no bytes in the store)."])
        self.assertEqual(by_task[1], ["Verified f1.txt: intact (size and SHA-256 match)."])
        self.assertEqual(set(LogEntry.objects.values_list("user_id", flat=True)), {self.admin.pk})
        LogEntry.objects.all().delete()
        with override_settings(DELIVERY_BACKGROUND_VERIFY_ABOVE=100):
            self.verify_selected(self.files)  # the request
        self.assertEqual(history_of(self.files), by_task)

    @override_settings(TASKS=IMMEDIATE)
    def test_the_delivery_task_sums_up_in_the_delivery_history(self):
        """Verifying deliveries in the background also writes each delivery's summary, as in the request."""
        delivery = self.files[0].delivery
        self.store.remove(self.files[0].key)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                reverse("admin:deliveries_delivery_changelist"),
                {"action": "verify_selected", helpers.ACTION_CHECKBOX_NAME: [delivery.pk], "index": 0},
            )
        self.assertTrue(BackgroundJob.objects.get().per_delivery)
        self.assertEqual(history_of([delivery]), [["Verified 8 files: 7 intact, 1 missing, 0 corrupt."]])
        self.assertEqual(len(history_of(self.files)), 8)

    def test_delivery_action_uses_the_same_limit(self):
        """Verifying the files of selected deliveries beyond the limit is queued too."""
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("admin:deliveries_delivery_changelist"),
                {
                    "action": "verify_selected",
                    helpers.ACTION_CHECKBOX_NAME: [self.files[0].delivery_id],
                    "index": 0,
                },
            )
        job = BackgroundJob.objects.get()
        self.assertRedirects(response, job_url(job))
        self.assertEqual(job.total, 8)


class TestProgressPage(JobsTestMixin, TestCase):
    def make_job(self, **fields):
        return BackgroundJob.objects.create(**{"kind": "verify", "requested_by": self.admin, "total": 10, **fields})

    def test_states(self):
        """Queued, running and finished each say where the work stands; only unfinished work refreshes."""
        now = timezone.now()
        cases = [
            ({}, ["Waiting for a worker", "0 of 10 files (0%)"], True),
            ({"state": "running", "done": 3, "started_at": now}, ["Running", "3 of 10 files (30%)"], True),
            (
                {"state": "finished", "done": 10, "ok": True, "outcome": "Verified 10 files: 10 intact."},
                ["Finished", "Verified 10 files: 10 intact.", "10 of 10 files (100%)"],
                False,
            ),
            (
                {"state": "failed", "done": 4, "ok": False, "outcome": "Stopped by an unexpected error: boom"},
                ["Failed", "Stopped by an unexpected error: boom"],
                False,
            ),
        ]
        for fields, texts, refreshes in cases:
            with self.subTest(state=fields.get("state", "queued")):
                page = self.client.get(job_url(self.make_job(**fields)))
                for text in texts:
                    self.assertContains(page, text)
                self.assertEqual('http-equiv="refresh"' in page.text, refreshes)
                self.assertNotContains(page, "no worker seems to be running")
                inline = [tag for tag in re.findall(r"<script[^>]*>", page.text) if "src=" not in tag]
                self.assertEqual(inline, [], "no inline script: the page works under a strict CSP")

    @override_settings(DELIVERY_WORKER_WAIT=30)
    def test_no_worker(self):
        """Work queued longer than DELIVERY_WORKER_WAIT says that no worker runs and how to start one."""
        fresh = self.make_job(enqueued_at=timezone.now() - timedelta(seconds=20))
        stale = self.make_job(enqueued_at=timezone.now() - timedelta(seconds=40))
        self.assertNotContains(self.client.get(job_url(fresh)), "no worker seems to be running")
        page = self.client.get(job_url(stale))
        self.assertContains(page, "No worker has picked this up in 30 seconds: no worker seems")
        self.assertContains(page, "<code>manage.py db_worker</code>")

    @override_settings(DELIVERY_WORKER_WAIT=30)
    def test_stalled(self):
        """Running work without progress for ten times DELIVERY_WORKER_WAIT says its worker may have stopped."""
        now = timezone.now()
        moving = self.make_job(state="running", progressed_at=now - timedelta(seconds=200))
        stuck = self.make_job(state="running", progressed_at=now - timedelta(seconds=400))
        self.assertNotContains(self.client.get(job_url(moving)), 'id="job-stalled"')
        page = self.client.get(job_url(stuck))
        self.assertContains(page, 'id="job-stalled"')
        self.assertContains(page, "may have been stopped")

    def test_progress_in_bytes(self):
        """A deep check counts bytes read."""
        job = self.make_job(state="running", unit="bytes", done=1024 * 1024, total=4 * 1024 * 1024)
        self.assertContains(self.client.get(job_url(job)), "1.0\xa0MB of 4.0\xa0MB read (25%)")

    def test_job_progress_writes_the_row(self):
        """JobProgress records done and total; close() writes what update() held back."""
        job = self.make_job()
        bar = JobProgress(job, total=7, interval=3600)
        bar.update(2)
        bar.update(3)
        job.refresh_from_db()
        self.assertEqual((job.done, job.total), (0, 7))
        bar.close()
        job.refresh_from_db()
        self.assertEqual(job.done, 5)

    def test_who_sees_a_job(self):
        """Whoever started the work sees its page; other staff need the view permission."""
        job = self.make_job()
        other = make_user("other")
        self.client.force_login(other)
        self.assertEqual(self.client.get(job_url(job)).status_code, 403)
        mine = BackgroundJob.objects.create(kind="verify", requested_by=other, total=1)
        self.assertEqual(self.client.get(job_url(mine)).status_code, 200)
        self.client.force_login(make_user("viewer", perms=["view_backgroundjob"]))
        self.assertEqual(self.client.get(job_url(job)).status_code, 200)


class TestRunCheckNow(JobsTestMixin, TestCase):
    def start(self, client, level="light"):
        with self.captureOnCommitCallbacks(execute=True):
            return client.post(reverse("admin:deliveries_storecheckrun_start", args=[level]))

    def test_needs_the_permission(self):
        """Without deliveries.run_storecheck: no buttons, 403 and nothing queued; with it, a queued check."""
        health = reverse("admin:deliveries_storecheckrun_changelist")
        viewer = make_user("viewer", perms=["view_storecheckrun"])
        self.client.force_login(viewer)
        self.assertNotContains(self.client.get(health), "Run a light check now")
        self.assertEqual(self.start(self.client).status_code, 403)
        self.assertEqual(BackgroundJob.objects.count(), 0)
        runner = make_user("runner", perms=["view_storecheckrun", "run_storecheck"])
        self.client.force_login(runner)
        page = self.client.get(health)
        self.assertContains(page, "Run a light check now")
        self.assertContains(page, "Run a deep check now")
        text = page.text  # not inside the list's form: browsers drop a form nested in another
        self.assertLess(text.index('id="run-deep-check"'), text.index('id="changelist-form"'))
        response = self.start(self.client, "deep")
        job = BackgroundJob.objects.get()
        self.assertRedirects(response, job_url(job))
        self.assertEqual((job.kind, job.state, job.requested_by), ("deep", "queued", runner))
        self.assertEqual(DBTaskResult.objects.get().task_path, "deliveries.background.tasks.check_store_task")

    def test_post_with_csrf_only(self):
        """A GET is refused (405), and so is a POST without the CSRF token (403)."""
        url = reverse("admin:deliveries_storecheckrun_start", args=["light"])
        self.assertEqual(self.client.get(url).status_code, 405)
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(self.admin)
        self.assertEqual(self.start(strict).status_code, 403)
        self.assertEqual(BackgroundJob.objects.count(), 0)
        token_page = strict.get(reverse("admin:deliveries_storecheckrun_changelist"))
        token = token_page.context["csrf_token"]
        with self.captureOnCommitCallbacks(execute=True):
            response = strict.post(url, {"csrfmiddlewaretoken": str(token)})
        self.assertEqual(response.status_code, 302)

    def test_only_light_or_deep(self):
        """A probe, or any other level, cannot be started from the page."""
        self.assertEqual(self.start(self.client, "probe").status_code, 403)
        self.assertEqual(BackgroundJob.objects.count(), 0)

    @override_settings(TASKS=IMMEDIATE)
    def test_the_check_records_a_run(self):
        """A light check run as a task records its StoreCheckRun and links it from the page."""
        self.store.remove(self.files[1].key)
        response = self.start(self.client)
        job = BackgroundJob.objects.get()
        run = StoreCheckRun.objects.get()
        self.assertEqual((job.state, job.ok, job.check_run), ("finished", False, run))
        self.assertEqual(job.outcome, "Problems found: 8 files checked, MISSING 1.")
        self.assertEqual((run.level, run.exit_code, run.problems_total), ("light", 1, 1))
        self.assertEqual(FileMeta.objects.get(pk=self.files[1].pk).status, "missing")
        self.assertContains(
            self.client.get(response.url), reverse("admin:deliveries_storecheckrun_change", args=[run.pk])
        )
