"""The preview pages through the test client: PDFs, notebooks, CSV, notes on cut-short previews, hostile files."""

from django.test import TestCase, override_settings
from django.urls import reverse

from tests.support import hostile_files, notebooks, pdfs
from tests.support.admin_fixtures import AdminFixtureMixin, png_bytes


class PreviewPageTestCase(AdminFixtureMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.login(self.viewer)

    def page(self, filemeta, **params):
        response = self.client.get(reverse("admin:deliveries_filemeta_preview", args=[filemeta.pk]), params)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def page_image(self, filemeta, number):
        return self.client.get(reverse("admin:deliveries_filemeta_preview_page", args=[filemeta.pk, number]))


@override_settings(PREVIEW_PDF_PAGES=3)
class TestPdfPages(PreviewPageTestCase):
    def test_pages_as_images_with_next_and_previous(self):
        """A PDF's page shows its count, three page images and a link to the next pages; the next view links back."""
        pdf = self.first.add_file("report.pdf", [pdfs.text_pdf(5)])
        html = self.page(pdf)
        self.assertIn("A PDF of 5 pages: pages 1&ndash;3 drawn as images on the server.", html)
        for number in (1, 2, 3):
            self.assertIn(f'src="{reverse("admin:deliveries_filemeta_preview_page", args=[pdf.pk, number])}"', html)
        self.assertNotIn(reverse("admin:deliveries_filemeta_preview_page", args=[pdf.pk, 4]), html)
        self.assertIn('?page=4" class="pdf-next">next pages', html)
        later = self.page(pdf, page=4)
        self.assertIn("pages 4&ndash;5", later)
        self.assertIn('?page=1" class="pdf-previous">', later)
        self.assertNotIn("pdf-next", later)

    def test_page_image_is_a_sandboxed_png_and_the_pdf_never_inline(self):
        """A page image is a PNG with the untrusted-bytes headers; the PDF itself only ever goes out as an attachment."""
        pdf = self.first.add_file("report.pdf", [pdfs.text_pdf(1)])
        response = self.page_image(pdf, 1)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/png")
        self.assertEqual(response["Content-Security-Policy"], "sandbox; default-src 'none'")
        self.assertTrue(response.content.startswith(b"\x89PNG"))
        download = self.client.get(reverse("admin:deliveries_filemeta_download", args=[pdf.pk]))
        self.assertTrue(download["Content-Disposition"].startswith("attachment"))
        self.assertNotIn(b"%PDF", self.page(pdf).encode())

    def test_page_image_of_other_files_is_refused(self):
        """Files without pages get 415 with the reason, and no bytes of them."""
        response = self.page_image(self.py, 1)
        self.assertEqual(response.status_code, 415)
        self.assertIn(b"Only PDFs and notebooks have page images.", response.content)

    @override_settings(PREVIEW_TIME_LIMIT=1)
    def test_malicious_pdf_is_refused_within_the_limit_while_the_site_keeps_serving(self):
        """A PDF whose page takes PDFium minutes is refused at the time limit, and every other page still works."""
        costly = self.first.add_file("costly.pdf", [pdfs.costly_page_pdf()])
        self.assertIn("A PDF of 1 page", self.page(costly))
        response = self.page_image(costly, 1)
        self.assertEqual(response.status_code, 415)
        # Past the time limit or the memory limit, whichever PDFium reaches first on this machine.
        self.assertRegex(
            response.content.decode(),
            r"The image is not previewed: decoding it (took longer than the preview&#x27;s time limit of 1 s"
            r"|stopped with SIG\w+: it needed more than the preview&#x27;s memory limit of 512 MiB)",
        )
        for filemeta, marker in ((self.py, "Hello"), (self.txt, "second line")):
            with self.subTest(file=filemeta.filename):
                self.assertIn(marker, self.page(filemeta))
        ok = self.first.add_file("ok.pdf", [pdfs.text_pdf(1)])
        self.assertEqual(self.page_image(ok, 1).status_code, 200)


class TestNotebookPage(PreviewPageTestCase):
    def test_cells_outputs_and_no_active_content(self):
        """A notebook's page shows its cells, escaped; its image output by URL; none of its HTML or JavaScript."""
        notebook = self.first.add_file("analysis.ipynb", [notebooks.sample_notebook(png_bytes((300, 200)))])
        html = self.page(notebook)
        self.assertIn("A Jupyter notebook of 5 cells.", html)
        self.assertIn("&lt;script&gt;alert(&#x27;md&#x27;)&lt;/script&gt;", html)
        self.assertIn('<span class="k">def</span>', html)
        self.assertIn(reverse("admin:deliveries_filemeta_preview_page", args=[notebook.pk, 1]), html)
        for active in ("<script>alert", "onmouseover", "alert('js')", "<b onmouseover"):
            with self.subTest(active=active):
                self.assertNotIn(active, html)
        image = self.page_image(notebook, 1)
        self.assertEqual((image.status_code, image["Content-Type"]), (200, "image/png"))


class TestNotesAndReasons(PreviewPageTestCase):
    def test_csv_table(self):
        """A CSV file's page is a table with its header row, cells escaped."""
        csv = self.first.add_file("scores.csv", [b"name,score\n<b>Ada</b>,3\n"])
        html = self.page(csv)
        self.assertIn("<thead><tr><th>name</th><th>score</th></tr></thead>", html)
        self.assertIn("<td>&lt;b&gt;Ada&lt;/b&gt;</td>", html)

    @override_settings(PREVIEW_TIME_LIMIT=0.5)
    def test_a_cut_short_preview_says_why(self):
        """The page says when highlighting was given up, and why."""
        slow = self.first.add_file(".htaccess", [hostile_files.htaccess_angles()])
        html = self.page(slow)
        self.assertIn(
            '<p class="note cut-short">Shown without highlighting: highlighting took longer than the preview&#x27;s time limit of 0.5 s.</p>',
            html,
        )

    def test_hex_says_why(self):
        """A file shown as hex says why it has no other preview, and offers the download."""
        html = self.page(self.bin)
        self.assertIn(
            "No preview: the file&#x27;s type is unknown and its bytes are not text. Showing the bytes as hex", html
        )
        self.assertNotIn('class="note cut-short"', html)

    @override_settings(PREVIEW_IMAGE_MAX_BYTES=16 * 1024 * 1024)
    def test_an_image_over_budget_says_why_on_the_page(self):
        """An image whose header shows it over the budget gets the reason on its page instead of a broken image."""
        deep = self.first.add_file("deep.png", [hostile_files.png_16bit_rgba(2000, 2000)])
        html = self.page(deep)
        self.assertIn("Decoding the image would take 30 MiB; previews stop at 16 MiB of decoded pixels.", html)
        self.assertNotIn(reverse("admin:deliveries_filemeta_preview_image", args=[deep.pk]), html)
        # Positive control: an image within the budget is shown through its thumbnail's URL.
        self.assertIn(reverse("admin:deliveries_filemeta_preview_image", args=[self.png.pk]), self.page(self.png))
