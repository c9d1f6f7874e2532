"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

There is no browser download here: the tests launch /usr/bin/chromium. Without it they skip on a
developer's machine and fail in CI (CI=true), so that a missing browser never passes unnoticed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1440, "height": 900}  # screenshots have this size
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PASSWORD = "pw-for-tests"  # tests.factories.UserFactory's


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"浏览器测试需要 Debian 的 Chromium（{CHROMIUM}）：apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses
        # ORM calls where a loop runs. Here the loop only drives the browser: the ORM is safe.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000
            )
            yield browser
            browser.close()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def signed_in(browser, live_server, media_root) -> Iterator[Callable[[str], Page]]:
    """signed_in(username) → a page of a fresh browser context, logged in through the login form."""
    contexts = []

    def sign_in(username: str) -> Page:
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/admin/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("input[type=submit]")
        expect(page.locator("#user-tools")).to_be_visible()
        return page

    yield sign_in
    for context in contexts:
        context.close()


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Save the visible part of the page (the fixed viewport; or the whole page) under
    test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
