"""Named states, Sequence, Derived, after-make hooks and get_or_create, in the factory's own style."""

from django.contrib.auth import get_user_model
from django.test import SimpleTestCase, TestCase

from factory import Derived, Factory, FactoryError, Sequence
from tests.factoryapp.models import Author, Book, Library, Shelf, Tag


class StateTests(TestCase):
    def test_nested_state_sets_several_attributes(self):
        """A state from Model.Factory.states sets all its attributes."""
        library = Factory().make_one(Library, _states=["closed"])
        self.assertEqual((library.open, library.visitors), (False, 0))

    def test_states_compose_in_order(self):
        """Several states apply in order; a later one wins where they overlap."""
        library = Factory().make_one(Library, _states=["busy", "in_oslo"])
        self.assertEqual((library.open, library.visitors, library.city), (True, 10_000, "Oslo"))
        library = Factory().prepare_one(Library, _states=["busy", "closed"])
        self.assertEqual((library.open, library.visitors), (False, 0))

    def test_state_including_states(self):
        """A state may include others with _states; its own keywords win over theirs."""
        library = Factory().prepare_one(Library, _states="busy_in_oslo")
        self.assertEqual((library.open, library.visitors, library.city), (True, 20_000, "Oslo"))

    def test_keywords_win_over_states(self):
        """An explicit keyword wins over every state."""
        self.assertEqual(Factory().prepare_one(Library, _states=["busy"], visitors=5).visitors, 5)

    def test_states_for_models_you_do_not_own(self):
        """Factory(states=...) and add_state define states for any model, by class or label."""
        factory = Factory(states={"auth.User": {"staff": {"is_staff": True}}})
        factory.add_state(get_user_model(), "admin", _states=["staff"], is_superuser=True)
        user = factory.make_one(get_user_model(), _states=["admin"])
        self.assertEqual((user.is_staff, user.is_superuser), (True, True))

    def test_redefined_state_takes_effect(self):
        """add_state after a state was used replaces it for the next call."""
        factory = Factory(states={Author: {"famous": {"name": "Ibsen"}}})
        self.assertEqual(factory.prepare_one(Author, _states=["famous"]).name, "Ibsen")
        factory.add_state(Author, "famous", name="Undset")
        self.assertEqual(factory.prepare_one(Author, _states=["famous"]).name, "Undset")

    def test_registered_state_wins_over_nested(self):
        """A state the factory was given replaces the nested Factory's state of the same name."""
        factory = Factory(states={Library: {"closed": {"open": False, "visitors": 7}}})
        self.assertEqual(factory.prepare_one(Library, _states=["closed"]).visitors, 7)

    def test_states_in_make_bulk_and_prepare(self):
        """States work with make(count), bulk and prepare(count)."""
        factory = Factory()
        self.assertEqual({lib.city for lib in factory.make(2, Library, _states=["in_oslo"])}, {"Oslo"})
        self.assertEqual({lib.city for lib in factory.make(2, Library, _states=["in_oslo"], _bulk=True)}, {"Oslo"})
        self.assertEqual({lib.city for lib in factory.prepare(2, Library, _states=["in_oslo"])}, {"Oslo"})

    def test_unknown_state_names_model_and_known_states(self):
        """An unknown state raises FactoryError naming the model, the state and the states it has."""
        with self.assertRaisesMessage(
            FactoryError, "factoryapp.Library has no state 'late'; its states are: busy, busy_in_oslo, closed"
        ):
            Factory().make_one(Library, _states=["late"])
        with self.assertRaisesMessage(FactoryError, "factoryapp.Book has no state 'cheap'; it has none."):
            Factory().make_one(Book, _states=["cheap"])
        self.assertFalse(Library.objects.exists())

    def test_states_in_a_circle(self):
        """States that include each other raise FactoryError naming the circle."""
        factory = Factory(states={Author: {"a": {"_states": ["b"]}, "b": {"_states": ["a"]}}})
        with self.assertRaisesMessage(FactoryError, "factoryapp.Author: the states a -> b -> a include each other"):
            factory.prepare_one(Author, _states=["a"])


