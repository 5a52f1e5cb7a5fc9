"""Fixtures of the web tests: a headless Chromium driven by Selenium."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

from tests.web.helpers import require_browser

PAGE_LOAD_SECONDS = 20


@pytest.fixture(scope="session")
def browser_session() -> Iterator[webdriver.Chrome]:
    """One headless Chromium for the whole run: starting one takes about a second."""
    chromium, chromedriver = require_browser()
    options = Options()
    options.binary_location = str(chromium)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                     "--disable-dev-shm-usage", "--lang=zh-CN", "--no-first-run",
                     "--disable-extensions", "--disable-background-networking"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The users read Chinese; headless Chromium would otherwise ask for English pages.
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    driver = webdriver.Chrome(service=Service(executable_path=str(chromedriver)), options=options)
    driver.set_page_load_timeout(PAGE_LOAD_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(browser_session: webdriver.Chrome) -> Iterator[webdriver.Chrome]:
    """The shared Chromium at the desktop size; after the test: no dialog, cookies or page."""
    browser_session.set_window_size(1280, 900)
    yield browser_session
    with contextlib.suppress(NoAlertPresentException):
        browser_session.switch_to.alert.dismiss()
    browser_session.delete_all_cookies()
    browser_session.get("about:blank")
