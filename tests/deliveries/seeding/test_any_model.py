"""deliveries.seeding.any_model: any installed model through the factory, with values as typed."""

from django.contrib.auth import get_user_model
from django.test import TestCase

from deliveries import health
from deliveries.models import AssignmentGroup, FileMeta, Period, Subject
from deliveries.seeding.any_model import CountersAfterExisting, parse_field_values, seed_model
from deliveries.seeding.demo import SeedError
from tests.support.store_mixins import SwappedStoreMixin


class TestParseFieldValues(TestCase):
    def test_conversions(self):
        """Each value is converted by its field: FK -> attname pk, M2M -> pk list, fk__field -> nested, booleans loosely."""
        attrs = parse_field_values(
            AssignmentGroup, {"name": "g1", "assignment": "7", "examiners": "1, 2", "assignment__short_name": "oblig9"}
        )
        self.assertEqual(
            attrs, {"name": "g1", "assignment_id": 7, "examiners": [1, 2], "assignment__short_name": "oblig9"}
        )
        for raw, value in (("true", True), ("Yes", True), ("0", False), ("False", False)):
            with self.subTest(raw=raw):
                self.assertEqual(parse_field_values(get_user_model(), {"is_staff": raw}), {"is_staff": value})

    def test_refusals(self):
        """Unknown fields, bad values and nonsense paths are refused naming the model and field."""
        cases = [
            (
                Subject,
                {"bogus": "1"},
                "deliveries.Subject has no field 'bogus'; its fields are: id, long_name, short_name.",
            ),
            (Period, {"start_time": "soon"}, "Bad value 'soon' for deliveries.Period.start_time"),
            (Period, {"subject": "x"}, "Bad value 'x' for deliveries.Subject.id"),
            (
                Period,
                {"short_name__x": "1"},
                "deliveries.Period.short_name is not a foreign key, so 'short_name__x' names nothing.",
            ),
            (Subject, {"periods": "1"}, "deliveries.Subject.periods cannot be set: it is a reverse relation."),
            (get_user_model(), {"is_staff": "maybe"}, "Bad value 'maybe' for auth.User.is_staff"),
        ]
        for model, values, message in cases:
            with self.subTest(values=values), self.assertRaisesMessage(SeedError, message):
                parse_field_values(model, values)


class TestSeedModel(SwappedStoreMixin, TestCase):
    def test_any_model(self):
        """Rows of any installed model, one by one or in bulk, with the given values on each."""
        for bulk in (False, True):
            with self.subTest(bulk=bulk):
                made = seed_model("deliveries.Period", 3, {"long_name": "Spring"}, bulk=bulk)
                self.assertEqual([p.long_name for p in made], ["Spring"] * 3)
                self.assertTrue(all(p.pk for p in made))
        users = seed_model("auth.User", 2, {"is_staff": "yes"})
        self.assertTrue(all(u.is_staff for u in users))

    def test_filemeta_gets_its_bytes(self):
        """Seeded FileMeta rows have their bytes in the store with the recorded size and SHA-256."""
        seed_model("deliveries.FileMeta", 3, {"filename": "notes.txt"}, bulk=True)
        report = health.check_store(self.store, level="deep")
        self.assertEqual((report.ok, report.files), (True, 3))
        self.assertEqual(set(FileMeta.objects.values_list("content_type", flat=True)), {"text/plain"})
        with self.assertRaisesMessage(SeedError, "FileMeta size and checksum come from the bytes the seed writes"):
            seed_model("deliveries.FileMeta", 1, {"size": "3"})

    def test_bad_input_writes_nothing(self):
        """Unknown model, missing FK target (checked or bulk), zero count: a clear error and no rows."""
        cases = [
            ("deliveries.Nope", {}, 1, False, "Unknown model 'deliveries.Nope': use app_label.ModelName, one of: "),
            ("nodot", {}, 1, False, "Unknown model 'nodot'"),
            (
                "deliveries.Period",
                {"subject": "999"},
                2,
                False,
                "Cannot seed deliveries.Period: subject instance with id 999",
            ),
            ("deliveries.Period", {"subject": "999"}, 2, True, "Cannot seed deliveries.Period: "),
            ("deliveries.Subject", {}, 0, False, "--count must be at least 1."),
        ]
        for label, values, count, bulk, message in cases:
            with self.subTest(label=label, values=values, bulk=bulk):
                with self.assertRaisesMessage(SeedError, message):
                    seed_model(label, count, values, bulk=bulk)
                self.assertEqual((Subject.objects.count(), Period.objects.count()), (0, 0))

    def test_unique_values_continue_after_existing_rows(self):
        """A second run does not collide with the unique values the first one made."""
        seed_model("deliveries.Subject", 2)
        seed_model("deliveries.Subject", 2)
        self.assertEqual(Subject.objects.count(), 4)
        self.assertEqual(len(set(Subject.objects.values_list("short_name", flat=True))), 4)

    def test_counters_offset_only_model_fields(self):
        """Only (model label, field) sequences are offset; other keys count from 1."""
        seed_model("deliveries.Subject", 3)
        highest = Subject.objects.order_by("-pk").values_list("pk", flat=True).first()  # sequences outlive tests
        counters = CountersAfterExisting()
        self.assertEqual(counters.next(("deliveries.Subject", "short_name")), highest + 1)
        self.assertEqual(counters.next(("combo", "deliveries.Subject", ("a",))), 1)
        self.assertEqual(counters.next(("nowhere.Model", "x")), 1)
