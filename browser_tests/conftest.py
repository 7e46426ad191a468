"""Playwright driving Debian's Chromium (never a downloaded browser)."""

import os
import shutil
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from playwright.sync_api import Browser, Locator, Page, sync_playwright

SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("Debian's chromium is required for the browser tests: apt-get install chromium")
    return path


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


def language_of(page: Page) -> str:
    return "en" if str(page.evaluate("navigator.language")).startswith("en") else "fr"


def assert_no_sideways_scroll(page: Page, where: str) -> None:
    """The page itself never scrolls sideways (a wide table or chart scrolls in its box)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None and width <= viewport["width"], (where, width)


def assert_clickable(locator: Locator) -> None:
    """The element at the centre of the button is the button (nothing covers it)."""
    locator.scroll_into_view_if_needed()
    covered_by = locator.evaluate(
        """button => {
            const r = button.getBoundingClientRect();
            const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
            return hit === button || button.contains(hit)
                ? null : (hit ? hit.outerHTML.slice(0, 200) : "nothing");
        }"""
    )
    assert covered_by is None, covered_by


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"


def assert_accessible(page: Page, name: str) -> None:
    """No serious or critical WCAG 2.1 A/AA violation on the page (axe-core)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluate() runs in the page like DevTools: the page's CSP (rightly) refuses a
        # script tag added from outside.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            });
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => `${v.id} (${v.impact}): `
                    + v.nodes.map(n => n.target.join(" ")).join(", "));
        }"""
    )
    assert violations == [], f"{name}: {violations}"


def calm_business_day() -> datetime:
    """A future weekday morning, away from month ends and holidays (Nouméa time).

    Browser tests travel there so that the journey's dates do not depend on the day CI
    runs; it lies in the future so that session cookies are not already expired.
    """
    from rules import is_business_day
    from toolbox.noumea import NOUMEA

    day = datetime.now(tz=NOUMEA).date() + timedelta(days=1)
    while not (is_business_day(day) and 1 <= day.weekday() <= 3 and 5 <= day.day <= 20):
        day += timedelta(days=1)
    return datetime.combine(day, time(10, 0), tzinfo=NOUMEA)
