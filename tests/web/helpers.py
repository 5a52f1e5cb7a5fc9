"""Browser-test helpers: where Chromium is, whether it must be, and screenshots kept for a look."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver import Chrome
from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # tests/artifacts, git-ignored
FULL_PAGE_MAX = 8000  # pixels: a taller window is refused by the browser
_NAME = re.compile(r"[^\w.-]+")


def require_browser() -> tuple[Path, Path]:
    """Chromium and its driver; skipped without them, except where CI requires them."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if not missing:
        return CHROMIUM, CHROMEDRIVER
    reason = (f"{' and '.join(missing)} missing: install Debian's chromium and chromium-driver "
              "(apt-get install chromium chromium-driver)")
    if os.environ.get("DIARYFLOW_REQUIRE_BROWSER") == "1" or os.environ.get("CI"):
        pytest.fail(f"{reason}; required here (DIARYFLOW_REQUIRE_BROWSER=1 or CI is set)")
    pytest.skip(reason)


def save_screenshot(driver: WebDriver, name: str, *, full_page: bool = False) -> Path:
    """The window (or the whole page) as tests/artifacts/<name>.png; the folder made if needed."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{_NAME.sub('-', name).strip('-') or 'page'}.png"
    size = driver.get_window_size()
    if full_page:
        height = driver.execute_script("return document.documentElement.scrollHeight;")
        driver.set_window_size(size["width"], min(int(height) + 140, FULL_PAGE_MAX))
    try:
        if not driver.save_screenshot(str(path)):
            raise AssertionError(f"the browser could not save a screenshot to {path}")
    finally:
        driver.set_window_size(size["width"], size["height"])
    return path


def console_errors(driver: Chrome) -> list[str]:
    """The page's console errors (failed loads, blocked scripts) since the last call."""
    entries: list[dict[str, Any]] = driver.get_log("browser")  # type: ignore[no-untyped-call, unused-ignore]
    return [str(entry["message"]) for entry in entries if entry["level"] == "SEVERE"]
