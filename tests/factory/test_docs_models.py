"""docs/factory.md's model excerpt (a no-run block) is the real model's source; tests/test_docs.py runs the rest."""

import re
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "factory.md"
FENCE_RE = re.compile(r"^```([\w-]*)[ \t]*([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)


def blocks(options):
    text = PAGE.read_text()
    for match in FENCE_RE.finditer(text):
        if match[1] == "python" and match[2].strip() == options:
            yield text.count("\n", 0, match.start()) + 2, match[3]


class FactoryPageModelTests(SimpleTestCase):
    def test_model_excerpt_is_the_model(self):
        """The no-run excerpt of Library is, line for line, tests/factoryapp/models.py's."""
        models_source = (ROOT / "tests" / "factoryapp" / "models.py").read_text()
        excerpts = list(blocks("no-run"))
        self.assertEqual(len(excerpts), 1)
        self.assertIn(excerpts[0][1], models_source)
