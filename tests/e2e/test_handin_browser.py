"""Hand-ins in a real browser: hand in files for a group by drag and drop and by the picker; download an assignment."""

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from deliveries.models import Delivery, FileMeta
from tests.e2e.test_admin_browser import log_in
from tests.support.admin_fixtures import HandedInAssignment, make_assignment, make_group, make_user

pytestmark = pytest.mark.slow

REPORT = b"%PDF-1.4\n% a report\n" * 50
SOURCE = "def main():\n    return 42\n"


@pytest.fixture
def group(transactional_db, memory_store_e2e):
    make_user("office", superuser=True)
    assignment = make_assignment("e2e", deadline=timezone.now() - timedelta(days=1, hours=3, minutes=5))
    return make_group(
        assignment, "Team Rocket", students=[("amira", "Amira", "Khan", "C-101"), ("bo", "Bo", "Li", "C-102")]
    )


def open_hand_in_page(page, live_server, group):
    """From the group's page, by its button, to the hand-in page."""
    log_in(page, live_server, "office")
    page.goto(f"{live_server.url}/admin/deliveries/assignmentgroup/{group.pk}/change/")
    page.click("a.hand-in-link")
    page.wait_for_selector("#hand-in-form")
    expect(page.locator("#hand-in-lateness")).to_have_text("late by 1 day 3 h")


def drop_files(page, files):
    """Drop ``files`` ({name: text}) on the drop zone, as a file manager would: a DataTransfer built in the page."""
    page.evaluate(
        """(files) => {
            const data = new DataTransfer();
            for (const [name, text] of Object.entries(files)) data.items.add(new File([text], name));
            const zone = document.getElementById("drop-zone");
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, {dataTransfer: data, bubbles: true, cancelable: true}));
            }
        }""",
        files,
    )


def hand_in_and_see(page, group, names, screenshot, shot):
    """Submit the form; land on the new delivery's page, which lists ``names``."""
    with page.expect_navigation():
        page.click("#hand-in-submit")
    delivery = Delivery.objects.get(assignment_group=group)
    assert page.url.endswith(f"/admin/deliveries/delivery/{delivery.pk}/change/")
    expect(page.locator("ul.messagelist li.success")).to_have_text(
        f"Handed in {len(names)} files for Team Rocket as delivery #1, late by 1 day 3 h."
    )
    listed = page.locator(".inline-related td.field-file_link a").all_inner_texts()
    assert sorted(listed) == sorted(names)
    screenshot(shot)
    return delivery


def test_hand_in_by_drag_and_drop(page, live_server, group, screenshot):
    """Two files dropped on the zone are listed, handed in, and shown on the delivery's page."""
    open_hand_in_page(page, live_server, group)
    screenshot("20-hand-in-page")
    drop_files(page, {"report.pdf": REPORT.decode(), "main.py": SOURCE})
    expect(page.locator("#chosen-files li")).to_have_count(2)
    expect(page.locator("#chosen-files li").first).to_contain_text("report.pdf (1000 bytes)")
    screenshot("21-hand-in-dropped")
    delivery = hand_in_and_see(page, group, ["main.py", "report.pdf"], screenshot, "22-hand-in-delivery")
    stored = FileMeta.objects.get(delivery=delivery, filename="report.pdf")
    assert stored.size == len(REPORT)
    assert delivery.delivered_by.username == "office"
    find_by_full_name(page, live_server, ["main.py", "report.pdf"], screenshot, "22b-hand-in-dropped-found")


def test_hand_in_by_file_picker(page, live_server, group, screenshot):
    """Two files chosen with the file picker, in two picks, are handed in together."""
    open_hand_in_page(page, live_server, group)
    page.set_input_files("#id_files", [{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"notes\n"}])
    expect(page.locator("#chosen-files li")).to_have_count(1)
    page.set_input_files("#id_files", [{"name": "main.py", "mimeType": "text/x-python", "buffer": SOURCE.encode()}])
    expect(page.locator("#chosen-files li")).to_have_count(2)
    hand_in_and_see(page, group, ["main.py", "notes.txt"], screenshot, "23-hand-in-picked")
    with FileMeta.objects.get(filename="main.py").read_open() as reader:
        assert reader.read() == SOURCE.encode()
    find_by_full_name(page, live_server, ["main.py", "notes.txt"], screenshot, "23b-hand-in-picked-found")


def find_by_full_name(page, live_server, names, screenshot, shot):
    """The files just handed in are found in the file list by the student's full name, as typed in the search box."""
    page.goto(f"{live_server.url}/admin/deliveries/filemeta/")
    page.fill("#searchbar", "Amira Khan")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    found = page.locator("#result_list td.field-filename_cut, #result_list th.field-filename_cut").all_inner_texts()
    assert sorted(name.strip() for name in found) == sorted(names), found
    screenshot(shot)


def test_hand_in_refused_in_the_page(page, live_server, group, screenshot):
    """A file over the largest size is flagged in the list and the form is not sent; removing it allows the rest."""
    with override_settings(DELIVERY_UPLOAD_MAX_FILE_SIZE=100):
        open_hand_in_page(page, live_server, group)
        drop_files(page, {"big.bin": "x" * 500, "small.txt": "fine"})
        expect(page.locator("#chosen-files li").first).to_contain_text("larger than 100 bytes")
        page.click("#hand-in-submit")
        expect(page.locator("#hand-in-problem")).to_be_visible()
        screenshot("24-hand-in-refused")
        assert not Delivery.objects.exists()
        page.locator("#chosen-files li").first.locator("button.remove-file").click()
        expect(page.locator("#chosen-files li")).to_have_count(1)
        with page.expect_navigation():
            page.click("#hand-in-submit")
        assert [fm.filename for fm in FileMeta.objects.all()] == ["small.txt"]


def test_download_assignment(page, live_server, transactional_db, memory_store_e2e, screenshot):
    """From the assignment's page: choose every delivery, get one zip with a folder per group and the manifest."""
    made = HandedInAssignment()
    make_user("office", superuser=True)
    log_in(page, live_server, "office")
    page.goto(f"{live_server.url}/admin/deliveries/assignment/{made.assignment.pk}/change/")
    page.click("a.download-hand-ins")
    page.wait_for_selector("#download-form")
    screenshot("25-assignment-download")
    page.check("input[name=deliveries][value=all]")
    with page.expect_download() as info:
        page.click("#download-submit")
    download = info.value
    assert download.suggested_filename == "zip-subject.p.oblig1-all-deliveries.zip"
    with open(download.path(), "rb") as f:
        archive = zipfile.ZipFile(io.BytesIO(f.read()))
    rocket = "zip-subject.p.oblig1/Team Rocket - Amira Khan (amira) [C-101], Bo Li (bo) [C-102]"
    assert f"{rocket}/delivery 2/main.py" in archive.namelist()
    rows = list(csv.DictReader(io.StringIO(archive.read("zip-subject.p.oblig1/manifest.csv").decode("utf-8-sig"))))
    assert len(rows) == 11  # 10 files and the group that delivered nothing
