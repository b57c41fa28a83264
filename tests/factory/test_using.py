"""_using=: every row, FK target and M2M row goes to the named database."""

from django.test import TestCase

from factory import Factory
from tests.factoryapp.models import Article, Author, Book, Comment


class UsingTests(TestCase):
    databases = {"default", "other"}

    def test_make_one_using(self):
        """make_one(_using=) saves the instance and its FK target in that database only."""
        book = Factory().make_one(Book, _using="other")
        self.assertEqual(book._state.db, "other")
        self.assertEqual((Book.objects.using("other").count(), Author.objects.using("other").count()), (1, 1))
        self.assertFalse(Book.objects.exists())

    def test_m2m_and_generic_using(self):
        """M2M rows and generic targets follow _using too."""
        article = Factory().make_one(Article, _using="other")
        self.assertEqual(article.tags.count(), 2)
        comment = Factory().make_one(Comment, _using="other")
        self.assertEqual(comment.content_object._state.db, "other")
        self.assertFalse(Article.objects.exists())

    def test_bulk_using(self):
        """Bulk mode inserts into the named database."""
        Factory().make(5, Book, _bulk=True, _using="other")
        self.assertEqual(Book.objects.using("other").count(), 5)
        self.assertFalse(Author.objects.exists())
