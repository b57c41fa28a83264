"""clean_filename: what a delivered file may be called, and why not."""

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase

from deliveries.filenames import clean_filename


class TestCleanFilename(SimpleTestCase):
    def test_refusals_say_why(self):
        """Each refused name gets a message that names the reason."""
        cases = {
            "": "empty",
            "..": "'.' or '..'",
            ".": "'.' or '..'",
            "/etc/passwd": "absolute path",
            "\\\\server\\share": "absolute path",
            "C:\\x.txt": "absolute path",
            "../secret": "path separator",
            "dir/file.py": "path separator",
            "dir\\file.py": "path separator",
            "a\x00b": "NUL",
            "line\nbreak": "control",
            "bell\x07": "control",
            "rtl\u202etxt.exe": "control",
            "x" * 256: "256 characters long",
        }
        for name, reason in cases.items():
            with self.subTest(name=name), self.assertRaisesMessage(ValidationError, reason):
                clean_filename(name)

    def test_accepted_names(self):
        """Ordinary, Unicode and dotted names pass unchanged; NFD becomes NFC."""
        for name in ("report.pdf", "Ærlig talt.txt", ".gitignore", "a..b", "x" * 255, "数据.csv", "-rf"):
            with self.subTest(name=name):
                self.assertEqual(clean_filename(name), name)
        self.assertEqual(clean_filename("Cafe\u0301.txt"), "Caf\u00e9.txt")

    def test_not_text(self):
        with self.assertRaisesMessage(ValidationError, "must be text"):
            clean_filename(b"bytes.txt")
