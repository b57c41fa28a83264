"""deliveries.serving.previews: highlighted text, capped image thumbnails and paged hex dumps."""

import io
from unittest import mock

from django.test import TestCase

from deliveries.models import FileMeta
from deliveries.serving import previews
from deliveries.stores import DeliveryStoreFileNotFound, MemoryDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery
from tests.support.admin_fixtures import png_bytes


class PreviewTestCase(TestCase):
    def setUp(self):
        self.store = self.enterContext(swap_deliverystore(FileMeta, MemoryDeliveryStore()))
        self.delivery = make_delivery("pv")

    def add(self, name, data, **kwargs):
        return self.delivery.add_file(name, [data], **kwargs)


class TestPreviewKind(PreviewTestCase):
    def test_kinds(self):
        """Raster images, text (by type or by content), and hex for the rest."""
        cases = [
            ("a.py", b"print(1)\n", "text"),
            ("a.txt", b"hello", "text"),
            ("page.html", b"<html><script>alert(1)</script></html>", "text"),
            ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "text"),
            ("a.png", png_bytes(), "image"),
            ("a.bin", b"\x00\x01\x02\xff", "hex"),
            ("noext", b"plain words, no extension\n", "text"),
            ("a.zip", b"PK\x03\x04" + bytes(30), "archive"),
            ("empty.txt", b"", "empty"),
        ]
        for name, data, kind in cases:
            with self.subTest(name=name):
                filemeta = self.add(name, data)
                self.assertEqual(previews.preview_kind(filemeta, data), kind)

    def test_png_named_txt_is_an_image(self):
        """The sniffed type decides: a PNG called notes.txt previews as an image."""
        self.assertEqual(previews.build_preview(self.add("notes.txt", png_bytes())).kind, "image")


