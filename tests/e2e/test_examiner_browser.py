"""An examiner in a real browser: only their own groups, and candidate ids on an anonymous assignment."""

import pytest
from playwright.sync_api import expect

from deliveries.testhelpers import make_delivery
from tests.e2e.test_admin_browser import log_in as log_in_as
from tests.support.admin_fixtures import make_exam_samples, make_examiner

pytestmark = pytest.mark.slow

NAMES = ["Amira", "Khan", "amira.khan"]


@pytest.fixture
def exam(transactional_db, memory_store_e2e):
    """make_exam_samples(), examined by "examiner"; and another subject's group, examined by someone else."""
    samples = make_exam_samples("e2e")
    make_examiner("examiner", samples["group"], samples["ordinary_group"])
    elsewhere = make_delivery("elsewhere")
    samples["elsewhere_file"] = elsewhere.add_file("not-yours.txt", [b"another group's work\n"])
    elsewhere.finish()
    make_examiner("other-examiner", elsewhere.assignment_group)
    return samples


def log_in(page, live_server, username):
    page.set_viewport_size({"width": 1440, "height": 900})  # the screen the admin's lists are made for
    log_in_as(page, live_server, username)


def test_examiner_sees_only_their_groups(page, live_server, exam, screenshot):
    """The index, the delivery list and the file list show the examiner's groups only; another group's file is a 404."""
    log_in(page, live_server, "examiner")
    models = page.locator(".app-deliveries th[scope=row] a").all_inner_texts()
    assert sorted(models) == ["Assignment groups", "Assignments", "Deliveries", "Files"]
    screenshot("20-examiner-index")

    page.goto(f"{live_server.url}/admin/deliveries/delivery/")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)  # two on the exam, one on the ordinary assignment
    text = page.locator("#content").inner_text()
    assert "elsewhere" not in text
    screenshot("21-examiner-delivery-list")

    page.goto(f"{live_server.url}/admin/deliveries/filemeta/")
    expect(page.locator("#result_list tbody tr")).to_have_count(4)
    text = page.locator("#content").inner_text()
    assert "not-yours.txt" not in text and "elsewhere" not in text
    filters = page.locator("#changelist-filter").inner_text()
    assert "e2e-subject.p.a" in filters and "e2e-subject.p.oblig" in filters and "elsewhere" not in filters
    screenshot("22-examiner-file-list")

    response = page.goto(f"{live_server.url}/admin/deliveries/filemeta/{exam['elsewhere_file'].pk}/change/")
    assert response.status == 404
    response = page.goto(f"{live_server.url}/admin/deliveries/filemeta/{exam['elsewhere_file'].pk}/download/")
    assert response.status == 404


def test_anonymous_assignment_shows_candidate_ids(page, live_server, exam, screenshot):
    """On the anonymous assignment the examiner reads EXAM-4711 where a student is named; on the ordinary one, Bo Berg."""
    log_in(page, live_server, "examiner")
    page.goto(f"{live_server.url}/admin/deliveries/delivery/")
    # The list names each row's assignment and group in their own columns.
    anonymous_rows = page.locator("#result_list tbody tr", has_text="e2e-subject.p.a")
    expect(anonymous_rows).to_have_count(2)
    assert set(anonymous_rows.locator("td.field-delivered_by_label").all_inner_texts()) == {"EXAM-4711"}
    assert set(anonymous_rows.locator("td.field-students").all_inner_texts()) == {"EXAM-4711"}
    ordinary_row = page.locator("#result_list tbody tr", has_text="e2e-subject.p.oblig")
    assert ordinary_row.locator("td.field-delivered_by_label").inner_text() == "Bo Berg (bo.berg)"
    for name in NAMES:
        assert name not in page.locator("#content").inner_text()
    screenshot("23-examiner-anonymous-delivery-list")

    page.goto(f"{live_server.url}/admin/deliveries/assignmentgroup/{exam['group'].pk}/change/")
    candidates = page.locator("#candidate_set-group")
    expect(candidates).to_contain_text("EXAM-4711")
    for name in NAMES:
        assert name not in page.locator("#content").inner_text()
    screenshot("24-examiner-anonymous-group")

    page.goto(f"{live_server.url}/admin/deliveries/delivery/{exam['first'].pk}/change/")
    expect(page.locator(".field-delivered_by_label")).to_contain_text("EXAM-4711")
    for name in NAMES:
        assert name not in page.locator("#content").inner_text()
    screenshot("25-examiner-anonymous-delivery")
    page.click("a.compare-link")
    page.wait_for_selector("table.compare-summary")
    for name in NAMES:
        assert name not in page.content()
    screenshot("26-examiner-anonymous-compare")

    page.goto(f"{live_server.url}/admin/deliveries/delivery/")
    page.fill("#searchbar", "amira.khan")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(0)
    page.goto(f"{live_server.url}/admin/deliveries/delivery/?q=EXAM-4711")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
