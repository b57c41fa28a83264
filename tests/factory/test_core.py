"""Factory's API: make/prepare, determinism, seeds, counters, control keywords, each precedence layer."""

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, TestCase

from factory import Counters, Factory
from tests.factoryapp.models import AllFields, Author, Book, Choicy, Member, Optional, Validated, Volunteer


class MakeAndPrepareTests(TestCase):
    def test_make_one_saves_a_valid_instance(self):
        """make_one returns a saved instance that passes full_clean()."""
        book = Factory().make_one(Book)
        self.assertIsNotNone(book.pk)
        self.assertTrue(Book.objects.filter(pk=book.pk).exists())
        book.full_clean()

    def test_make_count_first_model_second(self):
        """make(count, Model, **attrs) saves count instances with the given attrs."""
        books = Factory().make(3, Book, title="Dune")
        self.assertEqual([b.title for b in books], ["Dune"] * 3)
        self.assertEqual(Book.objects.filter(title="Dune").count(), 3)

    def test_make_one_validates_before_saving(self):
        """An invalid keyword raises ValidationError and nothing is inserted."""
        with self.assertRaises(ValidationError):
            Factory().make_one(Validated, score=99)
        self.assertFalse(Validated.objects.exists())

    def test_make_one_validate_false_skips_full_clean(self):
        """_validate=False saves without full_clean()."""
        row = Factory().make_one(Validated, score=99, _validate=False)
        self.assertEqual(Validated.objects.get(pk=row.pk).score, 99)

    def test_prepare_one_no_query_no_fk(self):
        """prepare_one neither saves nor queries, and leaves FKs empty."""
        with self.assertNumQueries(0):
            book = Factory().prepare_one(Book)
        self.assertIsNone(book.pk)
        self.assertIsNone(book.author_id)

    def test_prepare_one_related_prepares_fk_targets(self):
        """_related=True gives unsaved FK targets instead of empty FKs."""
        with self.assertNumQueries(0):
            book = Factory().prepare_one(Book, _related=True)
        self.assertIsNone(book.author.pk)
        self.assertEqual(book.author.name, "name-1")

    def test_prepare_one_does_not_validate(self):
        """prepare_one accepts values full_clean() would reject."""
        self.assertEqual(Factory().prepare_one(Validated, score=99).score, 99)

    def test_prepare_count(self):
        """prepare(count, Model) returns count unsaved instances with distinct values."""
        books = Factory().prepare(3, Book)
        self.assertEqual([b.title for b in books], ["title-1", "title-2", "title-3"])
        self.assertFalse(Book.objects.exists())


class DeterminismTests(SimpleTestCase):
    def test_same_calls_same_values(self):
        """Two fresh factories give the same values for the same calls."""
        first = [vars(b) for b in Factory().prepare(3, Book)]
        second = [vars(b) for b in Factory().prepare(3, Book)]
        strip = lambda rows: [{k: v for k, v in row.items() if k != "_state"} for row in rows]  # noqa: E731
        self.assertEqual(strip(first), strip(second))

    def test_counters_are_per_model_and_field(self):
        """Each (model, field) counts on its own, so other models do not shift the values."""
        factory = Factory()
        factory.prepare_one(Author)
        factory.prepare_one(Author)
        self.assertEqual(factory.prepare_one(Book).title, "title-1")

    def test_shared_counters(self):
        """Factories sharing a Counters continue each other's sequences."""
        counters = Counters()
        Factory(counters=counters).prepare_one(Author)
        self.assertEqual(Factory(counters=counters).prepare_one(Author).name, "name-2")

    def test_reset(self):
        """reset() starts the sequences again."""
        factory = Factory()
        factory.prepare_one(Author)
        factory.reset()
        self.assertEqual(factory.prepare_one(Author).name, "name-1")

    def test_seed_reproducible_and_random(self):
        """A seeded factory gives pseudo-random values, the same for the same seed."""
        draw = lambda seed: [(b.pages, b.is_active, b.title) for b in Factory(seed=seed).prepare(20, Book)]  # noqa: E731
        self.assertEqual(draw(7), draw(7))
        self.assertNotEqual(draw(7), draw(8))
        self.assertGreater(len({pages for pages, _, _ in draw(7)}), 15)
        self.assertEqual({active for _, active, _ in draw(7)}, {False, True})

    def test_seed_reset_replays(self):
        """reset() on a seeded factory replays the same values."""
        factory = Factory(seed=3)
        first = [b.pages for b in factory.prepare(5, Book)]
        factory.reset()
        self.assertEqual([b.pages for b in factory.prepare(5, Book)], first)

    def test_test_case_supplies_unique_values(self):
        """A test case passed as test_case supplies every unique value (testtools' protocol)."""

        class TesttoolsLike:
            counter = iter(range(100, 200))

            def getUniqueInteger(self):
                return next(self.counter)

            def getUniqueString(self, prefix=None):
                return f"{prefix}-tt-{self.getUniqueInteger()}"

        factory = Factory(test_case=TesttoolsLike())
        self.assertEqual(factory.prepare_one(Author).name, "name-100")
        self.assertEqual(factory.getUniqueInteger(), 101)
        self.assertEqual(factory.getUniqueString("p"), "p-tt-102")


