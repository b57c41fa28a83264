"""Lateness in the admin: the delivery, file and group lists show and filter it; an assignment's page counts it."""

import re

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliveries.models import AssignmentGroup, Delivery, FileMeta
from tests.support.admin_fixtures import make_user
from tests.support.handins import make_course
from tests.support.store_mixins import SwappedStoreMixin


def changelist(model):
    return reverse(f"admin:deliveries_{model._meta.model_name}_changelist")


class LatenessTestCase(SwappedStoreMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.course = make_course()
        self.client.force_login(make_user("root", superuser=True))

    def rows(self, model, **params):
        response = self.client.get(changelist(model), params)
        self.assertEqual(response.status_code, 200)
        return response, list(response.context["cl"].result_list)


class TestDeliveryList(LatenessTestCase):
    def test_lateness_column(self):
        """Each delivery reads "on time" or "late by ...", with its deadline on hover."""
        response, _ = self.rows(Delivery)
        self.assertContains(response, ">late by 1 day 3 h</span>", count=1)
        self.assertContains(response, ">late by 5 min</span>", count=1)
        self.assertContains(response, ">on time</span>", count=2)
        self.assertContains(response, 'title="Deadline 2026-03-04 12:00 UTC: on time"')  # Nora's extension

    def test_lateness_filter(self):
        """The lateness filter keeps late, on-time or deadline-less deliveries."""
        d = self.course.deliveries
        cases = {
            "late": {d["amira", 2].pk, d["exam", 1].pk},
            "on_time": {d["amira", 1].pk, d["nora", 1].pk},
            "no_deadline": set(),
        }
        for kind, expected in cases.items():
            with self.subTest(kind=kind):
                _, rows = self.rows(Delivery, lateness=kind)
                self.assertEqual({row.pk for row in rows}, expected)
        response, rows = self.rows(Delivery, lateness="soon")  # an unknown value filters nothing
        self.assertEqual(len(rows), 4)
        self.assertContains(self.client.get(changelist(Delivery)), "By lateness")


class TestFileList(LatenessTestCase):
    def test_lateness_column_and_filter(self):
        """Files show their delivery's lateness and filter on it."""
        response, _ = self.rows(FileMeta)
        self.assertContains(response, "late by 1 day 3 h")
        _, late = self.rows(FileMeta, lateness="late")
        self.assertEqual(sorted(f.filename for f in late), ["answers.pdf", "fix.py"])
        _, on_time = self.rows(FileMeta, lateness="on_time")
        self.assertEqual(sorted(f.filename for f in on_time), ["report.txt", "report.txt"])


class TestGroups(LatenessTestCase):
    def test_group_list(self):
        """Groups show their deadline (marking an extension) and how their last delivery went; the filter follows."""
        response, _ = self.rows(AssignmentGroup)
        self.assertContains(response, '2026-03-04 12:00 <span class="extension">(extended)</span>')
        self.assertContains(response, "nothing delivered", count=1)
        cases = {"late": {"amira", "exam"}, "on_time": {"nora"}, "nothing": {"ola"}}
        for kind, keys in cases.items():
            with self.subTest(kind=kind):
                _, rows = self.rows(AssignmentGroup, hand_in=kind)
                self.assertEqual({row.pk for row in rows}, {self.course.groups[key].pk for key in keys})

    def test_group_list_queries_do_not_grow(self):
        """The group list costs the same queries for 4 groups as for 40, students and examiners included."""
        with CaptureQueriesContext(connection) as small:
            self.client.get(changelist(AssignmentGroup))
        for i in range(36):
            group = AssignmentGroup.objects.create(assignment=self.course.oblig, name=f"extra {i}")
            group.examiners.add(self.course.users["ingrid"])
            group.candidate_set.create(user=self.course.users["ola"])
        with self.assertNumQueries(len(small)):
            self.client.get(changelist(AssignmentGroup))


class TestAssignmentSummary(LatenessTestCase):
    def test_counts_and_links(self):
        """The assignment's page counts groups on time, late and with nothing, each a link to that filtered list."""
        oblig = self.course.oblig
        response = self.client.get(reverse("admin:deliveries_assignment_change", args=[oblig.pk]))
        html = response.content.decode()
        expected = {
            "on_time": ("1 group", "2 deliveries on time", 2),  # Amira's group's first one was on time
            "late": ("1 group", "1 delivery late", 1),
            "nothing": ("1 group", None, 0),
        }
        for kind, (groups, deliveries, count) in expected.items():
            with self.subTest(kind=kind):
                row = re.search(rf'<tr class="hand-in-{kind}">(.*?)</tr>', html, re.S).group(1)
                group_url = f"{changelist(AssignmentGroup)}?assignment__id__exact={oblig.pk}&amp;hand_in={kind}"
                self.assertIn(f'<a href="{group_url}">{groups}</a>', row)
                if deliveries:
                    delivery_url = (
                        f"{changelist(Delivery)}?assignment_group__assignment__id__exact={oblig.pk}&amp;lateness={kind}"
                    )
                    self.assertIn(f'<a href="{delivery_url}">{deliveries}</a>', row)
                    target = self.client.get(delivery_url.replace("&amp;", "&"))
                    self.assertEqual(len(target.context["cl"].result_list), count)
                target = self.client.get(group_url.replace("&amp;", "&"))
                self.assertEqual(len(target.context["cl"].result_list), 1)

    def test_no_deadline_note(self):
        """Without a deadline the page says groups count as on time."""
        self.course.oblig.first_deadline = None
        self.course.oblig.save()
        response = self.client.get(reverse("admin:deliveries_assignment_change", args=[self.course.oblig.pk]))
        self.assertContains(response, "This assignment has no deadline: without an extension, groups are on time.")

    def test_new_assignment_form(self):
        """The add form has no summary yet and renders."""
        response = self.client.get(reverse("admin:deliveries_assignment_add"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="first_deadline_0"')
