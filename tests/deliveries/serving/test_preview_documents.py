"""Previews of the documents students hand in: PDFs as pages, notebooks as cells, CSV as a table, Markdown and source highlighted."""

import io

from django.test import TestCase, override_settings
from PIL import Image

from deliveries.models import FileMeta
from deliveries.serving import previews
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery
from tests.support import notebooks, pdfs
from tests.support.admin_fixtures import png_bytes


class DocumentTestCase(TestCase):
    def setUp(self):
        self.store = self.enterContext(swap_deliverystore(FileMeta, MemoryDeliveryStore()))
        self.delivery = make_delivery("doc")

    def add(self, name, data, **kwargs):
        return self.delivery.add_file(name, [data], **kwargs)


@override_settings(PREVIEW_PDF_PAGES=3)
class TestPdfPreview(DocumentTestCase):
    def test_first_pages_and_the_next_ones(self):
        """A PDF shows its page count, its first pages, and where the next and previous ones start."""
        filemeta = self.add("report.pdf", pdfs.text_pdf(7))
        preview = previews.build_preview(filemeta)
        self.assertEqual(
            (preview.kind, preview.page_count, preview.pages, preview.previous_page, preview.next_page),
            ("pdf", 7, [1, 2, 3], None, 4),
        )
        middle = previews.build_preview(filemeta, page="4")
        self.assertEqual((middle.pages, middle.previous_page, middle.next_page), ([4, 5, 6], 1, 7))
        last = previews.build_preview(filemeta, page=7)
        self.assertEqual((last.pages, last.previous_page, last.next_page), ([7], 4, None))
        for page, first in (("junk", 1), (-3, 1), (10**30, 7), (None, 1)):
            with self.subTest(page=page):
                self.assertEqual(previews.build_preview(filemeta, page=page).pages[0], first)

    def test_page_image(self):
        """A page comes back as a PNG drawn by PDFium, at most PDF_PAGE_WIDTH pixels wide, with the page's ink."""
        filemeta = self.add("report.pdf", pdfs.text_pdf(2))
        image = Image.open(io.BytesIO(previews.page_image(filemeta, 2)))
        self.assertEqual(image.format, "PNG")
        self.assertEqual(image.size, (1000, 1416))  # A4 at 1000 pixels wide
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        self.assertGreater(len(colours), 2)  # text and a blue box, not a blank page
        with self.assertRaisesMessage(previews.ImagePreviewError, "The PDF has 2 pages; there is no page 3."):
            previews.page_image(filemeta, 3)

    def test_pdf_sniffed_by_its_bytes(self):
        """A PDF stored as octet-stream is still previewed as one."""
        filemeta = self.add("report", pdfs.text_pdf(1), content_type="application/octet-stream")
        self.assertEqual(previews.build_preview(filemeta).kind, "pdf")

    def test_broken_pdf_says_why_and_shows_hex(self):
        """Bytes that only start like a PDF are shown as hex, with PDFium's reason."""
        preview = previews.build_preview(self.add("broken.pdf", b"%PDF-1.7\n" + b"garbage" * 50))
        self.assertEqual(preview.kind, "hex")
        self.assertIn("The PDF could not be opened", preview.reason)

    @override_settings(PREVIEW_PDF_MAX_BYTES=1000)
    def test_too_big(self):
        """A PDF over PREVIEW_PDF_MAX_BYTES is shown as hex, saying so, and has no page images."""
        filemeta = self.add("big.pdf", pdfs.text_pdf(3))
        preview = previews.build_preview(filemeta)
        self.assertEqual(preview.kind, "hex")
        self.assertIn("PDF previews stop at 0 MiB", preview.reason)
        with self.assertRaisesMessage(previews.ImagePreviewError, "PDF previews stop at"):
            previews.page_image(filemeta, 1)


