"""
Stored HTML, SVG, XHTML and XML files that carry script never run it in the admin's origin.

First the headers and pages, through the test client; then real headless Chromium against a live
server: the preview, the file's page, the image preview, the comparison and the downloads are opened as a
superuser while the server records every request the payloads would make (BeaconLog).
A control renders the same bytes without the protective headers and sees the payloads fire, so a
silent detector cannot pass the test.
"""

import html.parser
import io
import logging
import zipfile

import pytest
from django.test import TestCase
from django.urls import reverse

from deliveries.models import Delivery, FileMeta
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery
from tests.e2e.conftest import browser, live_server, memory_store_e2e, page  # noqa: F401 (fixtures)
from tests.e2e.test_admin_browser import log_in
from tests.support.admin_fixtures import body, make_user

# Where a payload reports that it ran: a path on the admin's own origin, so a payload running there
# would reach the server (a 404 that BeaconLog records) with nothing in between to block it.
BEACON = "/beacon"


def payload(beacon, name, trigger):
    """JavaScript that, if it ever runs, leaves every trace we look for (no quotes, & or < inside)."""
    url = f"{beacon}/{name}/{trigger}"
    return (
        f"window.__pwned='{name}/{trigger}';document.title='PWNED';"
        f"fetch('{url}/fetch');new Image().src='{url}/img';alert('{name}/{trigger}')"
    )


def active_files(beacon=BEACON):
    """{filename: bytes} of files whose content runs script when a browser renders them."""

    def p(name, trigger):
        return payload(beacon, name, trigger)

    return {
        "page.html": (
            "<!doctype html><html><head><title>innocent</title>"
            f"<script>{p('html', 'script')}</script></head>"
            f'<body onload="{p("html", "onload")}">'
            f'<img src="/nonexistent.png" onerror="{p("html", "onerror")}">'
            f'<a id="js-link" href="javascript:{p("html", "link")}">click me</a>'
            "</body></html>"
        ).encode(),
        "drawing.svg": (
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="200" height="200" onload="{p("svg", "onload")}">'
            f'<script type="text/javascript"><![CDATA[{p("svg", "script")}]]></script>'
            f'<a id="js-link" xlink:href="javascript:{p("svg", "link")}"><rect width="200" height="200"/></a>'
            "</svg>"
        ).encode(),
        "page.xhtml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>innocent</title>'
            f"<script>//<![CDATA[\n{p('xhtml', 'script')}\n//]]></script></head>"
            f'<body onload="{p("xhtml", "onload")}">'
            f'<a id="js-link" href="javascript:{p("xhtml", "link")}">click me</a></body></html>'
        ).encode(),
        "data.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><records>'
            f'<html:script xmlns:html="http://www.w3.org/1999/xhtml">{p("xml", "script")}</html:script>'
            f'<svg xmlns="http://www.w3.org/2000/svg" onload="{p("xml", "onload")}"/>'
            "</records>"
        ).encode(),
    }


def revised(name, data):
    """A second version of an active file, for the comparison page: one more payload line."""
    return data + f"\n<script>{payload(BEACON, name, 'diff')}</script>\n".encode()


# What a browser would have made of each file had it been served as itself.
NATIVE_TYPES = {
    "page.html": "text/html",
    "drawing.svg": "image/svg+xml",
    "page.xhtml": "application/xhtml+xml",
    "data.xml": "application/xml",
}
# Types a browser renders as a document (and so could run script in).
ACTIVE_TYPES = {"text/html", "image/svg+xml", "application/xhtml+xml", "application/xml", "text/xml"}


