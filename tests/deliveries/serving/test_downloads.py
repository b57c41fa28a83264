"""deliveries.serving.downloads: ranges, ETags, headers and streaming of stored bytes."""

import os

from django.test import RequestFactory, SimpleTestCase, TestCase, override_settings

from deliveries.models import FileMeta
from deliveries.serving.downloads import (
    ByteRange,
    PresignedDownloads,
    RangeNotSatisfiable,
    download_response,
    etag_for,
    open_stream,
    parse_range,
    presigned_redirect,
    safe_content_type,
)
from deliveries.stores import DeliveryStoreFileNotFound, MemoryDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery


class TestParseRange(SimpleTestCase):
    def test_ranges(self):
        """Single ranges become ByteRanges clipped to the file; the whole file is no range at all."""
        cases = [
            ("bytes=0-9", ByteRange(0, 9, 100)),
            ("bytes=10-", ByteRange(10, 99, 100)),
            ("bytes=-10", ByteRange(90, 99, 100)),
            ("bytes=90-200", ByteRange(90, 99, 100)),
            ("bytes=-500", None),
            ("bytes=0-99", None),
            ("bytes=0-", None),
            (None, None),
            ("", None),
        ]
        for header, expected in cases:
            with self.subTest(header=header):
                self.assertEqual(parse_range(header, 100), expected)

    def test_ignored(self):
        """Malformed headers, several ranges and other units are ignored (the whole file is sent)."""
        for header in ("bytes=0-1,5-6", "items=0-5", "bytes=abc", "bytes=-", "bytes=9-3"):
            with self.subTest(header=header):
                self.assertIsNone(parse_range(header, 100))

    def test_unsatisfiable(self):
        """A range starting at or past the end, or an empty suffix, is unsatisfiable."""
        for header, size in (("bytes=100-", 100), ("bytes=500-600", 100), ("bytes=-0", 100), ("bytes=0-", 0)):
            with self.subTest(header=header, size=size), self.assertRaises(RangeNotSatisfiable):
                parse_range(header, size)

    def test_numbers_of_any_length(self):
        """Positions of thousands of digits are past every file: no ValueError from int(), never a 500."""
        huge = "9" * 5000
        self.assertEqual(parse_range(f"bytes=10-{huge}", 100), ByteRange(10, 99, 100))
        self.assertIsNone(parse_range(f"bytes=-{huge}", 100))  # the last 10**5000 bytes: all of them
        self.assertIsNone(parse_range(f"bytes={huge}-3", 100))  # last before first: ignored
        with self.assertRaises(RangeNotSatisfiable):
            parse_range(f"bytes={huge}-", 100)
        with self.assertRaises(RangeNotSatisfiable):
            parse_range(f"bytes={huge}-{huge}9", 100)

    def test_content_range(self):
        """Content-Range names the inclusive range and the total size."""
        self.assertEqual(ByteRange(5, 9, 100).content_range(), "bytes 5-9/100")
        self.assertEqual(ByteRange(5, 9, 100).length, 5)


class TestSafeContentType(SimpleTestCase):
    def test_allow_list(self):
        """Allow-listed types pass; active content and unknown types become octet-stream."""
        cases = {
            "image/png": "image/png",
            "text/plain; charset=utf-8": "text/plain",
            "text/html": "application/octet-stream",
            "image/svg+xml": "application/octet-stream",
            "application/xhtml+xml": "application/octet-stream",
            "text/xml": "application/octet-stream",
            "application/javascript": "application/octet-stream",
            "": "application/octet-stream",
            None: "application/octet-stream",
        }
        for given, expected in cases.items():
            with self.subTest(given=given):
                self.assertEqual(safe_content_type(given), expected)