class UniqueValueTests(SimpleTestCase):
    def test_unique_values(self):
        """getUnique* return a new value on every call, datetimes aware under USE_TZ."""
        factory = Factory()
        for name in ("Integer", "String", "Unicode", "Date", "Time", "DateTime"):
            with self.subTest(name):
                method = getattr(factory, f"getUnique{name}")
                values = [method() for _ in range(50)]
                self.assertEqual(len(set(values)), 50)
        self.assertIsNotNone(factory.getUniqueDateTime().tzinfo)

    def test_unique_string_prefix(self):
        """getUniqueString(prefix) puts the prefix first."""
        factory = Factory()
        self.assertEqual(factory.getUniqueString(), "str-1")
        self.assertEqual(factory.getUniqueString(prefix="name"), "name-2")

    def test_snake_case_aliases(self):
        """Each getUniqueX has a get_unique_x alias."""
        for camel, snake in [
            ("getUniqueInteger", "get_unique_integer"),
            ("getUniqueString", "get_unique_string"),
            ("getUniqueUnicode", "get_unique_unicode"),
            ("getUniqueDate", "get_unique_date"),
            ("getUniqueTime", "get_unique_time"),
            ("getUniqueDateTime", "get_unique_datetime"),
        ]:
            with self.subTest(snake):
                self.assertIs(getattr(Factory, camel), getattr(Factory, snake))


class GenerateValueTests(SimpleTestCase):
    def test_generate_value_choices_first(self):
        """generate_value gives a choices field its first choice."""
        self.assertEqual(Factory().generate_value(Choicy._meta.get_field("status")), "draft")

    def test_generate_value_ignores_default_and_null(self):
        """generate_value generates even for fields with a default or null and blank."""
        factory = Factory()
        self.assertEqual(factory.generate_value(Optional._meta.get_field("with_default")), 1)
        self.assertEqual(factory.generate_value(Optional._meta.get_field("null_and_blank")), "null_and_blank-1")

    def test_get_fields(self):
        """get_fields lists the fields to fill: no AutoField, M2M included."""
        names = [f.name for f in Factory.get_fields(Book)]
        self.assertEqual(names, ["title", "pages", "price", "published", "is_active", "author"])


class PrecedenceTests(SimpleTestCase):
    """One test per layer of the precedence in Factory's docstring."""

    def test_model_generator_beats_make_instance(self):
        """model_generators[Model] wins over the nested make_instance."""
        factory = Factory(
            model_generators={Volunteer: lambda factory, **attrs: Volunteer(name="generated", active=False)}
        )
        self.assertEqual(factory.prepare_one(Volunteer).name, "generated")

    def test_make_instance_beats_fields(self):
        """The nested make_instance builds the whole instance and receives the keywords."""
        factory = Factory()
        self.assertEqual(factory.prepare_one(Volunteer).name, "name-1")
        self.assertEqual(factory.prepare_one(Volunteer, name="Mike").name, "Mike")

    def test_keyword_beats_hook(self):
        """An explicit keyword wins over the nested get_<field>."""
        self.assertFalse(Factory().prepare_one(Member, active=False).active)

    def test_hook_beats_null_blank_default_choices(self):
        """The nested get_<field> wins over everything below it."""
        self.assertTrue(Factory().prepare_one(Member).active)
        self.assertEqual(Factory().prepare_one(Member).name, "name")

    def test_null_and_blank_left_empty(self):
        """null=True and blank=True: None; only one of them: a value."""
        row = Factory().prepare_one(Optional)
        self.assertIsNone(row.null_and_blank)
        self.assertEqual(row.null_only, "null_only-1")
        self.assertEqual(row.blank_only, "blank_only-1")

    def test_default(self):
        """A default (plain or callable) wins over choices and generators."""
        row = Factory().prepare_one(Optional)
        self.assertEqual((row.with_default, row.with_callable_default), (7, "made"))

    def test_choices_first_non_blank(self):
        """choices: the first non-blank choice, grouped choices flattened."""
        row = Factory().prepare_one(Choicy)
        self.assertEqual((row.status, row.priority, row.grouped, row.blank_first), ("draft", 3, "cd", "x"))

    def test_field_mapping_last(self):
        """Without any of the above the field mapping's generator is used."""
        self.assertEqual(Factory().prepare_one(Author).name, "name-1")


class ModelLabelTests(TestCase):
    def test_model_given_as_label(self):
        """Every method accepts "app_label.ModelName" for the model."""
        factory = Factory()
        self.assertIsInstance(factory.make_one("factoryapp.Book"), Book)
        self.assertEqual(len(factory.make(2, "factoryapp.Book", _bulk=True)), 2)
        self.assertIsInstance(factory.prepare_one("factoryapp.Author"), Author)
        self.assertEqual(len(factory.prepare(2, "factoryapp.Author")), 2)

    def test_plain_test_case_as_test_case(self):
        """A test case without getUniqueInteger (plain Django) leaves the counters to the factory."""
        self.assertEqual(Factory(test_case=self).prepare_one(Author).name, "name-1")

    def test_seeded_uuid_is_random_version_4(self):
        """A seeded factory gives version-4 UUIDs, the same for the same seed."""
        first, again = Factory(seed=1).prepare_one(AllFields), Factory(seed=1).prepare_one(AllFields)
        self.assertEqual(first.uuid.version, 4)
        self.assertEqual(first.uuid, again.uuid)
