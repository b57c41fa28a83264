"""deliveries.admin_pages.pagination: capped counts and key-first pages."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from deliveries.admin_pages.pagination import LargeTablePaginator
from deliveries.models import FileMeta
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery


class SmallCap(LargeTablePaginator):
    count_limit = 5


class TestLargeTablePaginator(TestCase):
    @classmethod
    def setUpTestData(cls):
        get_user_model().objects.bulk_create([get_user_model()(username=f"u{i:02d}") for i in range(12)])

    def users(self):
        return get_user_model().objects.order_by("-username")

    def test_under_the_cap(self):
        """Below the limit the count is exact and not capped."""
        paginator = SmallCap(self.users().filter(username__in=["u01", "u02", "u03"]), 2)
        self.assertEqual((paginator.count, paginator.count_is_capped, paginator.num_pages), (3, False, 2))

    def test_capped(self):
        """At the limit the count stops: one query reading at most count_limit keys, no COUNT."""
        paginator = SmallCap(self.users(), 2)
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(paginator.count, 5)
        self.assertEqual(len(queries), 1)
        self.assertIn("LIMIT 5", queries[0]["sql"])
        self.assertNotIn("COUNT(", queries[0]["sql"].upper())
        self.assertTrue(paginator.count_is_capped)
        self.assertEqual(paginator.num_pages, 3)

    def test_pages_in_order(self):
        """Every page holds the right rows in the list's order, fetched by key in one more query."""
        paginator = LargeTablePaginator(self.users(), 5)
        expected = list(self.users().values_list("username", flat=True))
        self.assertEqual(paginator.count, 12)
        for number in (1, 2, 3):
            with self.subTest(page=number), self.assertNumQueries(1):
                page = paginator.page(number)
                self.assertEqual([u.username for u in page], expected[(number - 1) * 5 : number * 5])

    def test_fallbacks(self):
        """Lists, sliced and DISTINCT querysets are paged the ordinary way, still capped."""
        self.assertEqual(SmallCap(list(range(3)), 2).count, 3)
        self.assertEqual(SmallCap(list(range(30)), 2).count, 5)
        self.assertEqual(SmallCap(self.users()[:3], 2).count, 3)
        distinct = SmallCap(self.users().distinct(), 2)
        self.assertEqual(distinct.count, 5)
        self.assertEqual([u.username for u in distinct.page(1)], ["u11", "u10"])


class TestSelectRelatedKept(TestCase):
    def test_parents_joined(self):
        """Rows fetched by key keep the queryset's select_related: no query per row for parents."""
        self.enterContext(swap_deliverystore(FileMeta, MemoryDeliveryStore()))
        delivery = make_delivery("pg")
        for i in range(4):
            delivery.add_file(f"f{i}.txt", [b"x"])
        rows = FileMeta.objects.select_related("delivery__assignment_group").order_by("-filename")
        paginator = LargeTablePaginator(rows, 3)
        self.assertEqual(paginator.count, FileMeta.objects.count())  # counted before the page
        with self.assertNumQueries(1):
            page = paginator.page(1)
            self.assertEqual(
                [(fm.filename, fm.delivery.assignment_group.name) for fm in page],
                [("f3.txt", "g"), ("f2.txt", "g"), ("f1.txt", "g")],
            )
