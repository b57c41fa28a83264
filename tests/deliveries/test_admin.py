"""deliveries.admin: every model's pages, navigation, the FileMeta list at scale, and the actions."""

import datetime

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deliveries.admin_pages.pagination import LargeTablePaginator
from deliveries.models import Assignment, AssignmentGroup, Candidate, Delivery, FileMeta, Period, Subject
from deliveries.testhelpers import make_delivery
from tests.support.admin_fixtures import AdminFixtureMixin, make_examiner, make_user

MODELS = [Subject, Period, Assignment, AssignmentGroup, Delivery, FileMeta]


def changelist(model):
    return reverse(f"admin:deliveries_{model._meta.model_name}_changelist")


def add_filemetas(delivery, count, start=0):
    """Bulk-insert ``count`` FileMeta rows (metadata only) spread over a year of creation times."""
    base = timezone.now() - datetime.timedelta(days=365)
    FileMeta.objects.bulk_create(
        FileMeta(
            delivery=delivery,
            filename=f"file{start + i:06d}.py",
            size=1000 + i,
            checksum=f"{start + i:064x}",
            content_type="text/x-python" if i % 2 else "image/png",
            created=base + datetime.timedelta(minutes=start + i),
            status=FileMeta.Status.INTACT if i % 3 else FileMeta.Status.UNVERIFIED,
        )
        for i in range(count)
    )


class TestPages(AdminFixtureMixin, TestCase):
    def setUp(self):
        super().setUp()
        Candidate.objects.create(assignment_group=self.first.assignment_group, user=self.nobody, candidate_id="X-1234")
        self.login(self.superuser)

    def test_every_page(self):
        """The list and the page of one object of every model render for a superuser."""
        objects = {
            Subject: self.first.assignment_group.assignment.period.subject,
            Period: self.first.assignment_group.assignment.period,
            Assignment: self.first.assignment_group.assignment,
            AssignmentGroup: self.first.assignment_group,
            Delivery: self.first,
            FileMeta: self.py,
        }
        for model in MODELS:
            with self.subTest(model=model.__name__):
                self.assertEqual(self.client.get(changelist(model)).status_code, 200)
                url = reverse(f"admin:deliveries_{model._meta.model_name}_change", args=[objects[model].pk])
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_navigation_down_and_up(self):
        """Each list links down to its children's list and up to each row's parent."""
        group = self.first.assignment_group
        assignment, period = group.assignment, group.assignment.period
        steps = [
            (changelist(Subject), f"{changelist(Period)}?subject__id__exact={period.subject_id}"),
            (changelist(Period), f"{changelist(Assignment)}?period__id__exact={period.pk}"),
            (changelist(Assignment), f"{changelist(AssignmentGroup)}?assignment__id__exact={assignment.pk}"),
            (changelist(AssignmentGroup), f"{changelist(Delivery)}?assignment_group__id__exact={group.pk}"),
            (changelist(Delivery), f"{changelist(FileMeta)}?delivery__id__exact={self.first.pk}"),
            (changelist(Period), reverse("admin:deliveries_subject_change", args=[period.subject_id])),
            (changelist(Assignment), reverse("admin:deliveries_period_change", args=[period.pk])),
            (changelist(AssignmentGroup), reverse("admin:deliveries_assignment_change", args=[assignment.pk])),
            (changelist(Delivery), reverse("admin:deliveries_assignmentgroup_change", args=[group.pk])),
            (changelist(FileMeta), reverse("admin:deliveries_delivery_change", args=[self.first.pk])),
        ]
        for page, link in steps:
            with self.subTest(page=page, link=link):
                response = self.client.get(page)
                self.assertContains(response, f'href="{link}"'.replace("&", "&amp;"))
                target = self.client.get(link)
                self.assertEqual(target.status_code, 200)

    def test_children_lists_filter(self):
        """Following a children link shows only that parent's children."""
        response = self.client.get(f"{changelist(FileMeta)}?delivery__id__exact={self.second.pk}")
        self.assertContains(response, "extra.md")
        self.assertNotContains(response, "photo.png")

    def test_group_shows_candidates(self):
        """The group list names its candidates."""
        self.assertContains(self.client.get(changelist(AssignmentGroup)), "X-1234")

    def test_filemeta_is_read_only(self):
        """Files cannot be added by hand (their bytes come through Delivery.add_file)."""
        self.assertEqual(self.client.get(reverse("admin:deliveries_filemeta_add")).status_code, 403)


