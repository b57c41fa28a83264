"""deliveries.pagination: counts stop at a limit."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from deliveries.pagination import LargeTablePaginator


class SmallCap(LargeTablePaginator):
    count_limit = 5


class TestLargeTablePaginator(TestCase):
    @classmethod
    def setUpTestData(cls):
        get_user_model().objects.bulk_create([get_user_model()(username=f"u{i}") for i in range(12)])

    def test_under_the_cap(self):
        """Below the limit the count is exact and not capped."""
        paginator = SmallCap(get_user_model().objects.order_by("pk")[:3], 2)
        self.assertEqual((paginator.count, paginator.count_is_capped, paginator.num_pages), (3, False, 2))

    def test_capped(self):
        """At the limit the count stops, with one bounded query; the pages stop there too."""
        paginator = SmallCap(get_user_model().objects.order_by("pk"), 2)
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(paginator.count, 5)
        self.assertEqual(len(queries), 1)
        self.assertIn("LIMIT 5", queries[0]["sql"])
        self.assertTrue(paginator.count_is_capped)
        self.assertEqual(paginator.num_pages, 3)
        self.assertEqual(len(paginator.page(2).object_list), 2)

    def test_list(self):
        """Plain lists are counted with len(), capped the same way."""
        self.assertEqual(SmallCap(list(range(3)), 2).count, 3)
        self.assertEqual(SmallCap(list(range(30)), 2).count, 5)