class SequenceTests(TestCase):
    def test_keyword_sequence(self):
        """Sequence("Volume {n}") numbers the rows of a call 1, 2, 3."""
        books = Factory().make(3, Book, title=Sequence("Volume {n}"))
        self.assertEqual([book.title for book in books], ["Volume 1", "Volume 2", "Volume 3"])

    def test_function_sequence_and_start(self):
        """Sequence takes a function of n, and start= to begin elsewhere."""
        pages = [book.pages for book in Factory().prepare(3, Book, pages=Sequence(lambda n: n * 100, start=0))]
        self.assertEqual(pages, [0, 100, 200])

    def test_nested_sequence_goes_on_between_calls(self):
        """get_name = Sequence(...) on the nested Factory counts on across calls, per factory."""
        factory = Factory()
        self.assertEqual([factory.prepare_one(Library).name for _ in range(2)], ["Library 1", "Library 2"])
        self.assertEqual(Factory().prepare_one(Library).name, "Library 1")
        factory.reset()
        self.assertEqual(factory.prepare_one(Library).name, "Library 1")

    def test_bad_sequence(self):
        """A Sequence of something else than a format or a function is refused at once."""
        with self.assertRaisesMessage(TypeError, "Sequence takes a format string with {n} or a function of n"):
            Sequence(3)


class DerivedTests(TestCase):
    def test_nested_derived(self):
        """get_slug = Derived(...) computes the slug from the name it was given or generated."""
        self.assertEqual(Factory().prepare_one(Library).slug, "library-1")
        self.assertEqual(Factory().prepare_one(Library, name="Deichman Bjørvika").slug, "deichman-bjrvika")

    def test_keyword_derived_reads_other_fields_and_the_fk(self):
        """A Derived keyword sees every other value, foreign-key targets included."""
        book = Factory().make_one(Book, title=Derived(lambda book: f"{book.author.name}'s {book.pages} pages"))
        self.assertEqual(book.title, "name-1's 1 pages")
        book.full_clean()

    def test_dotted_path(self):
        """Derived("author.name") copies an attribute along a path (SelfAttribute)."""
        self.assertEqual(
            Factory().make_one(Book, title=Derived("author.name"), author__name="Le Guin").title, "Le Guin"
        )

    def test_derived_in_field_order(self):
        """Derived values (nested and keyword) run in field order: each reads those of earlier fields."""
        library = Factory().prepare_one(
            Library, city=Derived(lambda lib: lib.slug.upper()), name=Derived(lambda lib: "Main Branch")
        )
        self.assertEqual((library.name, library.slug, library.city), ("Main Branch", "main-branch", "MAIN-BRANCH"))

    def test_derived_in_bulk_and_with_model_generators(self):
        """Derived keywords work in bulk and with a model generator."""
        rows = Factory().make(2, Book, title=Derived(lambda book: f"by {book.author.name}"), _bulk=True)
        self.assertEqual([row.title for row in rows], ["by name-1", "by name-2"])
        factory = Factory(model_generators={Author: lambda factory, **attrs: Author(**attrs)})
        self.assertEqual(factory.prepare_one(Author, name=Derived(lambda a: "derived")).name, "derived")

    def test_failing_derived_names_model_and_field(self):
        """A Derived that raises is reported with the model, the field and what it saw."""
        with self.assertRaisesMessage(
            FactoryError,
            "factoryapp.Book.title: the derived value Derived('author.nickname') failed with AttributeError",
        ):
            Factory().make_one(Book, title=Derived("author.nickname"))
        self.assertFalse(Book.objects.exists())