class TestFileMetaList(AdminFixtureMixin, TestCase):
    def setUp(self):
        super().setUp()
        Candidate.objects.create(assignment_group=self.first.assignment_group, user=self.nobody, candidate_id="X-1234")
        self.login(self.viewer)

    def names(self, **params):
        response = self.client.get(changelist(FileMeta), params)
        self.assertEqual(response.status_code, 200)
        return {row.filename for row in response.context["cl"].result_list}

    def test_search(self):
        """Search finds files by part of the name, whole checksum, candidate id and username."""
        everything = {"hello.py", "notes.txt", "photo.png", "data.bin", "extra.md"}
        cases = {
            "ote": {"notes.txt"},
            self.png.checksum: {"photo.png"},
            self.png.checksum[:20]: {"photo.png"},
            self.png.checksum[:8].upper(): {"photo.png"},
            self.png.checksum[:7]: set(),  # under 8 hex digits: a part of a filename
            "X-1234": everything,
            "nobody": everything,
        }
        for term, expected in cases.items():
            with self.subTest(term=term):
                self.assertEqual(self.names(q=term), expected)

    def test_search_words_and_duplicates(self):
        """Every word must match; a group with two matching candidates lists each file once."""
        Candidate.objects.create(assignment_group=self.first.assignment_group, user=self.viewer, candidate_id="X-1234")
        self.assertEqual(self.names(q="hello .py"), {"hello.py"})
        self.assertEqual(self.names(q='"notes.txt"'), {"notes.txt"})
        self.assertEqual(self.names(q="X-1234 notes"), {"notes.txt"})
        response = self.client.get(changelist(FileMeta), {"q": "X-1234"})
        self.assertEqual(len(response.context["cl"].result_list), 7)

    def test_checksum_prefix_is_a_range_on_the_index(self):
        """A SHA-256 prefix is a range on the checksum column; hex that begins no SHA-256 is a filename part."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        prefix = self.png.checksum[:8]
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.names(q=prefix), {"photo.png"})
        sql = " ".join(q["sql"] for q in queries)
        self.assertIn(f"\"checksum\" >= '{prefix}'", sql)
        self.assertIn(f"\"checksum\" < '{prefix}g'", sql)
        self.assertNotIn(f"LIKE '%{prefix}%'", sql)
        dated = self.first.add_file("scan-20261101.pdf", [b"%PDF-1.4 scan"])
        if dated.checksum.startswith("20261101"):  # vanishingly unlikely; the test would prove nothing
            self.skipTest("the file's own SHA-256 starts with its date")
        self.assertEqual(self.names(q="20261101"), {"scan-20261101.pdf"})

    def test_search_words_are_bounded(self):
        """A search of a thousand words searches the first ten, says so, and answers on every list."""
        from deliveries.admin_pages.bounds import MAX_SEARCH_TERMS

        words = " ".join(f"w{i}" for i in range(1000))
        self.login(self.superuser)
        for model in MODELS:
            with self.subTest(model=model.__name__):
                with CaptureQueriesContext(connection) as queries:
                    response = self.client.get(changelist(model), {"q": words})
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "Searched for the first 10 words only; the other 990 were left out.")
                # Bounded by the ten words searched: a person's name costs at most three queries a word.
                self.assertLess(len(queries), 3 * MAX_SEARCH_TERMS + 20)
        self.assertEqual(MAX_SEARCH_TERMS, 10)
        # Positive control: ten words are all searched, with no message.
        response = self.client.get(changelist(FileMeta), {"q": "hello " * 10})
        self.assertNotContains(response, "Searched for the first")
        self.assertEqual({row.filename for row in response.context["cl"].result_list}, {"hello.py"})

    def test_date_hierarchy_values_of_any_size(self):
        """Years past 9998, below 2, absurd months and days, and non-numbers: the admin's "?e=1", never a 500."""
        from deliveries.models import StoreCheckRun

        self.login(self.superuser)
        lists = {Period: "start_time", Delivery: "time_of_delivery", FileMeta: "created", StoreCheckRun: "started"}
        bad = [
            {"year": "9999"},
            {"year": "1"},
            {"year": "9" * 5000},
            {"year": "x"},
            {"year": "2026", "month": "13"},
            {"year": "9998", "month": "12", "day": "99"},
            {"year": "2026", "month": "2", "day": "30"},
        ]
        for model, field in lists.items():
            for parts in bad:
                with self.subTest(model=model.__name__, parts=parts):
                    params = {f"{field}__{part}": value for part, value in parts.items()}
                    response = self.client.get(changelist(model), params)
                    self.assertEqual(response.status_code, 302)
                    self.assertTrue(response["Location"].endswith("?e=1"))
            with self.subTest(model=model.__name__, parts="the last year"):
                # Positive control: the edges still answer.
                response = self.client.get(changelist(model), {f"{field}__year": "9998", f"{field}__month": "12"})
                self.assertEqual(response.status_code, 200)

    def test_filters(self):
        """Filters by status, content-type family, assignment and period."""
        FileMeta.objects.filter(pk=self.png.pk).update(status=FileMeta.Status.CORRUPT)
        assignment = self.first.assignment_group.assignment
        self.assertEqual(self.names(status__exact="corrupt"), {"photo.png"})
        self.assertEqual(self.names(type="image"), {"photo.png"})
        self.assertEqual(self.names(type="text"), {"hello.py", "notes.txt", "extra.md"})
        self.assertEqual(self.names(type="other"), {"data.bin"})
        self.assertEqual(len(self.names(**{"delivery__assignment_group__assignment__id__exact": assignment.pk})), 5)
        self.assertEqual(
            len(self.names(**{"delivery__assignment_group__assignment__period__id__exact": assignment.period_id})), 5
        )

    def test_date_hierarchy(self):
        """The date hierarchy drills down by year."""
        year = self.py.created.year
        self.assertEqual(len(self.names(created__year=year)), 5)
        self.assertEqual(self.names(created__year=year - 1), set())

    def test_human_size_and_links(self):
        """Sizes are human-readable and rows link to delivery, group and assignment."""
        response = self.client.get(changelist(FileMeta))
        self.assertContains(response, "5.0\xa0KB")
        self.assertContains(
            response, reverse("admin:deliveries_assignmentgroup_change", args=[self.first.assignment_group_id])
        )


