"""Playwright driving Debian's Chromium (never a downloaded browser)."""

import os
from collections.abc import Iterator
from unittest import mock

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from playwright.sync_api import Browser, Page, sync_playwright

from testing.browser import CHROMIUM_FLAGS, chromium_path


@pytest.fixture(autouse=True, scope="session")
def _static_files_served_as_in_production() -> Iterator[None]:
    """The live server answers /static/ from the collected files (hashed names) through
    WhiteNoise, as production does, instead of Django's development handler (which only
    knows the unhashed names and would answer 404: pages without their CSS and scripts)."""
    with mock.patch.object(StaticFilesHandler, "_should_handle", return_value=False):
        yield


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made
    # by the test itself are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_FLAGS
            )
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def _screen(browser: Browser, width: int, height: int, locale: str = "fr-FR") -> Iterator[Page]:
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    page = context.new_page()
    # A script the CSP blocks, or one that throws, fails the test that loaded it.
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(10_000)
    yield page
    context.close()
    # Expected, not failures: a 4xx page (a refused form) is logged as a failed load, and
    # htmx logs the live summary's request it cancels when a newer change replaces it.
    expected = ("Failed to load resource", "htmx:sendAbort", "htmx:afterRequest")
    assert [e for e in errors if not e.startswith(expected)] == []


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A 360×740 phone screen, French first."""
    yield from _screen(browser, 360, 740)


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    """A 1280×800 desktop screen, French first."""
    yield from _screen(browser, 1280, 800)


# The two screens and the two languages every walk of what people read is tried in.
SCREENS = {"phone": (360, 740), "desktop": (1280, 800)}
BROWSER_LOCALES = {"fr": "fr-FR", "en": "en-GB"}


@pytest.fixture(
    params=[(s, lang) for s in SCREENS for lang in BROWSER_LOCALES],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def screen(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A phone and a desktop, each in French and in English (the browser's language)."""
    name, language = request.param
    width, height = SCREENS[name]
    yield from _screen(browser, width, height, BROWSER_LOCALES[language])