class ScriptFinder(html.parser.HTMLParser):
    """Collect, from an admin page, every way the page itself would run a payload."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and "__pwned" in value:
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src", "xlink:href", "action") and value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value[:40]}>")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "__pwned" in data:
            self.found.append(f"<script>{data[:40]}")


def scripts_in(page_html):
    finder = ScriptFinder()
    finder.feed(page_html)
    return finder.found


class TestActiveContentHeaders(TestCase):
    """Headers and pages for active content, through the test client."""

    def setUp(self):
        self.store = self.enterContext(swap_deliverystore(FileMeta, MemoryDeliveryStore()))
        self.client.force_login(make_user("root", superuser=True))
        self.delivery = make_delivery("active")
        self.files = {name: self.delivery.add_file(name, [data]) for name, data in active_files().items()}
        # The same markup under names and types that claim to be harmless.
        self.files["notes.txt"] = self.delivery.add_file("notes.txt", [active_files()["page.html"]])
        self.files["photo.png"] = self.delivery.add_file("photo.png", [active_files()["page.html"]])
        self.files["report.htm"] = self.delivery.add_file(
            "report.htm", [active_files()["page.html"]], content_type="text/html; charset=utf-8"
        )
        self.delivery.finish()
        self.second = Delivery.begin(self.delivery.assignment_group)
        for name, data in active_files().items():
            self.second.add_file(name, [revised(name, data)])
        self.second.finish()

    def assert_untrusted_bytes_headers(self, response):
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertTrue(response["Content-Security-Policy"].startswith("sandbox"), response["Content-Security-Policy"])
        self.assertIn("default-src 'none'", response["Content-Security-Policy"])
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"), response["Content-Disposition"])
        content_type = response["Content-Type"].split(";")[0].strip().lower()
        self.assertNotIn(content_type, ACTIVE_TYPES)
        self.assertFalse(content_type.endswith(("+xml", "/html")), content_type)

    def test_download(self):
        """Downloads are attachments, never sniffed, sandboxed, and never announced as a renderable type."""
        for name, filemeta in self.files.items():
            url = reverse("admin:deliveries_filemeta_download", args=[filemeta.pk])
            data = b"".join(self.store.iter_chunks(filemeta))
            for method, headers, status in (
                ("get", {}, 200),
                ("head", {}, 200),
                ("get", {"Range": "bytes=0-20"}, 206),
                ("get", {"If-None-Match": f'"sha256-{filemeta.checksum}"'}, 304),
            ):
                with self.subTest(file=name, method=method, headers=headers):
                    response = getattr(self.client, method)(url, headers=headers)
                    self.assertEqual(response.status_code, status)
                    if status == 304:
                        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                        self.assertTrue(response["Content-Security-Policy"].startswith("sandbox"))
                        continue
                    self.assert_untrusted_bytes_headers(response)
                    self.assertEqual(
                        response["Content-Type"], "application/octet-stream" if name != "notes.txt" else "text/plain"
                    )
                    if method == "get" and status == 200:
                        self.assertEqual(body(response), data)

    def test_zip(self):
        """The delivery's zip is an attachment with the same headers; the files inside are the stored bytes."""
        response = self.client.get(reverse("admin:deliveries_delivery_download", args=[self.delivery.pk]))
        self.assert_untrusted_bytes_headers(response)
        self.assertEqual(response["Content-Type"], "application/zip")
        archive = zipfile.ZipFile(io.BytesIO(body(response)))
        members = {name.rsplit("/", 1)[-1]: archive.read(name) for name in archive.namelist()}
        for name, data in active_files().items():
            self.assertEqual(members[name], data)

    def test_pages_show_source_only(self):
        """The preview, hex and file pages show the markup as escaped text: no element or handler of it survives."""
        for name, filemeta in self.files.items():
            urls = [
                reverse("admin:deliveries_filemeta_preview", args=[filemeta.pk]),
                reverse("admin:deliveries_filemeta_preview", args=[filemeta.pk]) + "?mode=hex",
                reverse("admin:deliveries_filemeta_change", args=[filemeta.pk]),
            ]
            for url in urls:
                with self.subTest(file=name, url=url):
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, 200)
                    self.assertEqual(response["Content-Type"], "text/html; charset=utf-8")
                    self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                    self.assertEqual(response["X-Frame-Options"], "DENY")
                    page_html = body(response).decode()
                    self.assertEqual(scripts_in(page_html), [])
                    # Shown, as text: highlighted source, or a hex dump.
                    shown = 'class="hexdump"' if "mode=hex" in url else "__pwned"
                    self.assertTrue(shown in page_html, f"{shown} is not on the page")

    def test_comparison_shows_source_only(self):
        """The comparison of two deliveries diffs the markup as escaped text."""
        response = self.client.get(reverse("admin:deliveries_delivery_compare", args=[self.second.pk]))
        self.assertEqual(response.status_code, 200)
        page_html = body(response).decode()
        self.assertEqual(scripts_in(page_html), [])
        self.assertTrue("diff_add" in page_html and "__pwned" in page_html, "the diff is not on the page")

    def test_image_preview_refuses_active_images(self):
        """The image preview never passes on SVG or markup: only re-encoded raster images get through."""
        for name in ("drawing.svg", "page.html", "photo.png"):
            with self.subTest(file=name):
                response = self.client.get(
                    reverse("admin:deliveries_filemeta_preview_image", args=[self.files[name].pk])
                )
                self.assertEqual(response.status_code, 415)
                self.assertEqual(scripts_in(body(response).decode()), [])
                self.assertNotIn(b"__pwned", body(response))

    def test_script_finder_finds_scripts(self):
        """The page check above can fail: rendered, each payload is found."""
        for name, data in active_files().items():
            with self.subTest(file=name):
                self.assertNotEqual(scripts_in(data.decode()), [])