class TestTextPreview(PreviewTestCase):
    def test_highlighted_and_escaped(self):
        """Source is highlighted by Pygments and every tag in it is escaped."""
        preview = previews.build_preview(self.add("x.py", b"def f():\n    return '<script>alert(1)</script>'\n"))
        self.assertEqual(preview.kind, "text")
        self.assertIn('<span class="k">def</span>', preview.html)
        self.assertIn("&lt;script&gt;", preview.html)
        self.assertNotIn("<script>", preview.html)
        self.assertFalse(preview.truncated)

    def test_html_is_shown_as_source(self):
        """HTML is never rendered: its tags come out escaped."""
        preview = previews.build_preview(self.add("evil.html", b'<img src=x onerror="alert(1)">'))
        self.assertNotIn("<img", preview.html)
        self.assertIn("&lt;", preview.html)

    def test_truncated(self):
        """Only the first 64 KiB are shown, with a note, and a character cut in half is dropped."""
        # "é" is 2 bytes in UTF-8; the leading "a" makes the limit fall in the middle of one.
        data = b"a" + ("é" * (previews.TEXT_LIMIT // 2 + 100)).encode()
        preview = previews.build_preview(self.add("long.txt", data))
        self.assertTrue(preview.truncated)
        self.assertEqual(preview.shown_bytes, previews.TEXT_LIMIT)
        self.assertNotIn("\ufffd", preview.html)
        self.assertEqual(preview.encoding_note, "")

    def test_invalid_utf8(self):
        """Undecodable bytes are replaced, with a note saying so."""
        preview = previews.build_preview(self.add("latin1.txt", "blåbær".encode("latin-1"), content_type="text/plain"))
        self.assertIn("\ufffd", preview.html)
        self.assertIn("Not valid UTF-8", preview.encoding_note)


class TestHexPreview(PreviewTestCase):
    def test_rows(self):
        """16 bytes a row: offset, hex, and printable ASCII with dots for the rest."""
        rows = previews.hex_rows(b"AB\x00\xffcdefghijklmnopq", 32)
        self.assertEqual(rows[0], ("00000020", "41 42 00 ff 63 64 65 66 67 68 69 6a 6b 6c 6d 6e", "AB..cdefghijklmn"))
        self.assertEqual(rows[1], ("00000030", "6f 70 71", "opq"))

    def test_pages(self):
        """4 KiB pages with previous/next offsets; bad offsets are clamped to a real page."""
        data = bytes(range(256)) * 40  # 10240 bytes: pages at 0, 4096, 8192
        filemeta = self.add("data.bin", data)
        first = previews.build_preview(filemeta)
        self.assertEqual(
            (first.kind, first.hex_offset, first.previous_offset, first.next_offset), ("hex", 0, None, 4096)
        )
        self.assertEqual(len(first.hex_rows), 256)
        last = previews.build_preview(filemeta, mode="hex", offset=8192)
        self.assertEqual((last.hex_offset, last.previous_offset, last.next_offset), (8192, 4096, None))
        self.assertEqual(last.shown_bytes, 2048)
        for offset, expected in (("junk", 0), (-5, 0), (999_999, 8192), (5000, 4096), (None, 0)):
            with self.subTest(offset=offset):
                self.assertEqual(previews.build_preview(filemeta, mode="hex", offset=offset).hex_offset, expected)

    def test_hex_mode_for_text(self):
        """mode=hex shows any file as hex."""
        self.assertEqual(previews.build_preview(self.add("a.txt", b"hello"), mode="hex").kind, "hex")

    def test_missing(self):
        """Missing bytes raise DeliveryStoreFileNotFound."""
        filemeta = self.add("gone.txt", b"x")
        self.store.remove(filemeta)
        with self.assertRaises(DeliveryStoreFileNotFound):
            previews.build_preview(filemeta)


class TestArchivePreview(PreviewTestCase):
    def test_members(self):
        """A zip lists its members, names escaped by the template, without unpacking them."""
        import zipfile

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr(zipfile.ZipInfo("src/main.py", (2026, 1, 2, 3, 4, 5)), "print(1)\n")
            archive.writestr("../evil<b>.sh", "x" * 100)
        preview = previews.build_preview(self.add("project.zip", out.getvalue()))
        self.assertEqual(preview.kind, "archive")
        self.assertEqual(preview.members[0], ("src/main.py", 9, 9, "2026-01-02 03:04"))
        self.assertEqual(preview.members[1][0], "../evil<b>.sh")
        self.assertFalse(preview.truncated)

    def test_many_members(self):
        """At most ARCHIVE_MEMBERS members are listed, with a note."""
        import zipfile

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for i in range(previews.ARCHIVE_MEMBERS + 5):
                archive.writestr(f"f{i}", b"")
        preview = previews.build_preview(self.add("many.zip", out.getvalue()))
        self.assertEqual(len(preview.members), previews.ARCHIVE_MEMBERS)
        self.assertTrue(preview.truncated)
        self.assertEqual(preview.member_count, previews.ARCHIVE_MEMBERS + 5)
        self.assertIn(f"Listing the first {previews.ARCHIVE_MEMBERS:,} members", preview.notes[0])

    def test_zip_whose_directory_lies_outside_the_file_is_hex(self):
        """An end record declaring a directory larger than the bytes before it is refused, unparsed, with why."""
        import struct

        end_record = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 65000, 65000, 32 * 1024 * 1024, 0, 0)
        with mock.patch("zipfile.ZipFile", side_effect=AssertionError("zipfile must not parse it")):
            preview = previews.build_preview(self.add("bomb.zip", b"PK\x03\x04" + bytes(100) + end_record))
        self.assertEqual(preview.kind, "hex")
        self.assertIn("The zip's directory claims 33,554,432 bytes, more than the 104 before its end.", preview.reason)

    def test_broken_zip_is_hex(self):
        """Bytes that only start like a zip are shown as hex."""
        self.assertEqual(previews.build_preview(self.add("broken.zip", b"PK\x03\x04" + bytes(30))).kind, "hex")


class TestImageThumbnail(PreviewTestCase):
    def test_png_thumbnail(self):
        """A raster image comes back as a PNG no larger than the thumbnail box."""
        from PIL import Image

        for fmt, name in (("PNG", "a.png"), ("JPEG", "a.jpg"), ("GIF", "a.gif"), ("WEBP", "a.webp")):
            with self.subTest(fmt=fmt):
                out = io.BytesIO()
                Image.new("RGB", (2000, 500), (10, 200, 10)).save(out, fmt)
                png = previews.image_thumbnail(self.add(name, out.getvalue()))
                image = Image.open(io.BytesIO(png))
                self.assertEqual(image.format, "PNG")
                self.assertEqual(image.size, (1024, 256))

    def test_pixel_cap(self):
        """An image over the pixel cap is refused before it is decoded (a decompression bomb)."""
        from PIL import Image

        out = io.BytesIO()
        Image.new("1", (6000, 5000)).save(out, "PNG")  # 30 Mpx, a few KiB compressed
        filemeta = self.add("bomb.png", out.getvalue())
        with self.assertRaisesMessage(previews.ImagePreviewError, "6000 x 5000 pixels"):
            previews.image_thumbnail(filemeta)

    def test_not_an_image(self):
        """Types outside the allow-list (SVG among them) and broken images are refused."""
        svg = self.add("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
        with self.assertRaisesMessage(previews.ImagePreviewError, "Only PNG, JPEG, GIF and WebP"):
            previews.image_thumbnail(svg)
        broken = self.add("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
        with self.assertRaises(previews.ImagePreviewError):
            previews.image_thumbnail(broken)
