"""Deliveries and files are records: nothing on them is edited in the admin, and what changes state is in the history."""

import datetime

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from deliveries.models import Assignment, AssignmentGroup, Delivery, FileMeta
from tests.support.admin_fixtures import AdminFixtureMixin, make_user
from tests.support.store_faults import ReadFailingStore


def history(obj):
    """The change messages in ``obj``'s admin history, oldest first."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk), action_flag=CHANGE
    ).order_by("pk")
    return [entry.get_change_message() for entry in entries]


class TestDeliveryIsARecord(AdminFixtureMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.login(self.superuser)
        self.url = reverse("admin:deliveries_delivery_change", args=[self.first.pk])

    def test_change_form_has_no_inputs(self):
        """Group, number, time, delivered by and successful are shown, none as an input, with no Save button."""
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "View delivery")
        for name in ("assignment_group", "number", "time_of_delivery", "delivered_by", "successful"):
            with self.subTest(field=name):
                self.assertNotContains(response, f'name="{name}"')
                self.assertNotContains(response, f'name="{name}_0"')
        self.assertNotContains(response, 'name="_save"')
        self.assertContains(response, self.first.delivered_by.username)  # delivered by, named

    def test_post_changes_nothing(self):
        """A forged POST is refused (403) and the delivery is as it was."""
        before = Delivery.objects.values().get(pk=self.first.pk)
        other_group = AssignmentGroup.objects.create(assignment=self.first.assignment_group.assignment, name="other")
        response = self.client.post(
            self.url,
            {
                "assignment_group": other_group.pk,
                "number": 99,
                "time_of_delivery_0": "2000-01-01",
                "time_of_delivery_1": "00:00:00",
                "delivered_by": self.superuser.pk,
                "successful": "",
            },
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Delivery.objects.values().get(pk=self.first.pk), before)

    def test_no_adding_by_hand(self):
        """Deliveries come in through Delivery.begin()/add_file(): the add form is refused."""
        self.assertEqual(self.client.get(reverse("admin:deliveries_delivery_add")).status_code, 403)

    def test_group_page_lists_deliveries_read_only(self):
        """The group's page shows its deliveries as read-only rows: no inputs, no add, no delete."""
        group = self.first.assignment_group
        response = self.client.get(reverse("admin:deliveries_assignmentgroup_change", args=[group.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, reverse("admin:deliveries_delivery_change", args=[self.second.pk]))
        self.assertNotContains(response, 'name="deliveries-0-time_of_delivery')
        self.assertNotContains(response, 'name="deliveries-0-DELETE"')
        formset = response.context["inline_admin_formsets"][1]
        self.assertEqual(formset.formset.prefix, "deliveries")
        self.assertFalse(formset.has_add_permission or formset.has_change_permission or formset.has_delete_permission)

    def test_filemeta_bytes_never_rewritten_by_the_admin(self):
        """No admin path writes a file's bytes or its size and SHA-256: change is refused, verifying only reads."""
        before = FileMeta.objects.values("size", "checksum", "filename").get(pk=self.py.pk)
        url = reverse("admin:deliveries_filemeta_change", args=[self.py.pk])
        self.assertEqual(self.client.post(url, {"filename": "x.py", "size": 1, "checksum": "0" * 64}).status_code, 403)
        self.client.post(reverse("admin:deliveries_filemeta_verify", args=[self.py.pk]))
        with self.store.write_open(self.py) as writer:  # damage it, then verify again: still only read
            writer.write(b"tampered")
        self.client.post(reverse("admin:deliveries_filemeta_verify", args=[self.py.pk]))
        with self.store.read_open(self.py) as reader:
            self.assertEqual(reader.read(), b"tampered")
        self.assertEqual(FileMeta.objects.values("size", "checksum", "filename").get(pk=self.py.pk), before)


class TestHistory(AdminFixtureMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.login(self.viewer)
        self.damage_samples()

    def test_verify_now(self):
        """ "Verify now" leaves the message the user read in the file's history."""
        for filemeta, message in (
            (self.py, "Verified hello.py: intact (size and SHA-256 match)."),
            (self.bin, "Verified data.bin: corrupt (size differs: read 8 bytes, recorded 5120)."),
        ):
            with self.subTest(file=filemeta.filename):
                response = self.client.post(
                    reverse("admin:deliveries_filemeta_verify", args=[filemeta.pk]), follow=True
                )
                self.assertContains(response, message)
                self.assertEqual(history(filemeta), [message])
                entry = LogEntry.objects.get(object_id=str(filemeta.pk), content_type__model="filemeta")
                self.assertEqual(entry.user, self.viewer)

    def test_verify_selected_files(self):
        """ "Verify selected" records each file's own outcome in its history."""
        chosen = [self.py, self.txt, self.bin]
        self.client.post(
            reverse("admin:deliveries_filemeta_changelist"),
            {"action": "verify_selected", "_selected_action": [f.pk for f in chosen]},
        )
        self.assertEqual(history(self.py), ["Verified hello.py: intact (size and SHA-256 match)."])
        self.assertEqual(history(self.txt), ["Verified notes.txt: missing (no bytes in the store)."])
        self.assertEqual(history(self.bin), ["Verified data.bin: corrupt (size differs: read 8 bytes, recorded 5120)."])
        self.assertEqual(history(self.png), [])  # not selected

    def test_verify_selected_deliveries(self):
        """The delivery action records each file's outcome and a summary in each delivery's history."""
        self.client.post(
            reverse("admin:deliveries_delivery_changelist"),
            {"action": "verify_selected", "_selected_action": [self.first.pk, self.second.pk]},
        )
        self.assertEqual(history(self.first), ["Verified 4 files: 2 intact, 1 missing, 1 corrupt."])
        self.assertEqual(history(self.second), ["Verified 3 files: 3 intact, 0 missing, 0 corrupt."])
        self.assertEqual(history(self.py), ["Verified hello.py: intact (size and SHA-256 match)."])

    def test_history_in_batches(self):
        """Many files are logged in bulk batches, each file once, with its outcome."""
        from deliveries.integrity import verify_many
        from deliveries.verification_history import VerificationHistory

        files = FileMeta.objects.order_by("pk")
        statuses = 3  # intact, missing, corrupt: verify_many records the statuses with one UPDATE each
        with self.assertNumQueries(1 + statuses + 4):  # the rows, the statuses, 4 bulk inserts
            verify_many(files.iterator(), history=VerificationHistory(self.viewer, batch=2))
        self.assertEqual(LogEntry.objects.count(), files.count())
        self.assertEqual(sorted(len(history(f)) for f in files), [1] * files.count())


class TestUnreadableHistory(AdminFixtureMixin, TestCase):
    """A read that fails changes nothing, so it leaves nothing in the file's history."""

    def make_store(self):
        return ReadFailingStore()

    def setUp(self):
        super().setUp()
        self.login(self.viewer)
        self.store.failing = True

    def test_verify_now_unreadable(self):
        """ "Verify now" on an unreadable file says so and logs nothing."""
        response = self.client.post(reverse("admin:deliveries_filemeta_verify", args=[self.py.pk]), follow=True)
        self.assertContains(response, "Could not verify hello.py: could not read: Input/output error.")
        self.assertEqual(history(self.py), [])

    def test_delivery_summary_counts_unreadable(self):
        """The delivery's summary says its files could not be read; the files' histories stay empty."""
        self.client.post(
            reverse("admin:deliveries_delivery_changelist"),
            {"action": "verify_selected", "_selected_action": [self.second.pk]},
        )
        [summary] = history(self.second)
        self.assertIn("Verified 3 files: 0 intact, 0 missing, 0 corrupt, 3 could not be read", summary)
        self.assertEqual([history(f) for f in self.second.filemetas.all()], [[], [], []])


class TestDeadlineHistory(AdminFixtureMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.login(self.superuser)
        self.group = self.first.assignment_group
        self.assignment = self.group.assignment

    def test_extension_on_the_group_page(self):
        """The group's extension is edited on its page; the history says from what to what; lateness follows."""
        url = reverse("admin:deliveries_assignmentgroup_change", args=[self.group.pk])
        form = self.client.get(url)
        self.assertContains(form, 'name="deadline_0"')
        data = {
            "assignment": self.assignment.pk,
            "name": self.group.name,
            "deadline_0": "2026-03-04",
            "deadline_1": "12:00:00",
            "candidate_set-TOTAL_FORMS": 0,
            "candidate_set-INITIAL_FORMS": 0,
            "deliveries-TOTAL_FORMS": 2,
            "deliveries-INITIAL_FORMS": 2,
        }
        response = self.client.post(url, data)
        self.assertEqual(
            response.status_code, 302, getattr(response, "context", None) and response.context.get("errors")
        )
        self.group.refresh_from_db()
        self.assertEqual(self.group.deadline, timezone.make_aware(datetime.datetime(2026, 3, 4, 12, 0)))
        self.assertEqual(
            history(self.group), ["Changed Extended deadline. Extended deadline: none -> 2026-03-04 12:00 UTC."]
        )

    def test_assignment_deadline(self):
        """The assignment's deadline is edited on its page, and its history keeps the old and the new value."""
        old = timezone.make_aware(datetime.datetime(2026, 2, 1, 23, 59))
        Assignment.objects.filter(pk=self.assignment.pk).update(first_deadline=old)
        url = reverse("admin:deliveries_assignment_change", args=[self.assignment.pk])
        self.assertContains(self.client.get(url), 'name="first_deadline_0"')
        data = {
            "period": self.assignment.period_id,
            "short_name": self.assignment.short_name,
            "long_name": "A renamed assignment",
            "publishing_time_0": "2026-01-01",
            "publishing_time_1": "08:00:00",
            "first_deadline_0": "2026-02-08",
            "first_deadline_1": "23:59:00",
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        [message] = history(self.assignment)
        self.assertIn("Deadline: 2026-02-01 23:59 UTC -> 2026-02-08 23:59 UTC.", message)
        self.assertIn("Long name", message)

    def test_other_changes_keep_django_message(self):
        """A change that leaves the deadline alone is logged as Django logs it."""
        url = reverse("admin:deliveries_assignmentgroup_change", args=[self.group.pk])
        data = {
            "assignment": self.assignment.pk,
            "name": "renamed",
            "deadline_0": "",
            "deadline_1": "",
            "candidate_set-TOTAL_FORMS": 0,
            "candidate_set-INITIAL_FORMS": 0,
            "deliveries-TOTAL_FORMS": 2,
            "deliveries-INITIAL_FORMS": 2,
        }
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertEqual(history(self.group), ["Changed Name."])

    def test_viewer_cannot_change_deadlines(self):
        """Without the change permission the deadline is shown, not editable, and a POST is refused."""
        self.login(make_user("reader", perms=["view_assignmentgroup"]))
        url = reverse("admin:deliveries_assignmentgroup_change", args=[self.group.pk])
        self.assertNotContains(self.client.get(url), 'name="deadline_0"')
        self.assertEqual(self.client.post(url, {"deadline_0": "2030-01-01", "deadline_1": "00:00"}).status_code, 403)
