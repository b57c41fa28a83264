"""deliveries.content_types: one table, and previews, the admin's filter, the zip and downloads agreeing on it."""

import io
import zipfile
from datetime import UTC, datetime
from types import SimpleNamespace

from django.test import SimpleTestCase

from deliveries.admin import ContentTypeFamilyFilter
from deliveries.content_types import (
    ANNOUNCED_AS_IS,
    RASTER_FORMATS,
    TABLE,
    Family,
    family,
    is_text,
    normalize,
    sniff_content_type,
    types_of,
)
from deliveries.serving import previews, zipstream
from deliveries.serving.downloads import safe_content_type
from deliveries.stores import MemoryDeliveryStore


def every_known_type():
    """Every type the table and the system's MIME table know, in every family, plus types of none."""
    known = {t for f in Family for t in types_of(f)}
    return sorted(known | {"application/x-python-code", "application/msword", "video/mp4", "font/woff2"})


def fake_filemeta(pk, content_type):
    return SimpleNamespace(
        pk=pk, size=4, filename="file", content_type=content_type, created=datetime(2026, 1, 1, tzinfo=UTC)
    )


class TestNormalize(SimpleTestCase):
    def test_normalize(self):
        """Parameters and case go, whitespace too; nothing becomes ""."""
        for given, expected in (
            ("Text/X-Python; charset=utf-8", "text/x-python"),
            ("  application/JSON ", "application/json"),
            ("image/png;", "image/png"),
            ("", ""),
            (None, ""),
        ):
            with self.subTest(given=given):
                self.assertEqual(normalize(given), expected)

    def test_every_spelling_has_one_family(self):
        """family() and is_text() answer the same for a type however it is spelt."""
        for content_type in ("text/x-python", "application/x-yaml", "image/svg+xml", "application/zip"):
            for spelling in (content_type, content_type.upper(), f"{content_type}; charset=utf-8"):
                with self.subTest(spelling=spelling):
                    self.assertEqual(family(spelling), family(content_type))
                    self.assertEqual(is_text(spelling), is_text(content_type))


class TestFamiliesAgree(SimpleTestCase):
    """Previews, the admin's kind filter and the zip read the one table: they cannot disagree."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.types = every_known_type()
        cls.filter_families = {key: set(types) for key, (_, types) in ContentTypeFamilyFilter.families.items()}
        # One zip holding a member of every type: which ones did the zip deflate?
        store = MemoryDeliveryStore()
        filemetas = [fake_filemeta(pk, t) for pk, t in enumerate(cls.types, start=1)]
        for filemeta in filemetas:
            with store.write_open(filemeta) as writer:
                writer.write(b"data")
        members = [zipstream.ZipMember(fm, f"d/{fm.pk}") for fm in filemetas]
        with zipfile.ZipFile(io.BytesIO(b"".join(zipstream.iter_zip(members, store)))) as archive:
            cls.deflated = {
                cls.types[int(info.filename[2:]) - 1]
                for info in archive.infolist()
                if info.compress_type == zipfile.ZIP_DEFLATED
            }

    def preview_kind(self, content_type):
        return previews.preview_kind(fake_filemeta(1, content_type))

    def test_text(self):
        """Every type previews show as text (CSV tables and notebooks too) is deflated in the zip, and in the filter's text family (SVG: images)."""
        shown_as_text = {t for t in self.types if self.preview_kind(t) in ("text", "csv", "notebook")}
        self.assertEqual(shown_as_text, self.deflated)
        self.assertEqual(shown_as_text - self.filter_families["text"], {"image/svg+xml"})
        self.assertIn("image/svg+xml", self.filter_families["image"])
        self.assertEqual(self.filter_families["text"] - shown_as_text, set())
        for content_type in ("application/x-yaml", "application/toml", "text/x-python", "application/json"):
            with self.subTest(content_type=content_type):
                self.assertIn(content_type, shown_as_text)
                self.assertIn(content_type, self.filter_families["text"])
        # Positive control: binary types are none of these.
        for content_type in ("image/png", "application/zip", "application/pdf", "application/x-python-code"):
            with self.subTest(content_type=content_type):
                self.assertNotIn(content_type, shown_as_text | self.deflated | self.filter_families["text"])

    def test_images(self):
        """Every type previews decode as an image is in the filter's image family, and stored as it is in the zip."""
        decoded = {t for t in self.types if self.preview_kind(t) == "image"}
        self.assertEqual(decoded, set(RASTER_FORMATS))
        self.assertLessEqual(decoded, self.filter_families["image"])
        self.assertFalse(decoded & self.deflated)

    def test_filter_families_are_the_table(self):
        """The filter offers each family with its label; each type sits in at most one, as the table says."""
        self.assertEqual(
            [(key, label) for key, (label, _) in ContentTypeFamilyFilter.families.items()],
            [
                ("text", "Text and source code"),
                ("image", "Images"),
                ("pdf", "PDF"),
                ("archive", "Archives"),
                ("other", "Other binary"),
            ],
        )
        seen = {}
        for key, types in self.filter_families.items():
            for content_type in types:
                with self.subTest(content_type=content_type):
                    self.assertNotIn(content_type, seen, f"in {seen.get(content_type)} and {key}")
                    self.assertEqual(family(content_type), key)
                    seen[content_type] = key
        self.assertLessEqual(set(TABLE), set(seen))

    def test_what_sniffing_stores_is_filtered(self):
        """The types sniffed from the names students use land in the family a person expects."""
        for filename, head, expected in (
            ("main.py", b"print(1)", "text"),
            ("notes.md", b"# Notes", "text"),
            ("data.json", b"{}", "text"),
            ("drawing.svg", b"<svg", "image"),
            ("photo.png", b"\x89PNG\r\n\x1a\n", "image"),
            ("report.pdf", b"%PDF-1.7", "pdf"),
            ("code.zip", b"PK\x03\x04", "archive"),
            ("blob", b"\x00\x01", "other"),
        ):
            with self.subTest(filename=filename):
                self.assertIn(sniff_content_type(head, filename), self.filter_families[expected])


