"""The typed API: mypy (make lint's step) proves make_one(Book) is a Book, and notices when it is not."""

import tempfile
from pathlib import Path

from django.test import SimpleTestCase
from mypy import api

ROOT = Path(__file__).resolve().parents[2]


def mypy(*paths, cache):
    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", cache, *map(str, paths)])
    return status, out + err


class TypedApiTests(SimpleTestCase):
    def test_typing_check_passes_and_a_wrong_type_fails(self):
        """typing_check.py passes under mypy; the same call asserted to give another model fails (positive control)."""
        with tempfile.TemporaryDirectory() as cache:
            status, output = mypy(ROOT / "tests" / "factory" / "typing_check.py", cache=cache)
            self.assertEqual(status, 0, output)
            wrong = Path(cache) / "wrong_type.py"
            wrong.write_text(
                "from typing import assert_type\n"
                "from factory import Factory\n"
                "from tests.factoryapp.models import Author, Book\n"
                "assert_type(Factory().make_one(Book), Author)\n"
                "assert_type(Factory().make(2, Book), list[Author])\n"
            )
            status, output = mypy(wrong, cache=cache)
            self.assertEqual(status, 1)
            self.assertIn('Expression is of type "Book", not "Author"', output)
            self.assertIn('Expression is of type "list[Book]", not "list[Author]"', output)
