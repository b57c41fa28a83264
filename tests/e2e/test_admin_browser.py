"""The admin in a real browser: log in, find, preview, download, compare and verify files."""

import io
import zipfile

import pytest
from playwright.sync_api import expect

from deliveries.models import FileMeta
from tests.support.admin_fixtures import PASSWORD, PYTHON_SOURCE, make_samples, make_user

pytestmark = pytest.mark.slow


@pytest.fixture
def samples(transactional_db, memory_store_e2e):
    make_user("examiner", perms=["view_filemeta", "view_delivery", "view_assignmentgroup"])
    return make_samples("e2e")


def log_in(page, live_server, username="examiner"):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def test_find_preview_and_download(page, live_server, samples, screenshot):
    """Search a file, see its highlighted source, download it and get the exact bytes."""
    log_in(page, live_server)
    screenshot("01-index")
    page.goto(f"{live_server.url}/admin/deliveries/filemeta/")
    page.fill("#searchbar", "hello")
    with page.expect_navigation():  # the list before the search has a #result_list too
        page.press("#searchbar", "Enter")
    assert "q=hello" in page.url
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)  # hello.py in both deliveries
    screenshot("02-file-list-search")
    page.click(f'#result_list th a[href*="/filemeta/{samples["py"].pk}/change/"]')
    page.wait_for_selector("#bytes-preview")
    keyword = page.locator("#bytes-preview .highlight .k").first
    assert keyword.inner_text() == "def"
    # The tag in the source is shown as text, never turned into an element.
    assert page.locator("#bytes-preview .highlight b").count() == 0
    assert "<b>&amp;</b>" in page.locator("#bytes-preview .highlight").inner_text()
    screenshot("03-file-text-preview")

    with page.expect_download() as info:
        page.click("a.download-link")
    download = info.value
    assert download.suggested_filename == "hello.py"
    with open(download.path(), "rb") as f:
        assert f.read() == PYTHON_SOURCE.encode()


def test_image_preview(page, live_server, samples, screenshot):
    """An image file shows its thumbnail, decoded by the browser."""
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/deliveries/filemeta/{samples['png'].pk}/change/")
    image = page.locator(".image-preview img")
    image.wait_for()
    page.wait_for_function("document.querySelector('.image-preview img').complete")
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [40, 30]
    screenshot("04-file-image-preview")


def test_hex_preview(page, live_server, samples, screenshot):
    """A binary file shows a hex dump with a link to the next page."""
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/deliveries/filemeta/{samples['bin'].pk}/preview/")
    assert page.locator(".hexdump tr").count() == 256
    page.click("a.hex-next")
    page.wait_for_url("**offset=4096")
    assert page.locator(".hexdump td.offset").first.inner_text() == "00001000"
    screenshot("05-file-hex-preview")


def test_verify_selected(page, live_server, samples, memory_store_e2e, screenshot):
    """Select files, run "verify selected", and read how many were intact, missing or corrupt."""
    memory_store_e2e.remove(samples["txt"])
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/deliveries/filemeta/?delivery__id__exact={samples['first'].pk}")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "verify_selected")
    page.click("button[name=index]")
    message = page.locator("ul.messagelist li").first
    assert message.inner_text() == "Verified 4 files: 3 intact, 1 missing, 0 corrupt."
    screenshot("06-verify-selected")
    assert FileMeta.objects.get(pk=samples["txt"].pk).status == "missing"


def test_delivery_zip_and_compare(page, live_server, samples, screenshot):
    """The delivery page downloads all files as a zip and compares with the previous delivery."""
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/deliveries/delivery/{samples['second'].pk}/change/")
    screenshot("07-delivery")
    with page.expect_download() as info:
        page.click("a.download-zip")
    with open(info.value.path(), "rb") as f:
        archive = zipfile.ZipFile(io.BytesIO(f.read()))
    assert sorted(name.split("/", 1)[1] for name in archive.namelist()) == ["extra.md", "hello.py", "notes.txt"]

    page.click("a.compare-link")
    page.wait_for_selector("table.compare-summary")
    statuses = page.locator("table.compare-summary tbody td:nth-child(2)").all_inner_texts()
    assert sorted(statuses) == ["added", "changed", "removed", "removed", "unchanged"]
    assert page.locator("table.diff .diff_chg").count() >= 1
    screenshot("08-delivery-compare")


def test_permission_denied_in_browser(page, live_server, samples):
    """Staff without the file permission get a 403 on a download URL."""
    make_user("helper")
    log_in(page, live_server, "helper")
    response = page.goto(f"{live_server.url}/admin/deliveries/filemeta/{samples['py'].pk}/download/")
    assert response.status == 403
