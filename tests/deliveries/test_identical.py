"""Identical files across groups: the file's page, the list filter, who sees what, and constant queries."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliveries import access
from deliveries.identical import also_handed_in_elsewhere, same_bytes
from deliveries.models import Assignment, AssignmentGroup, Candidate, Delivery, FileMeta
from deliveries.testhelpers import make_delivery
from tests.support.admin_fixtures import make_user
from tests.support.store_mixins import SwappedStoreMixin

SHARED = b"def solve(graph):\n    return sorted(graph)\n"


class IdenticalFixture(SwappedStoreMixin):
    """
    Assignment "a" (names shown) with groups g1, g2, g3 and assignment "b" (anonymous) with g4.
    SHARED is handed in by g1 (twice), g2 and g4; g3 hands in something else.
    """

    def setUp(self):
        super().setUp()
        first = make_delivery("ident")
        self.a = first.assignment_group.assignment
        self.b = Assignment.objects.create(period=self.a.period, short_name="b", long_name="B", anonymous=True)
        self.g1 = first.assignment_group
        self.g2 = self.group(self.a, "g2", "amira", "Amira", "Khan", "C20001")
        self.g3 = self.group(self.a, "g3", "jonas", "Jonas", "Berg", "C20002")
        self.g4 = self.group(self.b, "g4", "nora", "Nora", "Lie", "C30001")
        self.mine = first.add_file("solution.py", [SHARED])
        first.finish()
        self.again = self.deliver(self.g1, "solution.py", SHARED)  # the same group: never a match
        self.twin = self.deliver(self.g2, "my_solution.py", SHARED)
        self.other = self.deliver(self.g3, "solution.py", b"print('mine')\n")
        self.far = self.deliver(self.g4, "oblig.py", SHARED)
        self.admin = make_user("root", superuser=True)

    def group(self, assignment, name, username, first_name, last_name, candidate_id):
        group = AssignmentGroup.objects.create(assignment=assignment, name=name)
        user = get_user_model().objects.create_user(username, first_name=first_name, last_name=last_name)
        Candidate.objects.create(assignment_group=group, user=user, candidate_id=candidate_id)
        return group

    def deliver(self, group, filename, data):
        delivery = Delivery.begin(group)
        filemeta = delivery.add_file(filename, [data])
        delivery.finish()
        return filemeta

    def examiner_of(self, *groups):
        user = make_user("examiner-of-" + "-".join(g.name for g in groups))
        for group in groups:
            group.examiners.add(user)
        return user


class TestSameBytes(IdenticalFixture, TestCase):
    def test_other_groups_same_assignment_first(self):
        """Other groups' files with the same bytes: the same assignment's first; never the file's own group."""
        matches, more = same_bytes(self.admin, self.mine)
        self.assertEqual([m.filemeta for m in matches], [self.twin, self.far])
        self.assertEqual([m.same_assignment for m in matches], [True, False])
        self.assertFalse(more)
        self.assertEqual(same_bytes(self.admin, self.other), ([], False))

    def test_same_checksum_other_size_is_not_identical(self):
        """A row with the same SHA-256 but another size (a bad record) is not the same bytes."""
        FileMeta.objects.filter(pk=self.far.pk).update(size=self.far.size + 1)
        self.assertEqual([m.filemeta for m in same_bytes(self.admin, self.mine)[0]], [self.twin])

    def test_limit_and_more(self):
        """At most ``limit`` matches, and ``more`` says there are others."""
        matches, more = same_bytes(self.admin, self.mine, limit=1)
        self.assertEqual(([m.filemeta for m in matches], more), ([self.twin], True))

    def test_students_as_the_viewer_may_see_them(self):
        """Names where the assignment shows them; candidate ids on an anonymous one, unless an administrator looks."""
        examiner = self.examiner_of(self.g1, self.g2, self.g4)
        for viewer, expected in ((examiner, ["Amira Khan (amira)", "C30001"]), (self.admin, None)):
            with self.subTest(viewer=viewer.username):
                labels = [m.students for m in same_bytes(viewer, self.mine)[0]]
                if expected is None:
                    self.assertEqual(labels, [["Amira Khan (amira) [C20001]"], ["Nora Lie (nora) [C30001]"]])
                else:
                    self.assertEqual(labels, [[expected[0]], [expected[1]]])

    def test_an_examiner_sees_matches_in_their_groups_only(self):
        """An examiner of g1 and g2 does not learn that g4, which they do not examine, handed in the same bytes."""
        examiner = self.examiner_of(self.g1, self.g2)
        self.assertEqual([m.filemeta for m in same_bytes(examiner, self.mine)[0]], [self.twin])

    def test_two_queries_however_many_matches(self):
        """The matches and their students come in two queries, for two matches or twelve."""
        for extra in (0, 10):
            for i in range(extra):
                group = self.group(self.a, f"x{i}", f"x{i}", "X", str(i), f"C4{i:04}")
                self.deliver(group, "copy.py", SHARED)
            with self.subTest(matches=2 + extra), self.assertNumQueries(2):
                matches, _ = same_bytes(self.admin, self.mine)
                self.assertEqual(len(matches), 2 + extra)


