"""amake_one / amake from async code."""

from asgiref.sync import async_to_sync
from django.test import TransactionTestCase

from factory import Factory
from tests.factoryapp.models import Book


class AsyncTests(TransactionTestCase):
    def test_amake_one_and_amake(self):
        """The async variants save instances like their sync twins."""
        factory = Factory()

        async def scenario():
            one = await factory.amake_one(Book, title="async")
            many = await factory.amake(2, Book)
            bulk = await factory.amake(3, Book, _bulk=True)
            return one, many, bulk

        # async_to_sync runs the factory's database work back in this thread, on this test's connection.
        one, many, bulk = async_to_sync(scenario)()
        self.assertEqual(one.title, "async")
        self.assertEqual((len(many), len(bulk)), (2, 3))
        self.assertEqual(Book.objects.count(), 6)
