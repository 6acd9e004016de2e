"""Browser tests: Playwright driving Debian's Chromium (no browser download) against a live test server.

Each test gets a seeded, committing database (the live server runs in another thread) and saves full-page
screenshots to var/screenshots/ (git-ignored; under pytest-xdist, the worker's var/test-<database>-gw<n>/)
for people to look at."""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """Every test of this folder is a `browser` test (`-m "not browser"` leaves them out)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is required (apt-get install chromium fonts-noto-cjk)"
    # Playwright's sync API runs an event loop in this thread; Django must allow ORM calls around it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def live(live_server, seeded_transactional_db):
    """The live server's base URL, over a database holding the seeded directory (and no cached figures
    from an earlier test)."""
    from django.core.cache import cache

    cache.clear()
    return live_server.url


class Screens:
    """Saves numbered full-page screenshots of a test into var/screenshots/<test name>/."""

    def __init__(self, name: str):
        self.folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", name)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def shot(self, page, label: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def screens(request) -> Screens:
    return Screens(request.node.name)


@pytest.fixture
def new_page(browser):
    """Open a fresh browser context (its own cookies) per person; closed after the test."""
    contexts = []

    def open_page(width: int = 1280, height: int = 900):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
