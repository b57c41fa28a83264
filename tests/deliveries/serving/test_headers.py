"""deliveries.serving.headers: every response that carries stored bytes gets the one set of untrusted-bytes headers."""

from django.test import TestCase
from django.urls import reverse

from deliveries.serving.headers import UNTRUSTED_BYTES_HEADERS
from tests.support.admin_fixtures import AdminFixtureMixin


def directives(cache_control):
    return {part.strip() for part in cache_control.split(",")}


class TestUntrustedBytesHeaders(AdminFixtureMixin, TestCase):
    def test_every_byte_response(self):
        """Downloads (200, 206, HEAD, 304, 416), the image thumbnail and the zip: all carry every header."""
        self.login(self.viewer)
        download = reverse("admin:deliveries_filemeta_download", args=[self.py.pk])
        etag = f'"sha256-{self.py.checksum}"'
        for label, method, url, headers, status in (
            ("download", "get", download, {}, 200),
            ("range", "get", download, {"Range": "bytes=0-9"}, 206),
            ("head", "head", download, {}, 200),
            ("not modified", "get", download, {"If-None-Match": etag}, 304),
            ("range past the end", "get", download, {"Range": f"bytes={self.py.size + 10}-"}, 416),
            ("thumbnail", "get", reverse("admin:deliveries_filemeta_preview_image", args=[self.png.pk]), {}, 200),
            ("zip", "get", reverse("admin:deliveries_delivery_download", args=[self.first.pk]), {}, 200),
        ):
            with self.subTest(label):
                response = getattr(self.client, method)(url, headers=headers)
                self.assertEqual(response.status_code, status)
                # The site's policy middleware (a page's policy) neither replaces nor adds to the sandbox.
                self.assertNotIn("Content-Security-Policy-Report-Only", response)
                for name, value in UNTRUSTED_BYTES_HEADERS.items():
                    if name == "Cache-Control":  # the zip's admin view adds never_cache's no-store: stricter still
                        self.assertLessEqual(directives(value), directives(response.get(name, "")))
                    else:
                        self.assertEqual(response.get(name), value, name)
        # Positive control: an admin page of the app's own (escaped) HTML is not sandboxed this way:
        # it gets the site's policy from the middleware, the one the byte responses above keep out.
        page = self.client.get(reverse("admin:deliveries_filemeta_change", args=[self.py.pk]))
        self.assertNotIn("sandbox", page["Content-Security-Policy"])
        self.assertIn("script-src 'self' 'nonce-", page["Content-Security-Policy"])