@override_settings(PREVIEW_TIME_LIMIT=1)
class TestHostilePdfs(DocumentTestCase):
    @override_settings(PREVIEW_MEMORY_LIMIT=4 * 1024 * 1024 * 1024)
    def test_costly_page_is_refused_at_the_deadline(self):
        """A page whose drawing takes PDFium minutes is refused at the time limit, saying so."""
        filemeta = self.add("costly.pdf", pdfs.costly_page_pdf())
        self.assertEqual(previews.build_preview(filemeta).page_count, 1)  # opening it is cheap
        with self.assertRaisesMessage(
            previews.ImagePreviewError,
            "The image is not previewed: decoding it took longer than the preview's time limit of 1 s.",
        ):
            previews.page_image(filemeta, 1)

    @override_settings(PREVIEW_TIME_LIMIT=120, PREVIEW_MEMORY_LIMIT=160 * 1024 * 1024)
    def test_costly_page_is_refused_at_the_memory_limit(self):
        """The same page, with time to spare, is refused when its drawing needs more than the memory limit."""
        filemeta = self.add("costly.pdf", pdfs.costly_page_pdf())
        with self.assertRaisesMessage(
            previews.ImagePreviewError, "needed more than the preview's memory limit of 160 MiB"
        ):
            previews.page_image(filemeta, 1)

    def test_nested_counted_and_huge_pages(self):
        """Deep nesting, a page tree declaring two billion pages, a page a billion points high: all bounded."""
        nested = self.add("nested.pdf", pdfs.deeply_nested_pdf())
        self.assertEqual(previews.build_preview(nested).page_count, 1)
        self.assertEqual(Image.open(io.BytesIO(previews.page_image(nested, 1))).size, (400, 400))  # 200 points at 2x
        counted = self.add("count.pdf", pdfs.huge_page_count_pdf())
        self.assertEqual(previews.build_preview(counted).page_count, 1)  # the pages it holds, not its claim
        huge = self.add("huge.pdf", pdfs.huge_page_pdf())
        with self.assertRaisesMessage(
            previews.ImagePreviewError, "Page 1 is 14,400 x 1,000,000,000 points: too far from the shape of a page"
        ):
            previews.page_image(huge, 1)


class TestNotebookPreview(DocumentTestCase):
    def setUp(self):
        super().setUp()
        self.filemeta = self.add("analysis.ipynb", notebooks.sample_notebook(png_bytes((300, 200))))

    def test_cells_in_order(self):
        """Cells keep their order and type; code is highlighted; Markdown and raw cells are plain text."""
        preview = previews.build_preview(self.filemeta)
        self.assertEqual(preview.kind, "notebook")
        self.assertEqual([cell["type"] for cell in preview.cells], ["markdown", "code", "code", "raw", "code"])
        self.assertEqual(preview.cells[0]["source"], "# Results\n<script>alert('md')</script>")
        self.assertEqual(preview.cells[0]["html"], "")
        self.assertIn('<span class="k">def</span>', preview.cells[1]["html"])
        self.assertEqual(preview.cell_count, 5)
        self.assertEqual(preview.notes, [])

    def test_outputs_as_text_and_images_never_html_or_javascript(self):
        """Streams, results and errors show as text (ANSI colours removed); HTML and JavaScript outputs never."""
        preview = previews.build_preview(self.filemeta)
        self.assertEqual(preview.cells[1]["outputs"], [("text", "3\n"), ("text", "   a  b\n0  1  2")])
        self.assertEqual(preview.cells[2]["outputs"], [("image", 0)])
        self.assertEqual(preview.cells[4]["outputs"], [("text", "ZeroDivisionError: division by zero")])
        everything = repr(preview.cells)
        for active in ("onmouseover", "alert('out')", "alert('js')"):
            with self.subTest(active=active):
                self.assertNotIn(active, everything)

    def test_output_image_is_re_encoded(self):
        """A notebook's image output comes back re-encoded as a PNG, like any image preview."""
        image = Image.open(io.BytesIO(previews.page_image(self.filemeta, 1)))
        self.assertEqual((image.format, image.size), ("PNG", (300, 200)))
        with self.assertRaisesMessage(previews.ImagePreviewError, "The notebook has no image number 2."):
            previews.page_image(self.filemeta, 2)

    def test_not_a_notebook_says_why(self):
        """JSON that is not a notebook, and bytes that are not JSON, are shown as hex with the reason."""
        for data, reason in (
            (b'{"cells": 3}', "The file is not a Jupyter notebook (version 4): it has no list of cells."),
            (b"{not json", "The notebook is not valid JSON"),
            (b"[" * 100_000, "The notebook is not valid JSON"),
        ):
            with self.subTest(data=data[:20]):
                preview = previews.build_preview(self.add(f"n{len(data)}.ipynb", data))
                self.assertEqual(preview.kind, "hex")
                self.assertIn(reason, preview.reason)

    def test_many_cells_are_cut_with_a_note(self):
        """Past NOTEBOOK_CELLS cells the rest are left out, and the page says how many there are."""
        cells = [{"cell_type": "code", "source": f"x = {i}", "outputs": []} for i in range(250)]
        preview = previews.build_preview(self.add("long.ipynb", notebooks.notebook_bytes(cells)))
        self.assertEqual(len(preview.cells), 200)
        self.assertEqual(preview.notes, ["Showing the first 200 of 250 cells."])


