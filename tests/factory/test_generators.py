"""Generated values: every field type, within column ranges, lengths and validators; files."""

import datetime
import os
import shutil
import tempfile
import uuid
from decimal import Decimal

from django.core.files.images import get_image_dimensions
from django.core.validators import MinValueValidator
from django.db import models
from django.test import SimpleTestCase, TestCase, override_settings

from factory import Factory, NoValidValueError
from factory.generators import INTEGER_RANGES, cycle, letters, tiny_png
from tests.factoryapp.models import FILES_DIR, AllFields, Attachment, Impossible, Validated


class FieldTypeTests(SimpleTestCase):
    def test_every_field_type_passes_full_clean(self):
        """200 instances of a model with every field type all pass full_clean()."""
        factory = Factory()
        for row in factory.prepare(200, AllFields):
            row.full_clean()

    def test_values(self):
        """The first instance gets readable, typed values."""
        row = Factory().prepare_one(AllFields)
        expected = {
            "big": 1,
            "binary": b"binary-1",
            "boolean": False,
            "char": "char-1",
            "date": datetime.date(2000, 1, 2),
            "decimal": Decimal("1.00"),
            "duration": datetime.timedelta(minutes=1),
            "email": "email-1@example.com",
            "floating": 1.5,
            "ip_both": "10.0.0.1",
            "ip_v4": "10.0.0.1",
            "ip_v6": "2001:db8::1",
            "integer": 1,
            "json": {"json": 1},
            "slug": "slug-1",
            "text": "text-1",
            "time": datetime.time(0, 1),
            "url": "https://example.com/url-1",
            "uuid": uuid.UUID(int=1),
            "upper": "upper-1",
            "legacy": 1,
        }
        for name, value in expected.items():
            with self.subTest(name):
                self.assertEqual(getattr(row, name), value)

    def test_datetime_aware(self):
        """DateTimeField values are aware under USE_TZ and naive without it."""
        self.assertEqual(Factory().prepare_one(AllFields).datetime, datetime.datetime(2000, 1, 2, tzinfo=datetime.UTC))
        with override_settings(USE_TZ=False):
            self.assertIsNone(Factory().prepare_one(AllFields).datetime.tzinfo)

    def test_max_length_keeps_the_counter(self):
        """Strings longer than max_length keep their tail, so the counter survives."""
        factory = Factory()
        values = [row.char for row in factory.prepare(12, AllFields)]
        self.assertEqual(values[0], "char-1")
        self.assertEqual(values[11], "har-12")
        self.assertEqual(len(set(values)), 12)

    def test_small_integers_stay_in_range(self):
        """SmallInteger/PositiveSmallInteger values wrap within the column range."""
        factory = Factory()
        for _ in range(3):
            factory.counters.next(("factoryapp.AllFields", "small"))
        field = AllFields._meta.get_field("small")
        low, high = INTEGER_RANGES["SmallIntegerField"]
        self.assertEqual(cycle(high + 1, low, high, 1), low)
        for n in (1, high, high + 5):
            with self.subTest(n):
                self.assertTrue(low <= cycle(n, low, high, 1) <= high)
        self.assertEqual(factory.generate_value(field), 4)

    def test_decimal_fits_max_digits(self):
        """Decimals stay within max_digits/decimal_places past 10**(digits - places)."""
        field = AllFields._meta.get_field("decimal")
        factory = Factory()
        for _ in range(1500):
            value = factory.generate_value(field)
        field.run_validators(value)
        self.assertEqual(value, Decimal("15.99"))

    def test_letters(self):
        """letters() is bijective base 26."""
        self.assertEqual([letters(n) for n in (1, 26, 27, 52, 703)], ["a", "z", "aa", "az", "aaa"])


class ValidatorTests(SimpleTestCase):
    def test_values_pass_validators(self):
        """Regex, Min/MaxValue, MinLength and Min-decimal validators are met by construction."""
        factory = Factory()
        rows = factory.prepare(30, Validated)
        for row in rows:
            row.full_clean()
        first = rows[0]
        self.assertEqual(first.code, "AAA1")
        self.assertEqual(first.digits, "1")
        self.assertEqual(first.score, 10)
        self.assertEqual(len(first.long_text), 25)
        self.assertEqual([row.score for row in rows[:12]], [*range(10, 21), 10])

    def test_unsatisfiable_validators_name_the_field(self):
        """A MinLength above max_length: make_one raises NoValidValueError naming app.Model.field."""
        with self.assertRaisesMessage(NoValidValueError, "factoryapp.Impossible.short"):
            Factory().make_one(Impossible)


class FileFieldTests(TestCase):
    def setUp(self):
        media = tempfile.mkdtemp(prefix="factory-media-")
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        self.enterContext(override_settings(MEDIA_ROOT=media))
        self.media = media

    def test_files_are_saved_through_storage(self):
        """FileField and ImageField get named files saved in the field's storage."""
        row = Factory().make_one(Attachment)
        self.assertEqual(row.document.name, "docs/document-1.txt")
        self.assertTrue(os.path.exists(os.path.join(self.media, "docs", "document-1.txt")))
        with row.document.open("rb") as handle:
            self.assertEqual(handle.read(), b"document-1.txt\n")
        self.assertEqual(row.picture.name, "pictures/picture-1.png")

    def test_image_is_valid(self):
        """The ImageField file is an image Pillow can read; width/height fields are filled."""
        row = Factory().make_one(Attachment)
        self.assertEqual((row.picture_width, row.picture_height), (1, 1))
        with row.picture.open("rb") as handle:
            self.assertEqual(get_image_dimensions(handle), (1, 1))
        self.assertTrue(tiny_png().startswith(b"\x89PNG"))

    def test_file_path_matches_path_match_recursive(self):
        """FilePathField values are real paths that honour match, recursive and allow_folders."""
        rows = Factory().prepare(3, Attachment)
        self.assertEqual(
            [row.source for row in rows],
            [str(FILES_DIR / "a.txt"), str(FILES_DIR / "sub" / "c.txt"), str(FILES_DIR / "a.txt")],
        )
        self.assertEqual(rows[0].folder, str(FILES_DIR / "sub"))

    def test_file_path_without_match(self):
        """A FilePathField with nothing matching raises NoValidValueError naming the field."""
        field = models.FilePathField(path=str(FILES_DIR), match=r"\.nothing$")
        field.set_attributes_from_name("source")
        with self.assertRaisesMessage(NoValidValueError, "Cannot generate a value for source"):
            Factory().generate_value(field)


class DetachedFieldTests(SimpleTestCase):
    def test_field_without_model(self):
        """generate_value works on a field that belongs to no model."""
        field = models.IntegerField(validators=[MinValueValidator(5)])
        field.set_attributes_from_name("level")
        self.assertEqual(Factory().generate_value(field), 5)

    def test_short_url_columns(self):
        """A URLField as short as 12 characters gets valid, distinct URLs, with or without a seed (found by hypothesis)."""
        for factory in (Factory(), Factory(seed=0)):
            field = models.URLField(max_length=16)
            field.set_attributes_from_name("homepage")
            values = [factory.generate_value(field) for _ in range(50)]
            with self.subTest(seed=factory.random is not None):
                for value in values:
                    field.clean(value, None)
                self.assertEqual(len(set(values)), len(values))
