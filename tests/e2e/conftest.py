"""
Browser tests: real headless Chromium (Debian's ``chromium``) driven by Playwright, against a
live server on 127.0.0.1 (pytest-django's ``live_server``, a random free port).

Chromium is installed with apt when it is missing and we are root. When it cannot be had the
tests fail, loudly, never skip: a skipped browser test would hide a broken admin. Playwright's
own browser downloads (``playwright install``) are never used.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from deliveries.models import FileMeta
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"

LIVE_SERVER_HOST = "127.0.0.1"


def ensure_chromium():
    """Return the path of Chromium, installing Debian's package when missing (as root)."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        steps = (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"])
        for step in steps:
            result = subprocess.run(step, env=env, capture_output=True, text=True, timeout=900)
            if result.returncode != 0:
                pytest.fail(f"Could not install chromium ({' '.join(step)}): {result.stderr[-2000:]}", pytrace=False)
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing and could not be installed: run 'apt-get install chromium' as root.", pytrace=False
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def live_server():
    """
    pytest-django's live server, on 127.0.0.1 and a free port, but stopped after each module:
    its thread must not outlive the browser tests (later tests fork, which a live thread makes
    unsafe).
    """
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer(f"{LIVE_SERVER_HOST}:0")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = ensure_chromium()
    # Playwright's sync API runs an event loop in this thread; the Django calls the tests make in
    # between (creating rows) are synchronous and safe. Allowed only while a browser module runs,
    # so Django's async-safety check still guards every other test (the factory's async API).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def memory_store_e2e():
    """A MemoryDeliveryStore shared by the test and the live server's thread (same process)."""
    with swap_deliverystore(FileMeta, MemoryDeliveryStore()) as store:
        yield store


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot of the current page as test-artifacts/e2e/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