class AfterMakeTests(TestCase):
    def test_nested_after_make_runs_after_save(self):
        """Shelf.Factory.after_make runs on the saved shelf (it adds an M2M target)."""
        shelf = Factory().make_one(Shelf)
        self.assertEqual([tag.name for tag in shelf.tags.all()], [shelf.label])

    def test_keyword_and_state_hooks_add_up(self):
        """The state's _after_make and the call's run in that order, after the nested one."""
        calls = []
        library = Factory().make_one(
            Library, _states=["with_shelves"], _after_make=lambda lib, factory: calls.append(lib.shelves.count())
        )
        self.assertEqual(calls, [2])
        self.assertEqual(library.shelves.count(), 2)

    def test_after_make_for_every_row_and_in_bulk(self):
        """make(count) and bulk run the hooks once per new row, after all rows are saved in bulk."""
        seen = []
        Factory().make(3, Author, _after_make=lambda a, f: seen.append(a.pk))
        rows = Factory().make(3, Author, _after_make=[lambda a, f: seen.append(a.pk)], _bulk=True)
        self.assertEqual(len(seen), 6)
        self.assertEqual(seen[3:], [row.pk for row in rows])
        shelves = Factory().make(2, Shelf, _bulk=True)
        self.assertEqual([shelf.tags.count() for shelf in shelves], [1, 1])

    def test_prepare_runs_no_hook(self):
        """prepare_one saves nothing, so no after-make hook runs."""
        shelf = Factory().prepare_one(Shelf, _after_make=lambda s, f: self.fail("hook ran"))
        self.assertIsNone(shelf.pk)


class GetOrCreateTests(TestCase):
    def test_nested_get_or_create_reuses_by_key(self):
        """Library.Factory.get_or_create = ("name",): a second make with that name returns the first row."""
        factory = Factory()
        first = factory.make_one(Library, name="Deichman")
        with self.assertNumQueries(1):
            again = factory.make_one(Library, name="Deichman", city="elsewhere")
        self.assertEqual(again.pk, first.pk)
        self.assertEqual(again.city, first.city)
        self.assertEqual(Library.objects.count(), 1)

    def test_keyword_get_or_create(self):
        """_get_or_create=[...] reuses rows of any model by the given fields, also by a generated key."""
        factory = Factory()
        python = factory.make_one(Tag, name="python", _get_or_create=["name"])
        self.assertEqual(factory.make_one(Tag, name="python", _get_or_create=["name"]), python)
        cycled = [factory.make_one(Tag, name=Sequence(lambda n: f"t{n % 2}"), _get_or_create="name") for _ in range(4)]
        self.assertEqual(len({tag.pk for tag in cycled}), 2)

    def test_reused_fk_target(self):
        """A FK target whose model reuses rows is reused when its key matches."""
        factory = Factory()
        shelf = factory.make_one(Shelf, library__name="Deichman")
        other = factory.make_one(Shelf, library__name="Deichman")
        self.assertEqual(shelf.library_id, other.library_id)

    def test_bulk_get_or_create(self):
        """Bulk reuses existing rows and inserts each new key once."""
        factory = Factory()
        existing = factory.make_one(Tag, name="a")
        rows = factory.make(4, Tag, name=Sequence(lambda n: "ab"[n % 2]), _get_or_create=["name"], _bulk=True)
        self.assertEqual([row.name for row in rows], ["b", "a", "b", "a"])
        self.assertEqual(rows[1].pk, existing.pk)
        self.assertEqual(rows[0].pk, rows[2].pk)
        self.assertEqual(Tag.objects.count(), 2)

    def test_unknown_key_field(self):
        """A key that is not a field raises FactoryError naming the model and its fields."""
        with self.assertRaisesMessage(
            FactoryError, "factoryapp.Tag has no field 'title' to look existing rows up by (_get_or_create)"
        ):
            Factory().make_one(Tag, _get_or_create=["title"])


class DeterminismOfNewValuesTests(SimpleTestCase):
    def test_states_and_sequences_repeat(self):
        """The same calls on fresh factories give the same values, states and sequences included."""
        draw = lambda: [(lib.name, lib.slug, lib.city) for lib in Factory().prepare(3, Library, _states=["busy"])]  # noqa: E731
        self.assertEqual(draw(), draw())