class TestCsvMarkdownAndSource(DocumentTestCase):
    def test_csv_table(self):
        """CSV is a table of its first rows, each cell as text; a semicolon or tab separator is recognised."""
        for name, data in (
            ("scores.csv", b'name,score\nAda,3\n"<b>Bob</b>, Jr",4\n'),
            ("scores2.csv", b'name;score\nAda;3\n"<b>Bob</b>, Jr";4\n'),
            ("scores.tsv", b'name\tscore\nAda\t3\n"<b>Bob</b>, Jr"\t4\n'),
        ):
            with self.subTest(name=name):
                preview = previews.build_preview(self.add(name, data))
                self.assertEqual(preview.kind, "csv")
                self.assertEqual(preview.rows, [["name", "score"], ["Ada", "3"], ["<b>Bob</b>, Jr", "4"]])

    def test_csv_first_rows_and_columns(self):
        """Only the first 100 rows and 50 columns are shown, with notes saying so; short rows are padded."""
        data = "\n".join(",".join(str(c) for c in range(60 if r == 5 else 3)) for r in range(150)).encode()
        preview = previews.build_preview(self.add("wide.csv", data))
        self.assertEqual(len(preview.rows), 101)
        self.assertEqual({len(row) for row in preview.rows}, {50})
        self.assertEqual(preview.notes, ["Showing the first 100 rows.", "Showing the first 50 of 60 columns."])

    def test_markdown_and_more_source_files_are_highlighted(self):
        """Markdown and the source files a system's MIME table misses or misnames are highlighted text."""
        for name, data, token in (
            ("README.md", b"# Title\n\n*emph* and `code`\n", '<span class="gh">'),
            ("main.go", b"package main\nfunc main() {}\n", '<span class="kn">package</span>'),
            ("lib.rs", b"fn main() { let x = 1; }\n", '<span class="k">fn</span>'),
            ("app.ts", b"let x: number = 1;\n", '<span class="kd">let</span>'),
            ("Main.kt", b"fun main() { val x = 1 }\n", '<span class="kd">fun</span>'),
        ):
            with self.subTest(name=name):
                filemeta = self.add(name, data)
                self.assertTrue(filemeta.content_type.startswith("text/"), filemeta.content_type)
                preview = previews.build_preview(filemeta)
                self.assertEqual(preview.kind, "text")
                self.assertIn(token, preview.html)

    def test_unknown_binary_says_why(self):
        """What cannot be previewed is hex, with the reason: an unknown type, or a type without a preview."""
        unknown = previews.build_preview(self.add("blob.bin", b"\x00\x01\x02\xff"))
        self.assertEqual(unknown.reason, "No preview: the file's type is unknown and its bytes are not text.")
        typed = previews.build_preview(self.add("song.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x0f" + bytes(50)))
        self.assertEqual(typed.reason, "No preview for this type (audio/mpeg).")
