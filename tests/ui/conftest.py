"""Fixtures of the UI tests: a real ``waterwheel standalone`` running jobs, and
headless Chromium (Debian's) driven by Playwright for Python.

Without Chromium or Playwright the tests fail under CI=true and are skipped
elsewhere, with what to install. Screenshots go to artifacts/screenshots at the
repository root, or under $WATERWHEEL_ARTIFACTS.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services import service_missing
from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, TIMEZONE
from tests.ui.server import Standalone, Ui, seed

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("WATERWHEEL_ARTIFACTS") or REPO / "artifacts")
SCREENSHOTS = ARTIFACTS / "screenshots"


@pytest.fixture(scope="session")
def playwright_module():
    try:
        from playwright import sync_api
    except ImportError:
        service_missing("Playwright for Python", "python3 -m pip install -e '.[test]'")
    if not CHROMIUM.exists():
        service_missing(f"Chromium ({CHROMIUM})", "apt-get install -y chromium")
    return sync_api


@pytest.fixture(scope="session")
def ui(playwright_module) -> Iterator[Ui]:
    # A folder of its own: pytest prunes old basetemp folders, even in use by
    # another pytest process running at the same time.
    workdir = Path(tempfile.mkdtemp(prefix="waterwheel-ui-"))
    server = Standalone(workdir).start()
    try:
        yield Ui(server, seed(server))
    finally:
        server.stop()
        # The server's log, for when a test fails.
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(server.log_path, ARTIFACTS / "ui-standalone.log")
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(playwright_module) -> Iterator[Any]:
    playwright = playwright_module.sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as exc:
        playwright.stop()
        service_missing(f"Chromium that starts ({exc})", "apt-get install -y chromium")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def new_page(browser, ui: Ui) -> Iterator[Callable[..., Any]]:
    """Pages in fresh contexts (default: 1280 px wide); uncaught script errors fail the test."""
    contexts = []
    errors: list[str] = []

    def make(viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(
            viewport=viewport or DESKTOP,
            base_url=ui.base,
            timezone_id=TIMEZONE,
            locale="en-GB",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


@pytest.fixture
def page(new_page) -> Any:
    return new_page()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if SCREENSHOTS.is_dir() and any(SCREENSHOTS.glob("*.png")):
        terminalreporter.write_line(f"UI screenshots: {SCREENSHOTS}")
