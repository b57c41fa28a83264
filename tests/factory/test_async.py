"""amake_one / amake from async code."""

import asyncio

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

        one, many, bulk = asyncio.run(scenario())
        self.assertEqual(one.title, "async")
        self.assertEqual((len(many), len(bulk)), (2, 3))
        self.assertEqual(Book.objects.count(), 6)