class TestAnnounced(SimpleTestCase):
    def test_announced_types(self):
        """Downloads announce only allow-listed types; active text (HTML, SVG, XML) goes out as opaque bytes."""
        for content_type in ANNOUNCED_AS_IS:
            with self.subTest(content_type=content_type):
                self.assertEqual(safe_content_type(content_type.upper() + "; charset=utf-8"), content_type)
                self.assertIsNotNone(family(content_type))
        for content_type in ("text/html", "image/svg+xml", "application/xml", "text/javascript", None):
            with self.subTest(content_type=content_type):
                self.assertTrue(content_type is None or is_text(content_type))
                self.assertEqual(safe_content_type(content_type), "application/octet-stream")


class TestDocumentKinds(SimpleTestCase):
    def test_document_kind(self):
        """PDFs, notebooks (by type, or by name when stored as JSON or octet-stream), CSV and Markdown; nothing else."""
        from deliveries.content_types import document_kind

        for content_type, filename, expected in (
            ("application/pdf", "a.pdf", "pdf"),
            ("Application/PDF; x=1", "a", "pdf"),
            ("application/x-ipynb+json", "a", "notebook"),
            ("application/json", "work.IPYNB", "notebook"),
            ("application/octet-stream", "work.ipynb", "notebook"),
            ("application/json", "data.json", None),
            ("text/csv", "a.csv", "csv"),
            ("text/tab-separated-values", "a.tsv", "csv"),
            ("text/markdown", "a.md", "markdown"),
            ("text/plain", "a.ipynb", None),
            ("image/png", "a.png", None),
        ):
            with self.subTest(content_type=content_type, filename=filename):
                self.assertEqual(document_kind(content_type, filename), expected)

    def test_names_the_system_table_misnames(self):
        """Sniffing believes the project's table for source files and notebooks, but never over a signature."""
        for filename, expected in (
            ("app.ts", "text/x-typescript"),
            ("lib.rs", "text/x-rust"),
            ("main.go", "text/x-go"),
            ("fit.m", "text/x-matlab"),
            ("work.ipynb", "application/x-ipynb+json"),
            ("scores.CSV", "text/csv"),
        ):
            with self.subTest(filename=filename):
                self.assertEqual(sniff_content_type(b"plain text", filename), expected)
        self.assertEqual(sniff_content_type(b"\x89PNG\r\n\x1a\n", "app.ts"), "image/png")
