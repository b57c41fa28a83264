"""
Who sees students' names: on an anonymous assignment, examiners who are not administrators read
candidate ids on every list, page, search, preview, comparison, zip and history; administrators
read both; and on an ordinary assignment the same examiner reads the names (the positive control).
"""

import io
import zipfile

from django.contrib.admin.models import LogEntry
from django.test import Client, TestCase
from django.urls import reverse

from deliveries.models import Assignment, AssignmentGroup, Delivery, FileMeta
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
from tests.support.admin_fixtures import body, make_exam_samples, make_examiner, make_user

# Everything that would name the student on the anonymous assignment.
AMIRA = ["Amira", "Khan", "amira.khan", "amira.khan@example.org"]
# ... and the one added later through the group's page, without a candidate id. Names long enough
# that a page's random tokens (CSP nonces, CSRF tokens) never spell one by chance.
CY = ["Cyprian", "Colebrook", "cyprian.colebrook"]
ADMIN_PERMS = ["change_assignment", "view_assignmentgroup", "view_candidate", "view_delivery", "view_filemeta"]


def changelist(model):
    return reverse(f"admin:deliveries_{model._meta.model_name}_changelist")


class NamesMixin:
    """
    An anonymous assignment (Amira Khan, EXAM-4711, two deliveries) and an ordinary one of the same
    period (Bo Berg, EXAM-0815, one delivery); one examiner of both groups; an administrator.
    """

    def setUp(self):
        super().setUp()
        self.store = self.enterContext(swap_deliverystore(FileMeta, MemoryDeliveryStore()))
        for name, value in make_exam_samples().items():
            setattr(self, name, value)
        self.examiner = make_examiner("examiner", self.group, self.ordinary_group)
        self.administrator = make_examiner("course-admin", self.group, perms=ADMIN_PERMS)
        self.superuser = make_user("root", superuser=True)

    def client_for(self, user):
        client = Client()
        client.force_login(user)
        return client

    def assert_no_names(self, content, names=AMIRA):
        for name in names:
            self.assertNotIn(name.encode(), content, name)