class TestFileMetaListAtScale(AdminFixtureMixin, TestCase):
    """Thousands of rows cost the same number of queries as a handful, on every page."""

    def setUp(self):
        super().setUp()
        self.login(self.viewer)
        # The new columns have something to show: students (named), a deadline to be late for.
        group = self.first.assignment_group
        self.nobody.first_name, self.nobody.last_name = "Amira", "Khan"
        self.nobody.save()
        Candidate.objects.create(assignment_group=group, user=self.nobody)
        Assignment.objects.filter(pk=group.assignment_id).update(
            first_deadline=timezone.now() - datetime.timedelta(days=1)
        )

    def count_queries(self, url):
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(queries), response

    def test_constant_queries(self):
        """Page 1, a deep page, a filtered and a searched page: same query count with 5 or 12,000 rows."""
        urls = [
            changelist(FileMeta),
            changelist(FileMeta) + "?status__exact=intact",
            changelist(FileMeta) + "?type=text&q=e",
            changelist(FileMeta) + "?lateness=late",
            changelist(FileMeta) + "?q=Amira+Khan",
        ]
        FileMeta.objects.filter(pk=self.py.pk).update(status=FileMeta.Status.INTACT)  # every list has rows
        small = [self.count_queries(url)[0] for url in urls]
        add_filemetas(self.first, 12_000)
        urls_large = [*urls, changelist(FileMeta) + "?p=50"]
        for url, expected in zip(urls_large, [*small, small[0]]):
            with self.subTest(url=url):
                with self.assertNumQueries(expected):
                    response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(len(response.context["cl"].result_list), 100)

    def test_checksum_prefix_constant_queries(self):
        """A SHA-256 prefix search costs the same queries with 5 rows or 12,000."""
        url = changelist(FileMeta) + f"?q={self.py.checksum[:10]}"
        small, response = self.count_queries(url)
        self.assertEqual([row.pk for row in response.context["cl"].result_list], [self.py.pk])
        add_filemetas(self.first, 12_000)
        with self.assertNumQueries(small):
            response = self.client.get(url)
        self.assertEqual([row.pk for row in response.context["cl"].result_list], [self.py.pk])

    def test_no_full_count(self):
        """No query counts or reads the whole table: the count is the number of keys read up to a LIMIT."""
        add_filemetas(self.first, 12_000)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(changelist(FileMeta) + "?p=3")
        filemeta_queries = [q["sql"] for q in queries if 'FROM "deliveries_filemeta"' in q["sql"]]
        self.assertFalse([sql for sql in filemeta_queries if "COUNT(" in sql.upper()])
        self.assertTrue(all("LIMIT" in sql or '"id" IN (' in sql for sql in filemeta_queries), filemeta_queries)
        self.assertIn(f"LIMIT {LargeTablePaginator.count_limit}", filemeta_queries[0])
        self.assertContains(response, f"{LargeTablePaginator.count_limit} or more files")
        # Newest first: the 7 sample files, then file011999.py down; page 3 starts at row 200.
        self.assertEqual(response.context["cl"].result_list[0].filename, f"file{11999 - (200 - 7):06d}.py")

    def test_delivery_list_constant_queries(self):
        """The delivery list too, with its students, lateness, filter and name search: the same queries for 2 or 2,000 deliveries."""
        urls = [
            changelist(Delivery),
            changelist(Delivery) + "?lateness=late",
            changelist(Delivery) + "?q=Khan",
            changelist(Delivery) + "?p=2",
        ]
        small = [self.count_queries(url)[0] for url in urls[:3]]
        group = self.first.assignment_group
        Delivery.objects.bulk_create(
            Delivery(assignment_group=group, number=100 + i, delivered_by=self.first.delivered_by) for i in range(2000)
        )
        for url, expected in zip(urls, [*small, small[0]]):
            with self.subTest(url=url), self.assertNumQueries(expected):
                response = self.client.get(url)
                self.assertEqual(len(response.context["cl"].result_list), 100)
                self.assertContains(response, "Amira Khan (nobody)")
                self.assertContains(response, "late by")


