"""Background work and identical files in a real browser: the buttons, the progress page, the matches."""

import pytest
from playwright.sync_api import expect

from deliveries.models import BackgroundJob, Delivery, StoreCheckRun
from tests.e2e.test_admin_browser import log_in
from tests.support.admin_fixtures import make_samples, make_user

pytestmark = pytest.mark.slow

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def samples(transactional_db, memory_store_e2e):
    make_user("root", superuser=True)
    samples = make_samples("e2e")
    # Another group hands in the first delivery's notes.txt, byte for byte.
    other = Delivery.begin(samples["first"].assignment_group.assignment.groups.create(name="copycats"))
    samples["copy"] = other.add_file("my_notes.txt", ["first line\nsecond line\n"])
    other.finish()
    return samples


def test_run_a_check_now(page, live_server, samples, settings, screenshot):
    """Run a light check now posts, runs the check (immediate backend here) and shows its outcome and run."""
    settings.TASKS = IMMEDIATE
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/deliveries/storecheckrun/")
    screenshot("20-store-health-run-buttons")
    with page.expect_navigation():
        page.click("text=Run a light check now")
    expect(page.locator("#job-progress h2")).to_have_text("Finished")
    expect(page.locator("#job-outcome")).to_contain_text("Healthy: 8 files checked")
    screenshot("21-background-check-finished")
    run = StoreCheckRun.objects.get()
    page.click("text=The recorded check run")
    assert page.url.endswith(f"/storecheckrun/{run.pk}/change/")


def test_verify_selected_waits_for_a_worker(page, live_server, samples, settings, screenshot):
    """Beyond the limit, Verify selected answers with a progress page that refreshes itself while queued."""
    settings.DELIVERY_BACKGROUND_VERIFY_ABOVE = 2
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/deliveries/filemeta/")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "verify_selected")
    with page.expect_navigation():
        page.click("button[name=index]")
    job = BackgroundJob.objects.get()
    assert page.url.endswith(f"/backgroundjob/{job.pk}/change/")
    expect(page.locator("#job-progress h2")).to_have_text("Waiting for a worker")
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    screenshot("22-background-verification-queued")


def test_identical_files(page, live_server, samples, screenshot):
    """A file's page lists the other group's copy; the list filter keeps the files another group handed in too."""
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/deliveries/filemeta/{samples['txt'].pk}/change/")
    rows = page.locator("#identical-files tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("my_notes.txt")
    expect(rows.first).to_contain_text("copycats, delivery #1")
    screenshot("23-identical-files")
    page.goto(f"{live_server.url}/admin/deliveries/filemeta/")
    with page.expect_navigation():
        page.click("text=Also handed in by another group")
    names = page.locator("#result_list tbody th").all_inner_texts()
    assert sorted(names) == ["my_notes.txt", "notes.txt", "notes.txt"]
