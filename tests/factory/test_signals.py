"""mute_signals: chosen signals silenced inside the block (or the decorated function), restored after."""

from django.db.models.signals import post_save, pre_save
from django.test import TestCase

from factory import Factory, mute_signals
from tests.factoryapp.models import Author, Book


class MuteSignalsTests(TestCase):
    def setUp(self):
        self.heard = []
        self.receiver = lambda sender, instance, **kwargs: self.heard.append((sender.__name__, instance.pk))
        post_save.connect(self.receiver, weak=False)
        self.addCleanup(post_save.disconnect, self.receiver)

    def test_positive_control(self):
        """Without muting, the receiver hears every save the factory makes."""
        Factory().make_one(Book)
        self.assertEqual([name for name, _pk in self.heard], ["Author", "Book"])

    def test_muted_then_restored(self):
        """Inside mute_signals(post_save) nothing is heard; after it the receiver hears again."""
        with mute_signals(post_save):
            Factory().make_one(Book)
        self.assertEqual(self.heard, [])
        Factory().make_one(Author)
        self.assertEqual(len(self.heard), 1)

    def test_only_the_chosen_signals(self):
        """Muting pre_save leaves post_save alone."""
        with mute_signals(pre_save):
            Factory().make_one(Author)
        self.assertEqual(len(self.heard), 1)

    def test_default_mutes_model_signals(self):
        """Without arguments the save, delete and m2m signals are muted."""
        with mute_signals():
            Factory().make_one(Author).delete()
        self.assertEqual(self.heard, [])

    def test_sender_mutes_only_its_receivers(self):
        """sender=Book mutes receivers connected for Book only, not those for every sender."""
        for_books = []
        receiver = lambda sender, **kwargs: for_books.append(sender)  # noqa: E731
        post_save.connect(receiver, sender=Book, weak=False)
        self.addCleanup(post_save.disconnect, receiver, sender=Book)
        with mute_signals(post_save, sender=Book):
            Factory().make_one(Book)
        self.assertEqual(for_books, [])
        self.assertEqual(len(self.heard), 2)

    def test_decorator_and_nesting(self):
        """mute_signals works as a decorator, and nested blocks restore the outer state."""

        @mute_signals(post_save)
        def quiet():
            with mute_signals(post_save):
                Factory().make_one(Author)
            Factory().make_one(Author)

        quiet()
        quiet()
        self.assertEqual(self.heard, [])
        Factory().make_one(Author)
        self.assertEqual(len(self.heard), 1)

    def test_connected_inside_stays(self):
        """A receiver connected inside the block hears there and stays connected after it."""
        inside = []
        receiver = lambda sender, **kwargs: inside.append(sender)  # noqa: E731
        with mute_signals(post_save):
            post_save.connect(receiver, weak=False)
            Factory().make_one(Author)
        self.addCleanup(post_save.disconnect, receiver)
        Factory().make_one(Author)
        self.assertEqual(len(inside), 2)
        self.assertEqual(len(self.heard), 1)

    def test_not_a_signal(self):
        """Anything but a signal is refused with a message that says what to pass."""
        with self.assertRaisesMessage(TypeError, "mute_signals takes Django signals (post_save, pre_save...), not"):
            mute_signals(Book)
