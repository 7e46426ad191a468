"""What the browser tests share: Chromium's path and flags, screenshots, accessibility
and layout checks, a calm day to travel to. Fixtures are in browser_tests/conftest.py."""

import os
import shutil
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

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


AXE = Path(__file__).resolve().parent.parent / "browser_tests" / "vendor" / "axe-core-4.14.1.min.js"


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
