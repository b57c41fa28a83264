"""The admin's HTML pages carry the site's Content-Security-Policy and nothing on them needs an exception to it."""

import re

from django.test import TestCase
from django.urls import reverse

from tests.support import notebooks, pdfs
from tests.support.admin_fixtures import AdminFixtureMixin, png_bytes

# What the policy refuses: a <script> or <style> element without the response's nonce, a script
# with inline code, a style="" attribute, an on...="" handler, a javascript: URL.
ELEMENT = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1>", re.S | re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
NONCE = re.compile(r"'nonce-([^']+)'")


class TestAdminPagesPolicy(AdminFixtureMixin, TestCase):
    def pages(self):
        pdf = self.second.add_file("report.pdf", [pdfs.text_pdf(2, label="Page")])
        notebook = self.second.add_file("analysis.ipynb", [notebooks.sample_notebook(png_bytes((36, 12), (9, 9, 9)))])
        group = self.first.assignment_group
        assignment = group.assignment
        return {
            "index": reverse("admin:index"),
            "file list": reverse("admin:deliveries_filemeta_changelist"),
            "file list by year": reverse("admin:deliveries_filemeta_changelist") + "?created__year=2026",
            "source file": reverse("admin:deliveries_filemeta_change", args=[self.py.pk]),
            "image file": reverse("admin:deliveries_filemeta_change", args=[self.png.pk]),
            "pdf file": reverse("admin:deliveries_filemeta_change", args=[pdf.pk]),
            "notebook file": reverse("admin:deliveries_filemeta_change", args=[notebook.pk]),
            "hex preview": reverse("admin:deliveries_filemeta_preview", args=[self.bin.pk]),
            "delivery list": reverse("admin:deliveries_delivery_changelist"),
            "delivery": reverse("admin:deliveries_delivery_change", args=[self.second.pk]),
            "compare": reverse("admin:deliveries_delivery_compare", args=[self.second.pk]),
            "group": reverse("admin:deliveries_assignmentgroup_change", args=[group.pk]),
            "hand-in page": reverse("admin:deliveries_assignmentgroup_deliver", args=[group.pk]),
            "assignment form": reverse("admin:deliveries_assignment_change", args=[assignment.pk]),
            "store health": reverse("admin:deliveries_storecheckrun_changelist"),
        }

    def test_every_page_keeps_to_the_policy(self):
        """Each page: the policy with a nonce, every <script>/<style> nonced, no inline code, style or handler."""
        self.login(self.superuser)
        for name, url in self.pages().items():
            with self.subTest(name):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                policy = response["Content-Security-Policy"]
                for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
                    self.assertIn(directive, policy)
                self.assertNotIn("unsafe-inline", policy)
                nonce = NONCE.search(policy).group(1)
                html = response.content.decode()
                elements = ELEMENT.findall(html)
                self.assertTrue(elements, "no <script> or <style> at all: the page is not what the test thinks")
                for tag, attributes, body in elements:
                    if tag.lower() == "script" and "src=" in attributes:
                        self.assertEqual(body.strip(), "", attributes)  # 'self' covers it; no inline code
                    else:
                        self.assertIn(f'nonce="{nonce}"', attributes, f"<{tag}{attributes}>")
                self.assertIsNone(STYLE_ATTRIBUTE.search(html), STYLE_ATTRIBUTE.search(html))
                self.assertIsNone(HANDLER.search(html), HANDLER.search(html))
                self.assertNotIn("javascript:", html)

    def test_the_checks_catch_what_the_policy_refuses(self):
        """Positive control: each pattern matches the markup the policy would block."""
        self.assertTrue(STYLE_ATTRIBUTE.search('<span class="x" style="color:red">'))
        self.assertTrue(HANDLER.search('<img src="a.png" onerror="alert(1)">'))
        ((tag, attributes, body),) = ELEMENT.findall("<script>alert(1)</script>")
        self.assertEqual((tag, "src=" in attributes, body), ("script", False, "alert(1)"))
