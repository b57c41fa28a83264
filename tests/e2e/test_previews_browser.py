"""PDF and notebook previews in a real browser: pages drawn on the server, cells shown, nothing of the notebook run."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_admin_browser import log_in
from tests.support import notebooks, pdfs
from tests.support.admin_fixtures import make_samples, make_user, png_bytes

pytestmark = pytest.mark.slow


@pytest.fixture
def documents(transactional_db, memory_store_e2e):
    make_user("examiner", perms=["view_filemeta", "view_delivery", "view_assignmentgroup"])
    samples = make_samples("e2e-docs")
    delivery = samples["second"]
    # A chart-like image for the notebook's output: two colours, so the screenshot shows it.
    return {
        "pdf": delivery.add_file("report.pdf", [pdfs.text_pdf(5, label="Lab report, page")]),
        "notebook": delivery.add_file(
            "analysis.ipynb", [notebooks.sample_notebook(png_bytes((360, 120), (40, 110, 200)))]
        ),
    }


def loaded_images(page, selector):
    """Wait for every image matching ``selector`` to load; return their natural sizes."""
    page.wait_for_function(
        "s => [...document.querySelectorAll(s)].every(img => img.complete && img.naturalWidth > 0)", arg=selector
    )
    return page.locator(selector).evaluate_all("imgs => imgs.map(img => [img.naturalWidth, img.naturalHeight])")


def test_pdf_preview(page, live_server, documents, screenshot):
    """A PDF's page shows its first three pages as images drawn on the server, and the next pages on a click."""
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/deliveries/filemeta/{documents['pdf'].pk}/change/")
    expect(page.locator("#bytes-preview")).to_contain_text("A PDF of 5 pages: pages 1–3 drawn as images")
    assert loaded_images(page, ".pdf-page img") == [[1000, 1416]] * 3
    # The PDF itself is never embedded: no object, embed or frame points at it.
    assert page.locator("#bytes-preview object, #bytes-preview embed, #bytes-preview iframe").count() == 0
    screenshot("20-pdf-preview")
    page.click("a.pdf-next")
    page.wait_for_url("**page=4")
    assert loaded_images(page, ".pdf-page img") == [[1000, 1416]] * 2
    expect(page.locator(".pdf-page figcaption").first).to_have_text("Page 4 of 5")
    screenshot("21-pdf-next-pages")


def test_notebook_preview(page, live_server, documents, screenshot):
    """A notebook's cells show in order, code highlighted, its image output re-encoded; none of its script runs."""
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/deliveries/filemeta/{documents['notebook'].pk}/change/")
    cells = page.locator(".notebook-cell")
    expect(cells).to_have_count(5)
    expect(cells.nth(0)).to_contain_text("<script>alert('md')</script>")  # shown as text
    assert cells.nth(1).locator(".highlight .k").first.inner_text() == "def"
    assert loaded_images(page, ".notebook-output img") == [[360, 120]]
    expect(cells.nth(4)).to_contain_text("ZeroDivisionError: division by zero")
    assert page.locator("#bytes-preview script, #bytes-preview b[onmouseover]").count() == 0
    screenshot("22-notebook-preview")
    assert dialogs == []
