"""Hand-ins in a real browser at 1440 pixels: find a student by full name, see who was late, follow an assignment's counts."""

import pytest
from playwright.sync_api import expect

from deliveries.models import AssignmentGroup, Delivery
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_admin_browser import log_in
from tests.support.admin_fixtures import make_user
from tests.support.handins import make_course

pytestmark = pytest.mark.slow

WIDE = {"width": 1440, "height": 900}


@pytest.fixture
def course(transactional_db, memory_store_e2e):
    make_user("coordinator", superuser=True)
    course = make_course("e2e")
    # Long names, as real courses have them: they must not widen the lists past the screen.
    ola = course.users["ola"]
    ola.first_name, ola.last_name = "Maximiliana Alexandra", "Vanderberghe-Montgomery"
    ola.save()
    delivery = Delivery.begin(course.groups["ola"], ola)
    delivery.add_file("a_really_long_filename_for_the_final_report_version_3_final_FINAL.pdf", [b"%PDF-1.4"])
    delivery.finish()
    return course


@pytest.fixture
def wide_page(browser):
    context = browser.new_context(viewport=WIDE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def shoot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_fits(page):
    """The list's table is no wider than its box: no column pushed off the screen."""
    widths = page.evaluate(
        "() => { const r = document.querySelector('.results'); return [r.scrollWidth, r.clientWidth] }"
    )
    assert widths[0] <= widths[1], f"the list is {widths[0]} px wide in a box of {widths[1]} px"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDE["width"]


def test_find_by_full_name_and_see_who_was_late(wide_page, live_server, course):
    """Search "Amira Khan" in the delivery list, then keep the late ones: rows, words and filters as a coordinator reads them."""
    page = wide_page
    log_in(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/admin/deliveries/delivery/")
    expect(page.locator("#result_list tbody tr")).to_have_count(5)
    assert_fits(page)
    shoot(page, "10-delivery-list")

    page.fill("#searchbar", "Amira Khan")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)  # her oblig group's two deliveries and her exam
    for text in rows.locator("td.field-students").all_inner_texts():
        assert "Amira Khan (amira.khan)" in text
    shoot(page, "11-delivery-list-search-full-name")

    page.click('#changelist-filter a:has-text("Late")')
    page.wait_for_url("**lateness=late**")
    assert "q=Amira+Khan" in page.url
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    assert sorted(rows.locator("td.field-lateness").all_inner_texts()) == ["late by 1 day 3 h", "late by 5 min"]
    assert page.locator('#changelist-filter li.selected a:has-text("Late")').count() == 1
    shoot(page, "12-delivery-list-late")


def test_long_names_fit_with_their_whole_text_on_hover(wide_page, live_server, course):
    """The file and group lists keep long names on one line, cut, with the whole name in the title."""
    page = wide_page
    log_in(page, live_server, "coordinator")
    for path in ("filemeta", "assignmentgroup"):
        page.goto(f"{live_server.url}/admin/deliveries/{path}/")
        assert_fits(page)
        heights = page.locator("#result_list tbody tr").evaluate_all("rows => rows.map(r => r.offsetHeight)")
        assert max(heights) < 2 * min(heights), heights  # one line each
        student = page.locator('td.field-students span[title*="Maximiliana"]').first
        assert student.get_attribute("title").startswith("Maximiliana Alexandra Vanderberghe-Montgomery (ola.hansen)")
        assert student.evaluate("e => e.scrollWidth > e.clientWidth")  # really cut
        shoot(page, f"13-{path}-list-long-names")


def test_assignment_counts_lead_to_the_groups(wide_page, live_server, course):
    """An assignment's page counts its groups by hand-in; a count opens the filtered group list."""
    page = wide_page
    log_in(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/admin/deliveries/assignment/{course.oblig.pk}/change/")
    summary = page.locator("table.hand-in-summary")
    expect(summary.locator("tr.hand-in-late")).to_contain_text("Delivered late")
    shoot(page, "14-assignment-hand-ins")
    # Amira's group (late by 1 day 3 h) and Ola's (handed in just now, long after the deadline).
    late = AssignmentGroup.objects.handed_in("late").filter(assignment=course.oblig)
    assert set(late) == {course.groups["amira"], course.groups["ola"]}
    summary.locator('tr.hand-in-late a:has-text("2 groups")').click()
    page.wait_for_url("**hand_in=late**")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    labels = rows.locator("th.field-group_label").all_inner_texts()
    assert sorted(labels) == sorted(group.label for group in late)
    shoot(page, "15-groups-delivered-late")