class TestDownloadResponse(TestCase):
    def setUp(self):
        self.store = self.enterContext(swap_deliverystore(FileMeta, MemoryDeliveryStore(chunk_size=1000)))
        self.data = os.urandom(10_000)
        self.filemeta = make_delivery("dl").add_file("räksmörgås report.html", [self.data])
        self.factory = RequestFactory()

    def get(self, **headers):
        request = self.factory.get("/x", headers=headers)
        request.user = None
        return download_response(request, self.filemeta)

    def body(self, response):
        return b"".join(response.streaming_content)

    def test_closed_before_streaming_closes_the_reader(self):
        """A response closed before a byte is sent (client gone) closes the store's reader at once."""
        readers = []
        original = self.store._read_open

        def tracking(key):
            reader = original(key)
            readers.append(reader)
            return reader

        self.store._read_open = tracking
        stream = open_stream(self.filemeta, self.store)  # what the response streams, and closes with itself
        self.assertFalse(readers[0].closed)
        stream.close()
        self.assertTrue(readers[0].closed)

    def test_full(self):
        """200 with every byte, the length, a strong ETag and the safety headers."""
        response = self.get()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.body(response), self.data)
        self.assertEqual(response["Content-Length"], "10000")
        self.assertEqual(response["ETag"], f'"sha256-{self.filemeta.checksum}"')
        self.assertEqual(response["Content-Type"], "application/octet-stream")  # HTML is never announced
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Content-Security-Policy"], "sandbox; default-src 'none'")
        self.assertEqual(response["Cache-Control"], "private, no-cache")
        self.assertEqual(response["Accept-Ranges"], "bytes")
        self.assertEqual(
            response["Content-Disposition"],
            "attachment; filename*=utf-8''r%C3%A4ksm%C3%B6rg%C3%A5s%20report.html",
        )

    def test_range(self):
        """206 with exactly the asked bytes across chunk boundaries, and Content-Range."""
        for header, first, last in (
            ("bytes=990-2010", 990, 2010),
            ("bytes=-7", 9993, 9999),
            ("bytes=9999-", 9999, 9999),
        ):
            with self.subTest(header=header):
                response = self.get(Range=header)
                self.assertEqual(response.status_code, 206)
                self.assertEqual(self.body(response), self.data[first : last + 1])
                self.assertEqual(response["Content-Range"], f"bytes {first}-{last}/10000")
                self.assertEqual(response["Content-Length"], str(last - first + 1))

    def test_unsatisfiable(self):
        """416 with Content-Range: bytes */size."""
        response = self.get(Range="bytes=10000-")
        self.assertEqual(response.status_code, 416)
        self.assertEqual(response["Content-Range"], "bytes */10000")

    def test_not_modified(self):
        """A matching If-None-Match (also in a list or weak) gives 304 without reading the store."""
        etag = etag_for(self.filemeta)
        self.store.remove(self.filemeta)  # proves the store is not read
        for header in (etag, f'"other", {etag}', f"W/{etag}", "*"):
            with self.subTest(header=header):
                response = self.get(If_None_Match=header)
                self.assertEqual(response.status_code, 304)
                self.assertEqual(response["ETag"], etag)

    def test_etag_mismatch(self):
        """Another ETag gets the bytes."""
        self.assertEqual(self.get(If_None_Match='"sha256-00"').status_code, 200)

    def test_if_range(self):
        """If-Range with our ETag honours Range; any other validator sends the whole file."""
        self.assertEqual(self.get(Range="bytes=0-9", If_Range=etag_for(self.filemeta)).status_code, 206)
        response = self.get(Range="bytes=0-9", If_Range='"sha256-stale"')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(self.body(response)), 10000)

    def test_head(self):
        """HEAD gets the headers of GET, ranges too, and no body; missing bytes still raise."""
        request = self.factory.head("/x", headers={"Range": "bytes=0-9"})
        request.user = None
        response = download_response(request, self.filemeta)
        self.assertEqual(response.status_code, 206)
        self.assertFalse(response.streaming)
        self.assertEqual(response.content, b"")
        self.assertEqual(response["Content-Length"], "10")
        self.assertEqual(response["Content-Range"], "bytes 0-9/10000")
        self.store.remove(self.filemeta)
        with self.assertRaises(DeliveryStoreFileNotFound):
            download_response(request, self.filemeta)

    def test_size_changed_aborts_the_stream(self):
        """Bytes shorter or longer than recorded abort the body (a broken download), for the whole file and its end."""
        from deliveries.serving.downloads import SizeChanged

        for stored, header in (
            (self.data[:-10], None),
            (self.data + b"more", None),
            (self.data[:-10], "bytes=9000-"),
            (self.data + b"more", "bytes=-100"),
            (b"", None),
        ):
            with self.subTest(stored=len(stored), header=header):
                with self.store.write_open(self.filemeta) as writer:
                    writer.write(stored)
                response = self.get(**({"Range": header} if header else {}))
                with self.assertRaises(SizeChanged) as caught:
                    self.body(response)
                self.assertIn(f"file {self.filemeta.pk}", str(caught.exception))
        # Positive control: a range in the middle never reads past itself, and the recorded bytes stream whole.
        with self.store.write_open(self.filemeta) as writer:
            writer.write(self.data + b"more")
        self.assertEqual(self.body(self.get(Range="bytes=0-9")), self.data[:10])
        with self.store.write_open(self.filemeta) as writer:
            writer.write(self.data)
        self.assertEqual(self.body(self.get()), self.data)

    def test_head_decides_as_get(self):
        """HEAD opens the bytes as GET does: a store that cannot read them fails HEAD the same way."""

        def failing(key):
            raise OSError(5, "Input/output error")

        self.store._read_open = failing
        for method in ("get", "head"):
            with self.subTest(method=method):
                request = getattr(self.factory, method)("/x")
                request.user = None
                with self.assertRaisesMessage(OSError, "Input/output error"):
                    download_response(request, self.filemeta)

    def test_missing(self):
        """Missing bytes raise before a response exists, so the caller can show a page."""
        self.store.remove(self.filemeta)
        with self.assertRaises(DeliveryStoreFileNotFound):
            self.get()

    def test_streams_in_store_chunks(self):
        """The body is produced chunk by chunk, never as one buffer."""
        chunks = list(self.get().streaming_content)
        self.assertEqual(len(chunks), 10)
        self.assertTrue(all(len(chunk) == 1000 for chunk in chunks))


