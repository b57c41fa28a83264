"""The assignment's download page and zip through the test client: the choice, the response, access."""

import csv
import io
import zipfile

from django.test import Client, TestCase
from django.urls import reverse

from deliveries.models import FileMeta
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
from tests.support.admin_fixtures import HandedInAssignment, body, make_assignment, make_group, make_user


class DownloadMixin:
    def setUp(self):
        super().setUp()
        self.store = self.enterContext(swap_deliverystore(FileMeta, MemoryDeliveryStore()))
        self.made = HandedInAssignment()
        self.superuser = make_user("root", superuser=True)
        self.url = reverse("admin:deliveries_assignment_download", args=[self.made.assignment.pk])

    def groups_in(self, response):
        """The groups a zip response lists in its manifest."""
        archive = zipfile.ZipFile(io.BytesIO(body(response)))
        rows = csv.DictReader(io.StringIO(archive.read("zip-subject.p.oblig1/manifest.csv").decode("utf-8-sig")))
        return {row["group"] for row in rows}


class TestDownloadPage(DownloadMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.superuser)

    def test_choice_page(self):
        """Without parameters: the choice between last and every delivery, with what each holds."""
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.streaming)
        self.assertContains(response, 'name="deliveries" value="last" checked')
        self.assertContains(response, 'name="deliveries" value="all"')
        summary = response.context["summary"]
        self.assertEqual((summary["groups"], summary["delivered"]), (5, 4))
        self.assertEqual((summary["last"]["files"], summary["all"]["files"]), (8, 10))
        self.assertContains(response, "8 files")

    def test_zip_response(self):
        """With a choice: a streamed zip, as an attachment named after the assignment, with the untrusted-bytes headers."""
        everyone = {"Idle", "Team Rocket", "Twins", f"group #{self.made.unnamed.pk}"}
        for choice in ("last", "all"):
            with self.subTest(choice=choice):
                response = self.client.get(self.url, {"deliveries": choice})
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.streaming)
                self.assertEqual(response["Content-Type"], "application/zip")
                self.assertEqual(
                    response["Content-Disposition"],
                    f'attachment; filename="zip-subject.p.oblig1-{choice}-deliveries.zip"',
                )
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                self.assertEqual(self.groups_in(response), everyone)

    def test_unknown_choice(self):
        """An unknown choice shows the page again with a message, not a zip."""
        response = self.client.get(self.url, {"deliveries": "some"})
        self.assertContains(response, "Choose which deliveries to download", status_code=400)
        self.assertFalse(response.streaming)

    def test_button_on_assignment_page(self):
        """The assignment's page links to the download page."""
        change = reverse("admin:deliveries_assignment_change", args=[self.made.assignment.pk])
        self.assertContains(self.client.get(change), f'href="{self.url}"')


class TestDownloadAccess(DownloadMixin, TestCase):
    def attempt(self, user, **params):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client.get(self.url, params)

    def test_matrix(self):
        """Who gets which groups, and who gets 403, 404 or the login page."""
        elsewhere = make_user("elsewhere")
        make_group(make_assignment("other"), "Far away", examiners=[elsewhere])
        unnamed = f"group #{self.made.unnamed.pk}"
        everyone = {"Idle", "Team Rocket", "Twins", unnamed}
        cases = {
            "superuser": (self.superuser, 200, everyone),
            "staff with the global view permission on files": (
                make_user("office", perms=["view_filemeta"]),
                200,
                everyone,
            ),
            "staff who see assignments and groups, not files": (
                make_user("planner", perms=["view_assignment", "view_assignmentgroup"]),
                403,
                None,
            ),
            "examiner of a group": (self.made.examiner, 200, {"Team Rocket"}),
            "examiner of another group of the assignment": (self.made.other_examiner, 200, {unnamed}),
            "examiner of a group of another assignment": (elsewhere, 404, None),
            "staff without permission": (make_user("nobody"), 403, None),
        }
        for label, (user, status, groups) in cases.items():
            for params in ({}, {"deliveries": "last"}):
                with self.subTest(label, params=params):
                    response = self.attempt(user, **params)
                    self.assertEqual(response.status_code, status)
                    if groups is not None and params:
                        self.assertEqual(self.groups_in(response), groups)

    def test_anonymous_to_login(self):
        """Anonymous users are sent to the login page."""
        response = self.attempt(None, deliveries="last")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("admin:login")))

    def test_unknown_assignment_404(self):
        """An assignment that does not exist is a 404."""
        self.client.force_login(self.superuser)
        url = reverse("admin:deliveries_assignment_download", args=[999999])
        self.assertEqual(self.client.get(url, {"deliveries": "last"}).status_code, 404)
