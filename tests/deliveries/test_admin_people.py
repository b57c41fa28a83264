"""People in the admin: found by name, shown by name (or candidate id on an anonymous exam), linked from their own page."""

import json

from django.test import TestCase
from django.urls import reverse

from deliveries.models import AssignmentGroup, Delivery, FileMeta
from tests.support.admin_fixtures import make_user
from tests.support.handins import make_course
from tests.support.store_mixins import SwappedStoreMixin


def changelist(model):
    return reverse(f"admin:deliveries_{model._meta.model_name}_changelist")


class PeopleTestCase(SwappedStoreMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.course = make_course()
        self.root = make_user("root", superuser=True)
        # Sees every hand-in (global view permissions) but is no administrator: names hidden on the exam.
        self.reader = make_user("reader", perms=["view_delivery", "view_filemeta", "view_assignmentgroup"])
        self.client.force_login(self.root)

    def found(self, model, term, user=None):
        """The groups (as keys of course.groups) whose rows a search of ``term`` lists."""
        if user is not None:
            self.client.force_login(user)
        response = self.client.get(changelist(model), {"q": term})
        self.assertEqual(response.status_code, 200)
        group_of = {
            AssignmentGroup: lambda row: row.pk,
            Delivery: lambda row: row.assignment_group_id,
            FileMeta: lambda row: row.delivery.assignment_group_id,
        }[model]
        keys = {group.pk: key for key, group in self.course.groups.items()}
        return {keys[group_of(row)] for row in response.context["cl"].result_list}


class TestSearch(PeopleTestCase):
    def test_every_way_to_name_a_student(self):
        """First name, last name, full name (quoted or not, any case), email, username and candidate id find Amira's groups."""
        terms = ["Amira", "khan", "Amira Khan", '"amira khan"', "amira.khan@uni.example", "amira.khan", "C-4711"]
        expected = {term: {"amira", "exam"} for term in terms}
        expected["C-4711"] = {"exam"}
        for model in (Delivery, FileMeta, AssignmentGroup):
            for term, groups in expected.items():
                with self.subTest(model=model.__name__, term=term):
                    self.assertEqual(self.found(model, term), groups)

    def test_full_name_is_one_person(self):
        """ "Amira Berg" names nobody (Amira Khan and Lars Berg are two people): as two words it finds their shared group."""
        self.assertEqual(self.found(AssignmentGroup, '"Amira Berg"'), set())
        self.assertEqual(self.found(AssignmentGroup, "Lars Berg"), {"amira"})
        self.assertEqual(self.found(AssignmentGroup, "Amira Berg"), {"amira"})  # Amira's groups that have a Berg

    def test_examiners_by_name(self):
        """An examiner's name finds the groups they examine."""
        for model in (Delivery, AssignmentGroup):
            with self.subTest(model=model.__name__):
                self.assertEqual(self.found(model, "Ingrid Dahl"), {"amira", "nora", "exam"})
                self.assertEqual(self.found(model, "emil.strand"), {"ola"} if model is AssignmentGroup else set())

    def test_other_words_keep_their_meaning(self):
        """A word that names nobody searches as before: filenames in the file list, group and assignment names elsewhere."""
        self.assertEqual(self.found(FileMeta, "fix.py"), {"amira"})
        self.assertEqual(self.found(FileMeta, "Amira fix"), {"amira"})
        self.assertEqual(self.found(AssignmentGroup, "exam"), {"exam"})
        self.assertEqual(self.found(AssignmentGroup, "ola"), {"ola"})  # a first name and a part of a group's name
        self.assertEqual(self.found(Delivery, "oblig1"), {"amira", "nora"})
        self.assertEqual(self.found(Delivery, "Nobody Atall"), set())

    def test_names_hidden_on_the_exam(self):
        """A viewer who is not an administrator finds the exam's students by candidate id only."""
        for model in (Delivery, FileMeta, AssignmentGroup):
            for term in ("Amira", "Amira Khan", "amira.khan", "amira.khan@uni.example"):
                with self.subTest(model=model.__name__, term=term):
                    self.assertEqual(self.found(model, term, self.reader), {"amira"})
            with self.subTest(model=model.__name__, term="C-4711"):
                self.assertEqual(self.found(model, "C-4711", self.reader), {"exam"})

    def test_search_queries_do_not_grow_with_matches(self):
        """A search by name costs the same queries whether a student is in one group or in thirty."""
        url = changelist(Delivery) + "?q=Nora+Olsen"
        self.client.get(url)  # warm the user's permission cache path
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as one:
            self.client.get(url)
        for i in range(30):
            group = AssignmentGroup.objects.create(assignment=self.course.oblig, name=f"more {i}")
            group.candidate_set.create(user=self.course.users["nora"])
            Delivery.begin(group, self.course.users["nora"]).finish()
        with self.assertNumQueries(len(one)):
            response = self.client.get(url)
        self.assertEqual(len(response.context["cl"].result_list), 31)


class TestShowingPeople(PeopleTestCase):
    def test_students_column(self):
        """Lists name each group's students; on the exam a non-administrator reads the candidate id."""
        exam_delivery = self.course.deliveries["exam", 1]
        for model in (Delivery, FileMeta, AssignmentGroup):
            with self.subTest(model=model.__name__, viewer="root"):
                response = self.client.get(changelist(model))
                self.assertContains(response, "Amira Khan (amira.khan), Lars Berg (lars.berg)")
                self.assertContains(response, "Amira Khan (amira.khan) [C-4711]")
            with self.subTest(model=model.__name__, viewer="reader"):
                self.client.force_login(self.reader)
                response = self.client.get(changelist(model), {"q": "C-4711"})
                self.assertContains(response, ">C-4711</span>")
                self.assertNotContains(response, "Amira")
                self.assertNotContains(response, "amira.khan")
                self.client.force_login(self.root)
        self.client.force_login(self.reader)
        page = self.client.get(reverse("admin:deliveries_delivery_change", args=[exam_delivery.pk]))
        self.assertContains(page, "C-4711")
        self.assertNotContains(page, "amira")

    def test_exam_group_page_hides_names(self):
        """The exam group's page shows a non-administrator candidate ids, not users; an administrator picks users by name."""
        url = reverse("admin:deliveries_assignmentgroup_change", args=[self.course.groups["exam"].pk])
        admin_page = self.client.get(url)
        self.assertContains(admin_page, "Amira Khan (amira.khan)")
        self.assertContains(admin_page, 'data-ajax--url="/admin/autocomplete/"')
        self.assertNotContains(admin_page, "vForeignKeyRawIdAdminField")
        self.assertNotContains(admin_page, "vManyToManyRawIdAdminField")
        self.client.force_login(self.reader)
        reader_page = self.client.get(url)
        self.assertEqual(reader_page.status_code, 200)
        self.assertContains(reader_page, "C-4711")
        self.assertNotContains(reader_page, "amira")
        self.assertNotContains(reader_page, "Khan")

    def test_users_by_name_in_lists(self):
        """Examiners and who delivered are names with usernames, never ids."""
        groups = self.client.get(changelist(AssignmentGroup))
        self.assertContains(groups, "Ingrid Dahl (ingrid.dahl)")
        deliveries = self.client.get(changelist(Delivery))
        self.assertContains(deliveries, 'title="Lars Berg (lars.berg)"')

    def test_autocomplete_names_people(self):
        """Choosing an examiner or a student searches users by name and shows "Name (username)"."""
        for field, term, label in (
            ("examiners", "Dahl", "Ingrid Dahl (ingrid.dahl)"),
            ("examiners", "ingrid", "Ingrid Dahl (ingrid.dahl)"),
        ):
            with self.subTest(field=field, term=term):
                response = self.client.get(
                    reverse("admin:autocomplete"),
                    {"app_label": "deliveries", "model_name": "assignmentgroup", "field_name": field, "term": term},
                )
                self.assertEqual(response.status_code, 200)
                results = json.loads(response.content)["results"]
                self.assertEqual(results, [{"id": str(self.course.users["ingrid"].pk), "text": label}])
        response = self.client.get(
            reverse("admin:autocomplete"),
            {"app_label": "deliveries", "model_name": "candidate", "field_name": "user", "term": "Olsen"},
        )
        self.assertEqual(json.loads(response.content)["results"][0]["text"], "Nora Olsen (nora.olsen)")

    def test_autocomplete_refused_without_user_permission(self):
        """Staff who may not view users get no user autocomplete."""
        self.client.force_login(self.reader)
        response = self.client.get(
            reverse("admin:autocomplete"),
            {"app_label": "deliveries", "model_name": "assignmentgroup", "field_name": "examiners", "term": "a"},
        )
        self.assertEqual(response.status_code, 403)


class TestUserPage(PeopleTestCase):
    def test_links_to_their_hand_ins(self):
        """A user's page counts and links their groups as a candidate and as an examiner, and their deliveries."""
        amira = self.course.users["amira"]
        response = self.client.get(reverse("admin:auth_user_change", args=[amira.pk]))
        links = {
            f"{changelist(AssignmentGroup)}?candidate={amira.pk}": "Candidate in 2 groups",
            f"{changelist(AssignmentGroup)}?examiner={amira.pk}": "Examines 0 groups",
            f"{changelist(Delivery)}?candidate={amira.pk}": "3 deliveries of their groups",
            f"{changelist(Delivery)}?delivered_by={amira.pk}": "2 handed in by them",
        }
        for url, text in links.items():
            with self.subTest(url=url):
                self.assertContains(response, f'<a href="{url}">{text}</a>')
        ingrid = self.course.users["ingrid"]
        response = self.client.get(reverse("admin:auth_user_change", args=[ingrid.pk]))
        self.assertContains(response, "Examines 3 groups")

    def test_person_filters(self):
        """The filters behind those links keep that person's rows and name the person."""
        amira, ingrid = self.course.users["amira"], self.course.users["ingrid"]
        cases = [
            (AssignmentGroup, {"candidate": amira.pk}, {"amira", "exam"}),
            (AssignmentGroup, {"examiner": ingrid.pk}, {"amira", "nora", "exam"}),
            (Delivery, {"candidate": amira.pk}, {"amira", "exam"}),
            (Delivery, {"delivered_by": self.course.users["lars"].pk}, {"amira"}),
        ]
        keys = {group.pk: key for key, group in self.course.groups.items()}
        for model, params, expected in cases:
            with self.subTest(model=model.__name__, params=params):
                response = self.client.get(changelist(model), params)
                rows = response.context["cl"].result_list
                group_ids = {row.pk if model is AssignmentGroup else row.assignment_group_id for row in rows}
                self.assertEqual({keys[g] for g in group_ids}, expected)
        response = self.client.get(changelist(AssignmentGroup), {"candidate": amira.pk})
        self.assertContains(response, "By candidate")
        self.assertContains(response, "Amira Khan (amira.khan)</a>")

    def test_person_filter_keeps_the_exam_anonymous(self):
        """A non-administrator filtering by a student's id does not see the exam group, nor the student's name."""
        self.client.force_login(self.reader)
        amira = self.course.users["amira"]
        response = self.client.get(changelist(AssignmentGroup), {"candidate": amira.pk})
        self.assertEqual([row.pk for row in response.context["cl"].result_list], [self.course.groups["amira"].pk])
        self.assertContains(response, "the person chosen")
        response = self.client.get(changelist(Delivery), {"delivered_by": amira.pk})
        self.assertEqual(
            [row.pk for row in response.context["cl"].result_list], [self.course.deliveries["amira", 1].pk]
        )

    def test_person_filter_ignores_nonsense(self):
        """A value that is no user's id leaves the list whole."""
        for value in ("x", "999999", ""):
            with self.subTest(value=value):
                response = self.client.get(changelist(AssignmentGroup), {"candidate": value})
                self.assertEqual(response.status_code, 200)
                self.assertEqual(len(response.context["cl"].result_list), 4)