# ---- In Chromium ----------------------------------------------------------------------------------


class BeaconLog(logging.Handler):
    """
    The payloads' requests that reached the live server: each is a 404, which Django logs on
    ``django.request`` with the request attached.
    """

    def __init__(self):
        super().__init__()
        self.hits = []

    def emit(self, record):
        request = getattr(record, "request", None)
        if request is not None and request.path.startswith(f"{BEACON}/"):
            self.hits.append(request.path)


@pytest.fixture
def recorder():
    handler = BeaconLog()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def traces(page, recorder):
    """What the browser page shows of a payload running: its dialogs and its requests to the recorder."""
    seen = []
    page.on("dialog", lambda dialog: (seen.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.context.on("request", lambda request: f"{BEACON}/" in request.url and seen.append(f"request: {request.url}"))
    return seen


@pytest.fixture
def active(transactional_db, memory_store_e2e, recorder):
    """
    The active files in a delivery, revised in a second one, and a superuser. Returns the second
    delivery and the first's files.
    """
    make_user("examiner", superuser=True)
    delivery = make_delivery("active-e2e")
    files = {name: delivery.add_file(name, [data]) for name, data in active_files().items()}
    delivery.finish()
    second = Delivery.begin(delivery.assignment_group)
    for name, data in active_files().items():
        second.add_file(name, [revised(name, data)])
    second.finish()
    return second, files


def settle(page):
    """Give a payload the time to run and report, then read what it would have left behind."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    return page.evaluate("() => [window.__pwned || null, document.title]")


def download(page, url):
    """Open ``url``, which must be an attachment; return the downloaded bytes."""
    from playwright.sync_api import Error

    with page.expect_download() as info:
        try:
            page.goto(url)
        except Error as e:  # Chromium reports a navigation that turned into a download as an error
            assert "Download is starting" in str(e) or "ERR_ABORTED" in str(e), e
    with open(info.value.path(), "rb") as f:
        return f.read()


def assert_nothing_ran(page, recorder, traces):
    page.wait_for_timeout(300)
    assert recorder.hits == []
    assert traces == []


@pytest.mark.slow
def test_admin_pages_run_no_stored_script(page, traces, live_server, active, recorder):
    """The comparison, and the preview, hex view, page and image preview of each active file: no payload runs."""
    log_in(page, live_server)
    second, files = active
    compare_url = reverse("admin:deliveries_delivery_compare", args=[second.pk])
    for name, filemeta in files.items():
        urls = [
            compare_url,
            reverse("admin:deliveries_filemeta_preview", args=[filemeta.pk]),
            reverse("admin:deliveries_filemeta_preview", args=[filemeta.pk]) + "?mode=hex",
            reverse("admin:deliveries_filemeta_change", args=[filemeta.pk]),
            reverse("admin:deliveries_filemeta_preview_image", args=[filemeta.pk]),
        ]
        for url in urls:
            response = page.goto(live_server.url + url)
            assert response.status in (200, 415), (url, response.status)
            pwned, title = settle(page)
            assert pwned is None and title != "PWNED", (name, url, pwned, title)
            # Nothing of the file became an element: no handler, no javascript: link, no frame.
            payload_elements = "[onload*=__pwned], [onerror*=__pwned], a[href^='javascript:'], #js-link, iframe"
            assert page.locator(payload_elements).count() == 0, (name, url)
            if url == compare_url:
                assert "__pwned" in page.locator("table.diff").first.inner_text()
            elif url.endswith(("/preview/", "/change/")):
                assert page.locator("#bytes-preview .highlight").count() == 1
                assert "__pwned" in page.locator("#bytes-preview").inner_text()
    assert_nothing_ran(page, recorder, traces)


@pytest.mark.slow
def test_downloads_run_no_stored_script(page, traces, live_server, active, recorder):
    """Each file's download and the deliveries' zip arrive as downloads, byte for byte, and run nothing."""
    log_in(page, live_server)
    second, files = active
    originals = active_files()
    for name, filemeta in files.items():
        data = download(page, live_server.url + reverse("admin:deliveries_filemeta_download", args=[filemeta.pk]))
        assert data == originals[name]
        assert page.evaluate("() => window.__pwned || null") is None
    for delivery, expected in (
        (filemeta.delivery, originals),
        (second, {n: revised(n, d) for n, d in originals.items()}),
    ):
        zipped = download(page, live_server.url + reverse("admin:deliveries_delivery_download", args=[delivery.pk]))
        archive = zipfile.ZipFile(io.BytesIO(zipped))
        assert {name.rsplit("/", 1)[-1]: archive.read(name) for name in archive.namelist()} == expected
    assert_nothing_ran(page, recorder, traces)


def render_download(page, url, native_type, keep):
    """
    Open a download URL with its response rewritten into a page: no Content-Disposition, the file's
    own type (``native_type``), and of the protective headers only those in ``keep`` (lower case).
    """
    protective = {"content-security-policy", "x-content-type-options", "content-disposition", "content-type"}

    def rewrite(route):
        response = route.fetch()
        headers = {k: v for k, v in response.headers.items() if k.lower() not in protective or k.lower() in keep}
        headers["content-type"] = native_type
        route.fulfill(status=response.status, headers=headers, body=response.body())

    page.route(url, rewrite)
    try:
        page.goto(url)
        settle(page)
        if page.locator("#js-link").count():
            page.locator("#js-link").first.click(timeout=2000, no_wait_after=True)
        page.wait_for_timeout(300)
    finally:
        page.unroute(url)


@pytest.mark.slow
def test_control_payloads_fire_when_rendered(page, traces, live_server, active, recorder):
    """Control: the same bytes rendered as pages without the protective headers do run, and are seen."""
    log_in(page, live_server)
    _, files = active
    for name, filemeta in files.items():
        traces.clear()
        before = len(recorder.hits)
        url = live_server.url + reverse("admin:deliveries_filemeta_download", args=[filemeta.pk])
        render_download(page, url, NATIVE_TYPES[name], keep=())
        for _ in range(50):  # the payload's requests reach the server a moment later; wait up to 5 s
            if len(recorder.hits) > before:
                break
            page.wait_for_timeout(100)
        assert len(recorder.hits) > before, name
        assert any(trace.startswith("dialog:") for trace in traces), (name, traces)


@pytest.mark.slow
def test_csp_alone_stops_rendered_payloads(page, traces, live_server, active, recorder):
    """Even if a browser ignored the attachment and rendered the file as itself, the CSP sandbox stops every payload."""
    log_in(page, live_server)
    _, files = active
    for name, filemeta in files.items():
        url = live_server.url + reverse("admin:deliveries_filemeta_download", args=[filemeta.pk])
        render_download(page, url, NATIVE_TYPES[name], keep={"content-security-policy"})
        assert page.evaluate("() => window.__pwned || null") is None, name
    assert_nothing_ran(page, recorder, traces)
