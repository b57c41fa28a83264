"""
The admin under its Content-Security-Policy in a real browser: every page still works, and the
browser reports no violation; a page with an inline script under the same policy proves the
detector sees one.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deliveries.models import Delivery, StoreCheckRun
from tests.e2e.test_admin_browser import log_in
from tests.e2e.test_handin_browser import drop_files
from tests.support import notebooks, pdfs
from tests.support.admin_fixtures import make_samples, make_user, png_bytes

pytestmark = pytest.mark.slow

# Recorded in every document before its own scripts run (Playwright's init scripts are not the
# page's, so the policy does not stop them): each violation the browser reports as an event.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
    window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class ViolationDetector:
    """Collects CSP violations two ways: the page's securitypolicyviolation events and Chromium's console."""

    def __init__(self, page):
        self.page, self.console = page, []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self.on_console)

    def on_console(self, message):
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def events(self):
        return self.page.evaluate("window.__cspViolations || []")

    def assert_none(self, where):
        assert (self.events(), self.console) == ([], []), where


@pytest.fixture
def site(transactional_db, memory_store_e2e):
    make_user("office", superuser=True)
    samples = make_samples("csp")
    samples["pdf"] = samples["second"].add_file("report.pdf", [pdfs.text_pdf(2, label="Page")])
    samples["notebook"] = samples["second"].add_file(
        "analysis.ipynb", [notebooks.sample_notebook(png_bytes((36, 12), (40, 110, 200)))]
    )
    started = timezone.now() - timedelta(hours=1)
    for minutes, ok in ((60, True), (30, False)):  # the health page's chart has bars to draw
        StoreCheckRun.objects.create(
            started=started + timedelta(minutes=minutes),
            finished=started + timedelta(minutes=minutes, seconds=2),
            level="light",
            backend="deliveries.stores.MemoryDeliveryStore",
            store="MemoryDeliveryStore",
            ok=ok,
            exit_code=0 if ok else 1,
            problems_total=0 if ok else 1,
        )
    return samples


@pytest.fixture
def detector(page):
    return ViolationDetector(page)


def policy_of(response):
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, policy
    return policy


def test_pages_work_under_the_policy(page, live_server, site, detector, screenshot):
    """List, file pages with previews (source, image, PDF, notebook), date hierarchy, calendar widgets, store health, hand-in by drop: no violation."""
    log_in(page, live_server, "office")
    base = live_server.url

    # The file list: the site's styles (a static file now) apply, and the date hierarchy works.
    response = page.goto(f"{base}/admin/deliveries/filemeta/")
    policy_of(response)
    expect(page.locator("#result_list tbody tr")).to_have_count(9)
    assert page.locator("#result_list .ellipsis").first.evaluate("e => getComputedStyle(e).display") == "inline-block"
    page.locator("nav.toplinks a").first.click()  # the date hierarchy: down one level
    page.wait_for_url("**created__*")
    expect(page.locator("#result_list tbody tr")).to_have_count(9)
    detector.assert_none("file list and date hierarchy")

    # A file's page: the highlighted source (its nonced styles applied) and the image thumbnail.
    page.goto(f"{base}/admin/deliveries/filemeta/{site['py'].pk}/change/")
    keyword = page.locator("#bytes-preview .highlight .k").first
    expect(keyword).to_have_text("def")
    assert keyword.evaluate("e => getComputedStyle(e).fontWeight") == "700"  # Pygments' keyword style
    page.goto(f"{base}/admin/deliveries/filemeta/{site['png'].pk}/change/")
    page.wait_for_function("document.querySelector('.image-preview img').complete")
    assert page.locator(".image-preview img").evaluate("img => img.naturalWidth") == 40
    for kind, selector in (("pdf", ".pdf-page img"), ("notebook", ".notebook-output img")):
        page.goto(f"{base}/admin/deliveries/filemeta/{site[kind].pk}/change/")
        page.wait_for_function(
            "s => [...document.querySelectorAll(s)].every(i => i.complete && i.naturalWidth > 0)", arg=selector
        )
        assert page.locator(selector).count() > 0, kind
    detector.assert_none("file pages with previews")

    # A change form with calendar widgets: the calendar opens and "Today" fills the date.
    assignment = site["first"].assignment_group.assignment
    page.goto(f"{base}/admin/deliveries/assignment/{assignment.pk}/change/")
    page.fill("#id_first_deadline_0", "")
    icon = page.locator("#id_first_deadline_0 + .datetimeshortcuts button[id^=calendarlink]")  # the deadline's calendar
    number = icon.get_attribute("id").removeprefix("calendarlink")
    icon.click()
    calendar = page.locator(f"#calendarbox{number}")
    expect(calendar).to_be_visible()
    calendar.locator(".calendar-shortcuts a", has_text="Today").click()
    assert page.input_value("#id_first_deadline_0") == timezone.localdate().isoformat()
    screenshot("40-csp-calendar")
    detector.assert_none("change form with calendar widgets")

    # The store health page: its styles (a static file now) colour the chart's bars.
    page.goto(f"{base}/admin/deliveries/storecheckrun/")
    expect(page.locator("#storehealth-latest")).to_be_visible()
    assert page.locator("#storehealth-latest").evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
    detector.assert_none("store health page")

    # The hand-in page: files dropped on the zone are listed by its script, and handed in.
    group = site["first"].assignment_group
    page.goto(f"{base}/admin/deliveries/assignmentgroup/{group.pk}/deliver/")
    page.wait_for_selector("#hand-in-form")
    drop_files(page, {"main.py": "print(1)\n", "notes.txt": "notes\n"})
    expect(page.locator("#chosen-files li")).to_have_count(2)
    with page.expect_navigation():
        page.click("#hand-in-submit")
    expect(page.locator("ul.messagelist li.success")).to_contain_text("Handed in 2 files")
    assert Delivery.objects.filter(assignment_group=group).count() == 3
    screenshot("41-csp-handed-in")
    detector.assert_none("hand-in page")


def test_the_detector_sees_a_violation(page, live_server, site, detector):
    """Positive control: a page with an inline script and an inline style, under the admin's own policy, is reported."""
    log_in(page, live_server, "office")
    policy = policy_of(page.goto(f"{live_server.url}/admin/deliveries/filemeta/"))
    detector.assert_none("the list before the control")
    control = f"{live_server.url}/admin/csp-control/"
    page.route(
        control,
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Type": "text/html", "Content-Security-Policy": policy},
            body='<p style="color: red">x</p><script>document.title = "the inline script ran";</script>',
        ),
    )
    page.goto(control)
    page.wait_for_function("window.__cspViolations.length >= 2")
    assert page.title() != "the inline script ran"
    events = detector.events()
    assert any(e.startswith("script-src") for e in events), events
    assert any(e.startswith("style-src") for e in events), events
    assert detector.console, "Chromium's console reported nothing"