class SigningMemoryStore(MemoryDeliveryStore):
    """A memory store that can sign URLs, the way S3DeliveryStore does; records what it was asked."""

    def presigned_url(self, filemeta, filename, expires=300, content_type=None):
        self.signed = (filemeta.pk, filename, expires, content_type)
        return f"https://store.example/{self.key_for(filemeta)}?X-Amz-Expires={expires}"


class TestPresignedDownloads(TestCase):
    def setUp(self):
        self.store = self.enterContext(swap_deliverystore(FileMeta, SigningMemoryStore()))
        self.filemeta = make_delivery("ps").add_file("page.html", [b"<p>" * 400])
        self.policy = PresignedDownloads(enabled=True, min_size=1200, expires=42)
        self.factory = RequestFactory()

    def redirect(self, method="get", policy=None, **headers):
        request = getattr(self.factory, method)("/x", headers=headers)
        request.user = None
        return presigned_redirect(request, self.filemeta, policy or self.policy)

    @override_settings(
        DELIVERY_STORE_PRESIGNED_DOWNLOADS=True, DELIVERY_STORE_PRESIGNED_MIN_SIZE=5, DELIVERY_STORE_PRESIGNED_EXPIRES=9
    )
    def test_from_settings(self):
        """The three DELIVERY_STORE_PRESIGNED_* settings make the policy; off by default."""
        self.assertEqual(PresignedDownloads.from_settings(), PresignedDownloads(True, 5, 9))
        with override_settings(DELIVERY_STORE_PRESIGNED_DOWNLOADS=False):
            self.assertFalse(PresignedDownloads.from_settings().enabled)
        self.assertFalse(PresignedDownloads().enabled)

    def test_redirect(self):
        """At the minimum size a GET, ranged or not, gets a no-store 302 signed with the name, expiry and safe type."""
        for headers in ({}, {"Range": "bytes=0-9"}):
            with self.subTest(headers=headers):
                response = self.redirect(**headers)
                self.assertEqual(response.status_code, 302)
                self.assertEqual(response["Location"], f"https://store.example/{self.filemeta.pk}?X-Amz-Expires=42")
                self.assertEqual(response["Cache-Control"], "private, no-store")
                self.assertEqual(response["Referrer-Policy"], "no-referrer")
                self.assertEqual(self.store.signed, (self.filemeta.pk, "page.html", 42, "application/octet-stream"))

    def test_streams_instead(self):
        """Off, under the minimum size, HEAD, or a store that cannot sign: None, the caller streams."""
        cases = {
            "off": {"policy": PresignedDownloads(enabled=False, min_size=0)},
            "small": {"policy": PresignedDownloads(enabled=True, min_size=1201)},
            "head": {"method": "head"},
        }
        for name, kwargs in cases.items():
            with self.subTest(name):
                self.assertIsNone(self.redirect(**kwargs))
        with swap_deliverystore(FileMeta, MemoryDeliveryStore()):
            self.assertIsNone(self.redirect())

    def test_missing(self):
        """Missing bytes raise rather than redirect to a URL that would answer 404."""
        self.store.remove(self.filemeta)
        with self.assertRaises(DeliveryStoreFileNotFound):
            self.redirect()