class TestAnonymousAssignment(NamesMixin, TestCase):
    def pages(self):
        """(surface, url, what of the student it shows: "people", or None when it shows nobody) on the anonymous assignment."""
        return [
            ("group list", changelist(AssignmentGroup), "people"),
            ("delivery list", changelist(Delivery), "people"),
            ("file list", changelist(FileMeta), None),
            ("assignment list", changelist(Assignment), None),
            ("group page", reverse("admin:deliveries_assignmentgroup_change", args=[self.group.pk]), "people"),
            ("delivery page", reverse("admin:deliveries_delivery_change", args=[self.first.pk]), "people"),
            ("assignment page", reverse("admin:deliveries_assignment_change", args=[self.assignment.pk]), None),
            ("file page", reverse("admin:deliveries_filemeta_change", args=[self.py.pk]), None),
            ("file preview", reverse("admin:deliveries_filemeta_preview", args=[self.py.pk]), None),
            ("hex preview", reverse("admin:deliveries_filemeta_preview", args=[self.png.pk]) + "?mode=hex", None),
            ("comparison", reverse("admin:deliveries_delivery_compare", args=[self.second.pk]), None),
            ("group history", reverse("admin:deliveries_assignmentgroup_history", args=[self.group.pk]), None),
            ("delivery history", reverse("admin:deliveries_delivery_history", args=[self.first.pk]), None),
            ("file history", reverse("admin:deliveries_filemeta_history", args=[self.py.pk]), None),
        ]

    def test_examiner_reads_candidate_ids(self):
        """Every list and page of the anonymous group shows the examiner its candidate id, never the name, username or email."""
        client = self.client_for(self.examiner)
        for surface, url, shows in self.pages():
            with self.subTest(surface=surface):
                response = client.get(url)
                self.assertEqual(response.status_code, 200)
                content = body(response)
                self.assert_no_names(content)
                if shows == "people":
                    self.assertIn(b"EXAM-4711", content)
                if "preview" in surface or surface in ("file page", "comparison"):
                    self.assertIn(b"hello.py" if surface != "hex preview" else b"PNG", content)

    def test_administrator_reads_both(self):
        """An administrator (and a superuser) reads the student and the candidate id on the same pages."""
        # What each surface names the student by, for an administrator.
        expected = {
            "group list": ["EXAM-4711"],  # the list's candidates column names candidates by id
            "delivery list": ["Amira Khan (amira.khan) [EXAM-4711]"],
            "group page": ["amira.khan", "EXAM-4711"],
            "delivery page": ["amira.khan"],  # who handed in, a link to the user
        }
        for user in (self.administrator, self.superuser):
            client = self.client_for(user)
            for surface, url, _ in self.pages():
                with self.subTest(user=user.username, surface=surface):
                    response = client.get(url)
                    self.assertEqual(response.status_code, 200)
                    for name in expected.get(surface, []):
                        self.assertIn(name, body(response).decode())
        inline = self.client_for(self.administrator).get(self.pages()[4][1])
        self.assertContains(inline, "Amira Khan (amira.khan)")  # read-only: the student by name

    def test_ordinary_assignment_shows_names(self):
        """The positive control: the same examiner reads Bo Berg's name on an assignment that is not anonymous."""
        client = self.client_for(self.examiner)
        pages = [
            (changelist(Delivery), "Bo Berg (bo.berg)"),
            (reverse("admin:deliveries_assignmentgroup_change", args=[self.ordinary_group.pk]), "Bo Berg (bo.berg)"),
            (reverse("admin:deliveries_delivery_change", args=[self.ordinary.pk]), "bo.berg"),
        ]
        for url, name in pages:
            with self.subTest(url=url):
                self.assertContains(client.get(url), name)

    def test_search_by_name_finds_nothing_there(self):
        """The examiner's search by the student's username, email or name finds nothing on the anonymous assignment; by candidate id it does."""
        lists = {
            AssignmentGroup: {self.group.pk},
            Delivery: {self.first.pk, self.second.pk},
            FileMeta: set(FileMeta.objects.filter(delivery__assignment_group=self.group).values_list("pk", flat=True)),
        }
        for user, terms, found in [
            (self.examiner, ["amira.khan", "amira.khan@example.org", "Amira", "Khan", '"Amira Khan"'], False),
            (self.examiner, ["EXAM-4711"], True),
            (self.administrator, ["amira.khan", "EXAM-4711"], True),
        ]:
            client = self.client_for(user)
            for model, rows in lists.items():
                for term in terms:
                    with self.subTest(user=user.username, model=model.__name__, term=term):
                        response = client.get(changelist(model), {"q": term})
                        self.assertEqual(response.status_code, 200)
                        shown = {obj.pk for obj in response.context["cl"].result_list}
                        self.assertEqual(shown & rows, rows if found else set())
        # The positive control: on the ordinary assignment the examiner finds Bo by username.
        response = self.client_for(self.examiner).get(changelist(Delivery), {"q": "bo.berg"})
        self.assertEqual([obj.pk for obj in response.context["cl"].result_list], [self.ordinary.pk])

    def test_zip_names_nobody(self):
        """The delivery's zip: its file name, folder and members name the group and delivery, never the student."""
        response = self.client_for(self.examiner).get(
            reverse("admin:deliveries_delivery_download", args=[self.first.pk])
        )
        self.assertEqual(response.status_code, 200)
        archive = zipfile.ZipFile(io.BytesIO(body(response)))
        names = " ".join([response["Content-Disposition"], *archive.namelist()])
        self.assertIn(str(self.assignment), names)  # the folder: the assignment, the group, the delivery
        self.assertIn("delivery-1", names)
        self.assert_no_names(names.encode())
        self.assertEqual(sorted(n.rsplit("/", 1)[1] for n in archive.namelist()), ["hello.py", "photo.png"])

    def test_unavailable_bytes_pages_name_nobody(self):
        """The pages that say bytes are missing (a file's, a delivery's zip) name no student either."""
        self.store.remove(self.py)
        client = self.client_for(self.examiner)
        for url in (
            reverse("admin:deliveries_filemeta_download", args=[self.py.pk]),
            reverse("admin:deliveries_delivery_download", args=[self.first.pk]),
        ):
            with self.subTest(url=url):
                response = client.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertIn(b"hello.py", body(response))
                self.assert_no_names(body(response))

    def test_history_names_nobody(self):
        """A student added on the group's page, and a delivery changed, are recorded in history without a name."""
        cy = make_user("cyprian.colebrook", staff=False)
        cy.first_name, cy.last_name = "Cyprian", "Colebrook"
        cy.save()
        candidate = self.amira.candidacies.get()
        data = {
            "assignment": self.assignment.pk,
            "name": "g",
            "examiners": [self.examiner.pk, self.administrator.pk],  # chosen in an autocomplete box
            "deadline_0": "",
            "deadline_1": "",
            "candidate_set-TOTAL_FORMS": 2,
            "candidate_set-INITIAL_FORMS": 1,
            "candidate_set-MIN_NUM_FORMS": 0,
            "candidate_set-MAX_NUM_FORMS": 1000,
            "candidate_set-0-id": candidate.pk,
            "candidate_set-0-assignment_group": self.group.pk,
            "candidate_set-0-user": self.amira.pk,
            "candidate_set-0-candidate_id": "EXAM-4711",
            "candidate_set-1-assignment_group": self.group.pk,
            "candidate_set-1-user": cy.pk,
            "candidate_set-1-candidate_id": "",
            # The group's deliveries, listed read-only below its candidates.
            "deliveries-TOTAL_FORMS": self.group.deliveries.count(),
            "deliveries-INITIAL_FORMS": self.group.deliveries.count(),
        }
        url = reverse("admin:deliveries_assignmentgroup_change", args=[self.group.pk])
        response = self.client_for(self.superuser).post(url, data)
        self.assertEqual(response.status_code, 302, body(response)[:3000])
        entry = LogEntry.objects.get(object_id=str(self.group.pk))
        self.assertIn("Added candidate", entry.get_change_message())
        client = self.client_for(self.examiner)
        for url in (
            reverse("admin:deliveries_assignmentgroup_history", args=[self.group.pk]),
            reverse("admin:deliveries_assignmentgroup_change", args=[self.group.pk]),
        ):
            with self.subTest(url=url):
                response = client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assert_no_names(body(response), AMIRA + CY)
        self.assertContains(
            client.get(reverse("admin:deliveries_assignmentgroup_history", args=[self.group.pk])), "Added candidate"
        )

    def test_examiner_cannot_add_or_change_candidates_they_cannot_see(self):
        """On the anonymous group's page the candidates are read-only candidate ids, even for an examiner allowed to change candidates."""
        changer = make_examiner(
            "changer", self.group, perms=["change_assignmentgroup", "change_candidate", "add_candidate"]
        )
        response = self.client_for(changer).get(
            reverse("admin:deliveries_assignmentgroup_change", args=[self.group.pk])
        )
        self.assertEqual(response.status_code, 200)
        self.assert_no_names(body(response))
        self.assertContains(response, "EXAM-4711")
        self.assertNotContains(response, 'name="candidate_set-0-user"')
        candidates, deliveries = response.context["inline_admin_formsets"]
        self.assertEqual(deliveries.formset.prefix, "deliveries")
        self.assertEqual((candidates.has_add_permission, candidates.has_delete_permission), (False, False))