class TestExaminerListsAtScale(AdminFixtureMixin, TestCase):
    """An examiner's lists, narrowed to their groups, keep the constant query count and the key-first pages."""

    def setUp(self):
        super().setUp()
        self.examiner = make_examiner("examiner", self.first.assignment_group)
        self.elsewhere = make_delivery("elsewhere")
        self.login(self.examiner)

    def count_queries(self, url):
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def grow(self):
        """12,000 files of the examiner's group, then 3,000 newer ones and 2,000 deliveries of another group."""
        add_filemetas(self.first, 12_000)
        add_filemetas(self.elsewhere, 3_000, start=20_000)
        Delivery.objects.bulk_create(
            Delivery(assignment_group=self.elsewhere.assignment_group, number=100 + i) for i in range(2000)
        )
        own = self.first.assignment_group
        Delivery.objects.bulk_create(Delivery(assignment_group=own, number=100 + i) for i in range(150))

    def test_constant_queries(self):
        """Every list page, filtered and searched, costs an examiner the same queries with 7 or 17,000 files."""
        urls = [
            changelist(FileMeta),
            changelist(FileMeta) + "?status__exact=unverified",
            changelist(FileMeta) + "?type=text&q=e",
            changelist(Delivery),
            changelist(AssignmentGroup),
            changelist(Assignment),
        ]
        small = [self.count_queries(url) for url in urls]
        self.grow()
        for url, expected in zip([*urls, changelist(FileMeta) + "?p=50"], [*small, small[0]]):
            with self.subTest(url=url), self.assertNumQueries(expected):
                self.client.get(url)

    def test_pages_by_key_hold_only_their_rows(self):
        """Page 1 and a deep page hold 100 of the examiner's files; the count is capped without a COUNT."""
        self.grow()
        own = self.first.assignment_group_id
        for page in (1, 50):
            with self.subTest(page=page):
                with CaptureQueriesContext(connection) as queries:
                    response = self.client.get(changelist(FileMeta), {"p": page})
                rows = response.context["cl"].result_list
                self.assertEqual(len(rows), 100)
                self.assertEqual({row.delivery.assignment_group_id for row in rows}, {own})
                filemeta_sql = [q["sql"] for q in queries if 'FROM "deliveries_filemeta"' in q["sql"]]
                self.assertFalse([sql for sql in filemeta_sql if "COUNT(" in sql.upper()])
                self.assertIn(f"LIMIT {LargeTablePaginator.count_limit}", filemeta_sql[0])
                self.assertIn("deliveries_assignmentgroup_examiners", filemeta_sql[0])
        self.assertContains(response, f"{LargeTablePaginator.count_limit} or more files")
        deliveries = self.client.get(changelist(Delivery)).context["cl"].result_list
        self.assertEqual(len(deliveries), 100)
        self.assertEqual({d.assignment_group_id for d in deliveries}, {own})


