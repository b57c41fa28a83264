"""Bulk mode: make(count, Model, _bulk=True) inserts level by level with a constant number of queries."""

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from factory import Factory, FactoryError
from tests.factoryapp.models import (
    Article,
    Author,
    Book,
    Club,
    Comment,
    Membership,
    Place,
    Post,
    Restaurant,
    Tag,
    UniqueFlags,
)


class BulkTests(TestCase):
    def test_rows_and_fk_targets_saved(self):
        """Every row and one FK target per row are saved, primary keys set."""
        books = Factory().make(50, Book, _bulk=True)
        self.assertEqual(Book.objects.count(), 50)
        self.assertEqual(Author.objects.count(), 50)
        self.assertTrue(all(book.pk and book.author_id for book in books))
        self.assertEqual(books[0].title, "title-1")

    def test_constant_queries(self):
        """The number of queries does not grow with the number of rows."""
        factory = Factory()
        counts = []
        for count in (10, 200):
            with CaptureQueriesContext(connection) as queries:
                factory.make(count, Book, _bulk=True)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])

    def test_same_values_as_make(self):
        """Bulk rows get the values make() would give."""
        bulk = [(b.title, b.pages, b.author.name) for b in Factory().make(3, Book, _bulk=True)]
        Book.objects.all().delete()
        plain = [(b.title, b.pages, b.author.name) for b in Factory().make(3, Book)]
        self.assertEqual(bulk, plain)

    def test_shared_fk_and_nested(self):
        """A given FK is shared; fk__field goes to every new target."""
        author = Factory().make_one(Author)
        Factory().make(5, Book, author=author, _bulk=True)
        self.assertEqual(author.book_set.count(), 5)
        Factory().make(2, Book, author__name="Ann", _bulk=True)
        self.assertEqual(Author.objects.filter(name="Ann").count(), 2)

    def test_m2m_and_through(self):
        """M2M targets and through rows (auto and custom, through_fields) are bulk-inserted."""
        articles = Factory().make(4, Article, _bulk=True)
        self.assertEqual(Tag.objects.count(), 8)
        self.assertTrue(all(article.tags.count() == 2 for article in articles))
        Factory().make(3, Club, _bulk=True)
        self.assertEqual(Membership.objects.count(), 6)

    def test_generic_targets(self):
        """GenericForeignKey targets are bulk-made and real."""
        comments = Factory().make(3, Comment, _bulk=True)
        self.assertEqual(Post.objects.count(), 3)
        self.assertTrue(all(isinstance(comment.content_object, Post) for comment in comments))

    def test_multi_table_child_saved_row_by_row(self):
        """MTI children, which bulk_create cannot insert, are still all saved."""
        Factory().make(3, Restaurant, _bulk=True)
        self.assertEqual((Restaurant.objects.count(), Place.objects.count()), (3, 3))

    def test_unique_combinations(self):
        """Unique finite combinations cycle in bulk too."""
        rows = Factory().make(4, UniqueFlags, _bulk=True)
        self.assertEqual(len({(row.flag, row.level) for row in rows}), 4)

    def test_validate_opt_in(self):
        """_validate=True runs full_clean() on each row before the insert."""
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            Factory().make(2, Book, pages="x", _bulk=True, _validate=True)
        self.assertFalse(Book.objects.exists())

    def test_reverse_sets_refused(self):
        """Reverse sets are refused with a message that says what to do instead."""
        with self.assertRaisesMessage(
            FactoryError, "factoryapp.Author: reverse sets (book_set) are not supported with _bulk=True"
        ):
            Factory().make(2, Author, book_set=1, _bulk=True)
