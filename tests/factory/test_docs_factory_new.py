"""
docs/factory-new.md runs as written: its python blocks in order, in one namespace, on a database
(as the docs runner runs every page), test cases they define run and pass; its model excerpt
is the real model's source.
"""

import ast
import io
import re
import unittest
from pathlib import Path

from django.test import TransactionTestCase

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "factory-new.md"
FENCE_RE = re.compile(r"^```([\w-]*)[ \t]*([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)


def blocks(options):
    text = PAGE.read_text()
    for match in FENCE_RE.finditer(text):
        if match[1] == "python" and match[2].strip() == options:
            yield text.count("\n", 0, match.start()) + 2, match[3]


class FactoryNewPageTests(TransactionTestCase):
    def test_python_blocks_run(self):
        """Every python block runs in order, its asserts hold, its test cases pass."""
        namespace = {"__name__": "docs_factory_new"}
        ran = 0
        for line, code in blocks(""):
            with self.subTest(line=line):
                tree = ast.parse("\n" * (line - 1) + code, str(PAGE))
                for statement in tree.body:
                    before = dict(namespace)
                    exec(compile(ast.Module([statement], type_ignores=[]), str(PAGE), "exec"), namespace)
                    for value in namespace.values():
                        if (
                            isinstance(value, type)
                            and issubclass(value, unittest.TestCase)
                            and value not in before.values()
                        ):
                            if value.__module__ == "docs_factory_new":
                                output = io.StringIO()
                                suite = unittest.defaultTestLoader.loadTestsFromTestCase(value)
                                result = unittest.TextTestRunner(stream=output).run(suite)
                                self.assertTrue(result.wasSuccessful() and result.testsRun, output.getvalue())
                ran += 1
        self.assertGreaterEqual(ran, 12)

    def test_model_excerpt_is_the_model(self):
        """The no-run excerpt of Library is, line for line, tests/factoryapp/models.py's."""
        models_source = (ROOT / "tests" / "factoryapp" / "models.py").read_text()
        excerpts = list(blocks("no-run"))
        self.assertEqual(len(excerpts), 1)
        self.assertIn(excerpts[0][1], models_source)
