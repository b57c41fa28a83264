"""The admin download's redirect to a presigned URL (DELIVERY_STORE_PRESIGNED_*), against SeaweedFS."""

import time
import urllib.error
import urllib.parse
import urllib.request

from django.test import TestCase, override_settings
from django.urls import reverse

from deliveries.models import FileMeta
from deliveries.stores import swap_deliverystore
from deliveries.testhelpers import make_delivery
from tests.stores import test_s3  # a module, not its classes: pytest would collect those twice
from tests.support.admin_fixtures import AdminFixtureMixin, make_user

MIN_SIZE = 64 * 1024
BIG = b"%PDF-1.7\n" + bytes(range(256)) * (MIN_SIZE // 256)  # just over MIN_SIZE
SMALL = b"small enough to stream\n"
BIG_NAME = "rapport æøå final.pdf"


def fetch(url, **headers):
    """GET ``url`` outside Django; return (status, headers, body)."""
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        return response.status, response.headers, response.read()


@override_settings(
    DELIVERY_STORE_PRESIGNED_DOWNLOADS=True,
    DELIVERY_STORE_PRESIGNED_MIN_SIZE=MIN_SIZE,
    DELIVERY_STORE_PRESIGNED_EXPIRES=60,
)
class TestPresignedDownloads(test_s3.S3Mixin, AdminFixtureMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.store = self.enterContext(swap_deliverystore(FileMeta, self.make_store()))
        delivery = make_delivery("presign")
        self.big = delivery.add_file(BIG_NAME, [BIG])
        self.small = delivery.add_file("small.txt", [SMALL])
        delivery.finish()
        self.login(self.viewer)

    def url(self, filemeta):
        return reverse("admin:deliveries_filemeta_download", args=[filemeta.pk])

    def assertNoPresignedUrl(self, response):
        """No redirect to the store, and no signature anywhere in the headers or the body."""
        self.assertFalse(response.get("Location", "").startswith(self.seaweedfs.endpoint_url))
        text = "\n".join([str(response.headers), self.content(response).decode("utf-8", "replace")])
        self.assertNotIn("X-Amz-Signature", text)

    def test_big_file_redirects_to_attachment_url(self):
        """A big file: 302, not cached, to a URL on the store that gives exactly the bytes as an attachment."""
        response = self.client.get(self.url(self.big))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Cache-Control"], "private, no-store")
        location = response["Location"]
        self.assertTrue(location.startswith(self.seaweedfs.endpoint_url + "/"), location)
        status, headers, body = fetch(location)
        self.assertEqual((status, body), (200, BIG))
        self.assertEqual(
            headers["Content-Disposition"], "attachment; filename*=utf-8''rapport%20%C3%A6%C3%B8%C3%A5%20final.pdf"
        )
        self.assertEqual(headers["Content-Type"], "application/pdf")

    def test_untrusted_type_goes_out_as_bytes(self):
        """The store is told the same safe Content-Type as a streamed download: HTML goes out as opaque bytes."""
        page = make_delivery("html").add_file("page.html", [b"<script>alert(1)</script>" * (MIN_SIZE // 10)])
        self.assertEqual(page.content_type, "text/html")
        status, headers, _ = fetch(self.client.get(self.url(page))["Location"])
        self.assertEqual((status, headers["Content-Type"]), (200, "application/octet-stream"))

    def test_range_and_conditional_requests_redirect_too(self):
        """Range and If-None-Match still redirect; the store answers the range itself."""
        for headers in ({"Range": "bytes=10-19"}, {"If-None-Match": f'"sha256-{self.big.checksum}"'}):
            with self.subTest(headers=headers):
                self.assertEqual(self.client.get(self.url(self.big), headers=headers).status_code, 302)
        location = self.client.get(self.url(self.big), headers={"Range": "bytes=10-19"})["Location"]
        status, headers, body = fetch(location, Range="bytes=10-19")
        self.assertEqual((status, body, headers["Content-Range"]), (206, BIG[10:20], f"bytes 10-19/{len(BIG)}"))

    def test_small_file_streams(self):
        """Files under the minimum size stream through Django as before."""
        response = self.client.get(self.url(self.small))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.streaming)
        self.assertEqual(self.content(response), SMALL)

    def test_option_off_streams(self):
        """With DELIVERY_STORE_PRESIGNED_DOWNLOADS off, big files stream too."""
        with override_settings(DELIVERY_STORE_PRESIGNED_DOWNLOADS=False):
            response = self.client.get(self.url(self.big))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.content(response), BIG)
        self.assertNoPresignedUrl(response)

    def test_head_answers_here(self):
        """HEAD is answered by Django: a presigned URL is signed for GET only."""
        response = self.client.head(self.url(self.big))
        self.assertEqual((response.status_code, response["Content-Length"]), (200, str(len(BIG))))

    def test_no_url_without_permission(self):
        """Anonymous, non-staff and staff without the file permission never see a presigned URL."""
        cases = [
            (None, 302),
            (make_user("student", staff=False, perms=["view_filemeta"]), 302),
            (self.nobody, 403),
            (make_user("deliveries-only", perms=["view_delivery"]), 403),
        ]
        for user, status in cases:
            with self.subTest(user=user and user.username):
                self.client.logout()
                if user:
                    self.login(user)
                response = self.client.get(self.url(self.big))
                self.assertEqual(response.status_code, status)
                if status == 302:
                    self.assertTrue(response["Location"].startswith(reverse("admin:login")))
                self.assertNoPresignedUrl(response)

    def test_corrupt_and_missing_pages_before_redirect(self):
        """Known-corrupt bytes get the 409 page first; bytes gone from the bucket the 404 page, not the store's XML."""
        FileMeta.objects.filter(pk=self.big.pk).update(status=FileMeta.Status.CORRUPT)
        response = self.client.get(self.url(self.big))
        self.assertContains(response, "found these bytes corrupt", status_code=409)
        self.assertNoPresignedUrl(response)
        self.assertEqual(self.client.get(self.url(self.big) + "?anyway=1").status_code, 302)
        self.store.remove(self.big)
        response = self.client.get(self.url(self.big) + "?anyway=1")
        self.assertContains(response, "The store has no bytes for this file", status_code=404)
        self.assertNoPresignedUrl(response)

    @override_settings(DELIVERY_STORE_PRESIGNED_EXPIRES=1)
    def test_url_expires(self):
        """The URL says it lasts DELIVERY_STORE_PRESIGNED_EXPIRES seconds, and SeaweedFS refuses it after."""
        location = self.client.get(self.url(self.big))["Location"]
        self.assertEqual(urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["X-Amz-Expires"], ["1"])
        time.sleep(2.1)
        with self.assertRaises(urllib.error.HTTPError) as caught:
            fetch(location)
        self.assertEqual(caught.exception.code, 403)
        caught.exception.close()