class TestActions(AdminFixtureMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.login(self.viewer)
        self.damage_samples()

    def test_verify_selected_files(self):
        """The action verifies the chosen files, records each outcome and reports the counts."""
        chosen = [self.py.pk, self.png.pk, self.txt.pk, self.bin.pk]
        response = self.client.post(
            changelist(FileMeta), {"action": "verify_selected", "_selected_action": chosen}, follow=True
        )
        self.assertContains(response, "Verified 4 files: 2 intact, 1 missing, 1 corrupt.")
        statuses = dict(FileMeta.objects.filter(pk__in=chosen).values_list("filename", "status"))
        self.assertEqual(
            statuses, {"hello.py": "intact", "photo.png": "intact", "notes.txt": "missing", "data.bin": "corrupt"}
        )

    def test_verify_selected_deliveries(self):
        """The delivery action verifies every file of the chosen deliveries."""
        response = self.client.post(
            changelist(Delivery), {"action": "verify_selected", "_selected_action": [self.first.pk]}, follow=True
        )
        self.assertContains(response, "Verified 4 files: 2 intact, 1 missing, 1 corrupt.")
        self.assertFalse(FileMeta.objects.filter(delivery=self.second, verified_at__isnull=False).exists())

    def test_action_needs_permission(self):
        """Staff without the view permission cannot run the action."""
        self.login(make_user("intruder", perms=["view_delivery"]))
        response = self.client.post(
            changelist(FileMeta), {"action": "verify_selected", "_selected_action": [self.py.pk]}
        )
        self.assertEqual(response.status_code, 403)
        self.py.refresh_from_db()
        self.assertIsNone(self.py.verified_at)