class TestFilePage(IdenticalFixture, TestCase):
    def page(self, user, filemeta):
        self.client.force_login(user)
        return self.client.get(reverse("admin:deliveries_filemeta_change", args=[filemeta.pk]))

    def test_page_lists_and_links_the_matches(self):
        """The file's page links each match's file and delivery and names its students."""
        page = self.page(self.admin, self.mine)
        self.assertContains(page, "Identical files in other groups")
        self.assertContains(page, reverse("admin:deliveries_filemeta_change", args=[self.twin.pk]))
        self.assertContains(page, reverse("admin:deliveries_delivery_change", args=[self.far.delivery_id]))
        self.assertContains(page, "g2, delivery #1")
        self.assertContains(page, "this assignment")
        self.assertNotContains(page, reverse("admin:deliveries_filemeta_change", args=[self.again.pk]))
        self.assertContains(self.page(self.admin, self.other), "No other group you can see handed in these bytes.")

    def test_anonymous_assignment_shows_candidate_ids(self):
        """A viewer who is no administrator sees g4's candidate id, never the student's name."""
        viewer = make_user("viewer", perms=["view_filemeta", "view_delivery", "view_assignmentgroup"])
        page = self.page(viewer, self.mine)
        self.assertContains(page, "C30001")
        self.assertNotContains(page, "Nora")

    def test_page_queries_do_not_grow_with_matches(self):
        """The page makes as many queries with twelve matches as with two."""
        counts = []
        for extra in (0, 10):
            for i in range(extra):
                group = self.group(self.a, f"x{i}", f"x{i}", "X", str(i), f"C4{i:04}")
                self.deliver(group, "copy.py", SHARED)
            self.page(self.admin, self.mine)  # the first request fills caches (content types, permissions)
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.page(self.admin, self.mine).status_code, 200)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1], [q["sql"][:150] for q in queries.captured_queries])


class TestListFilter(IdenticalFixture, TestCase):
    url = reverse("admin:deliveries_filemeta_changelist")

    def listed(self, user):
        self.client.force_login(user)
        response = self.client.get(self.url, {"identical": "elsewhere"})
        self.assertEqual(response.status_code, 200)
        return set(response.context["cl"].result_list)

    def test_lists_files_another_group_handed_in_too(self):
        """Only files whose bytes another group handed in too; g1's two copies count as one group."""
        self.assertEqual(self.listed(self.admin), {self.mine, self.again, self.twin, self.far})
        self.client.force_login(self.admin)
        page = self.client.get(self.url)
        self.assertContains(page, "Also handed in by another group")
        self.assertEqual(len(page.context["cl"].result_list), 5)

    def test_an_examiner_sees_twins_in_their_groups_only(self):
        """For an examiner of g1 and g3 no other visible group holds g1's bytes: nothing is found."""
        for groups, expected in (((self.g1, self.g3), set()), ((self.g1, self.g2), {self.mine, self.again, self.twin})):
            examiner = self.examiner_of(*groups)
            with self.subTest(examines=[g.name for g in groups]):
                found = also_handed_in_elsewhere(examiner, access.visible(examiner, FileMeta.objects.all()))
                self.assertEqual(set(found), expected)

    def test_one_query_at_any_size(self):
        """The filter is one EXISTS in the list's query: the same number of queries for 5 files or 45."""
        counts = []
        for extra in (0, 40):
            for i in range(extra):
                self.deliver(self.g3 if i % 2 else self.g2, f"f{i}.txt", SHARED if i % 3 else f"{i}".encode())
            self.listed(self.admin)  # the first request fills caches (content types, permissions)
            with CaptureQueriesContext(connection) as queries:
                self.listed(self.admin)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1], [q["sql"][:150] for q in queries.captured_queries])
        filtered = also_handed_in_elsewhere(self.admin, FileMeta.objects.all())
        self.assertEqual(str(filtered.query).count("EXISTS"), 1)
