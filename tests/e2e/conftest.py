"""What the browser tests share: Debian's chromium through Playwright (the ``page`` fixture), a live devhost
(``office_live``), numbered screenshots (:class:`Shots`) and reading what a person sees.

A screenshot of every step goes to ``$CMX_TEST_ARTIFACTS/e2e/<test>`` (default ``test-artifacts/e2e``), not to git.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from pathlib import Path

import pytest

from devhost.stage import ADMIN, live_office

from ..conftest import REPO_ROOT

CHROMIUM = os.environ.get("CMX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(os.environ.get("CMX_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts")) / "e2e"


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (./run-tests does) or set CMX_CHROMIUM", pytrace=False
        )
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        # The emulated Microsoft uses a CA made at its start; only it is served over HTTPS here.
        context = browser.new_context(ignore_https_errors=True, locale="de-DE")
        yield context.new_page()
        browser.close()


class Shots:
    """Numbered screenshots of one test, in a folder of its own (older ones of that test are removed)."""

    def __init__(self, page, folder: str):
        self.page, self.n, self.folder = page, 0, ARTIFACTS / folder
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)

    def __call__(self, name: str) -> None:
        self.n += 1
        self.page.screenshot(path=str(self.folder / f"{self.n:02d}-{name}.png"), full_page=True)

    def while_loading(self, name: str) -> None:
        """The page as it is now, while the browser waits for an answer (Playwright's own screenshot would wait for
        the next page; the DevTools protocol takes the picture at once)."""
        self.n += 1
        cdp = self.page.context.new_cdp_session(self.page)
        data = cdp.send("Page.captureScreenshot", {"format": "png"})["data"]
        (self.folder / f"{self.n:02d}-{name}.png").write_bytes(base64.b64decode(data))

    def green_field(self, name: str) -> None:
        """The green field alone, as the person sees it in this state."""
        self.n += 1
        self.page.locator(".green-field").screenshot(path=str(self.folder / f"{self.n:02d}-gruenes-feld-{name}.png"))


def flash_texts(page) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip() for t in page.locator(".flash").all_inner_texts()]


def green_text(page) -> str:
    return re.sub(r"\s+", " ", page.locator(".green-field").inner_text())


def log_in(page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.fill("#f-login", ADMIN[0])
    page.fill("#f-password", ADMIN[1])
    page.click("button:has-text('Anmelden')")


@pytest.fixture
def office_live(ms, tmp_path):
    with live_office(tmp_path, ms.addresses) as office:
        yield office
