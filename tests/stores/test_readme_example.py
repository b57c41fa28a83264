"""The README's "Writing your own DeliveryStore" example, run as written."""

import re
import sys
import tempfile
import types
from pathlib import Path

from django.test import TestCase

from deliveries.testhelpers import TestDeliveryStoreMixin

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_module(marker):
    """Execute the README's python block that starts with ``# <marker>`` as a module."""
    for block in re.findall(r"```python\n(.*?)```", README.read_text(), re.S):
        if block.startswith(f"# {marker}"):
            module = types.ModuleType("myproject.flatstore")
            exec(compile(block, f"README.md:{marker}", "exec"), module.__dict__)
            return module
    raise AssertionError(f"README.md has no python block starting with '# {marker}'")


flatstore = _readme_module("myproject/flatstore.py")
sys.modules.setdefault("myproject", types.ModuleType("myproject"))
sys.modules["myproject.flatstore"] = flatstore


class TestFlatDeliveryStore(TestDeliveryStoreMixin, TestCase):
    def get_storageobj(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        return flatstore.FlatDeliveryStore(directory.name)


class TestReadmeTestExample(TestCase):
    def test_example_test_module_runs(self):
        """The README's test module is valid and defines a mixin subclass for the example store."""
        module = _readme_module("myproject/tests/test_flatstore.py")
        self.assertTrue(issubclass(module.TestFlatDeliveryStore, TestDeliveryStoreMixin))
        self.assertIsInstance(module.TestFlatDeliveryStore("test_copy").get_storageobj(), flatstore.FlatDeliveryStore)
