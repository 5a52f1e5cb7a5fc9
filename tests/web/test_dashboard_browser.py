"""The dashboard in a real Chromium: run a job, watch it end, read its report and charts, pause
a job that a real ``serve`` then skips; a hostile report runs nothing."""

from __future__ import annotations

from pathlib import Path

from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from diaryflow.config.load import load_config
from diaryflow.files import write_atomic
from diaryflow.publish.local_copy import add_report, report_section
from diaryflow.sandbox import FlowUsSandbox
from diaryflow.sandbox.sample.load import DIARY_DATABASE_ID
from diaryflow.state.runs import recent_runs
from diaryflow.state.store import Store
from tests.web.helpers import console_errors, save_screenshot
from tests.web.serving import sandbox_config, serve_firing_soon, serving_file

MARK = "return document.documentElement.dataset.mark || ''"


def no_dialog(browser: Chrome) -> bool:
    try:
        text = browser.switch_to.alert.text
    except NoAlertPresentException:
        return True
    raise AssertionError(f"a dialog opened: {text!r}")


def entry_urls(sandbox: FlowUsSandbox) -> set[str]:
    ws = sandbox.workspace
    return {ws.page_url(page_id) for page_id, page in ws.pages.items()
            if page.get("parent", {}).get("database_id") == DIARY_DATABASE_ID}


def test_run_now_ends_ok_without_a_reload_and_its_report_draws_its_charts(
    browser: Chrome, sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    path = sandbox_config(tmp_path, sample_sandbox)
    with serving_file(path) as url:
        browser.get(url + "/")
        job = browser.find_element(By.ID, "job-default")
        assert job.find_elements(By.CSS_SELECTOR, "span.run") == []  # no run yet
        job.find_element(By.CSS_SELECTOR, "form[action$='/run'] button").click()
        WebDriverWait(browser, 10).until(lambda d: "notice=started" in d.current_url)
        # A reload would make a new document and lose this mark.
        browser.execute_script("document.documentElement.dataset.mark = 'same page'")
        WebDriverWait(browser, 90, 0.3).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#job-default span.run.run-ok"))
        assert browser.execute_script(MARK) == "same page"
        assert console_errors(browser) == []
        save_screenshot(browser, "dashboard-overview")

        browser.find_element(By.CSS_SELECTOR, "#job-default a[href^='/report/']").click()
        charts = browser.find_elements(By.CSS_SELECTOR, "article.report pre.mermaid")
        assert len(charts) >= 2  # the daily counts and characters at least
        WebDriverWait(browser, 20, 0.2).until(lambda d: all(
            chart.find_elements(By.TAG_NAME, "svg") for chart in charts))
        links = browser.find_elements(By.CSS_SELECTOR, "article.report a[href^='https://']")
        index = browser.find_elements(By.XPATH, "//article//h2[contains(., '本期日记索引')]"
                                                "/following-sibling::ul[1]//a")
        assert index and {a.get_attribute("href") for a in links} <= entry_urls(sample_sandbox)
        assert all(a.get_attribute("target") == "_blank" for a in index)
        assert console_errors(browser) == []
        save_screenshot(browser, "dashboard-report", full_page=True)


def test_a_job_paused_in_the_browser_is_skipped_by_a_running_serve(
    browser: Chrome, sample_sandbox: FlowUsSandbox, tmp_path: Path
) -> None:
    with serve_firing_soon(tmp_path, sample_sandbox, 8) as path, serving_file(path) as url:
        browser.get(url + "/")
        WebDriverWait(browser, 20, 0.3).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "p.daemon span.status-ok"))
        browser.find_element(By.CSS_SELECTOR, "#job-default form[action$='/pause'] button"
                             ).click()
        WebDriverWait(browser, 10).until(lambda d: "notice=paused" in d.current_url)
        # htmx swaps the whole overview every 3 s, so a card found may be gone when read.
        WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: d.find_element(By.ID, "job-default").get_attribute("data-status")
            == "paused")

        def skipped() -> list[tuple[str, str | None]]:
            with Store(tmp_path / "diaryflow.db") as store:
                return [(r.status, r.reason) for r in recent_runs(store)]

        WebDriverWait(browser, 30, 0.3).until(lambda d: skipped())
        assert skipped() == [("skipped", "paused")]
        browser.refresh()
        card = browser.find_element(By.ID, "job-default")
        assert card.get_attribute("data-status") == "paused"


def test_a_report_with_a_script_and_a_javascript_link_runs_neither(
    browser: Chrome, tmp_path: Path, sample_sandbox: FlowUsSandbox
) -> None:
    path = sandbox_config(tmp_path, sample_sandbox)
    hostile = ("## 概览\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
               "[点我](javascript:alert(3)) 和 <a href=\"javascript:alert(4)\">这里</a>\n")
    section = report_section("default", "2026-11-27", "周报", "meta", hostile)
    write_atomic(load_config(path, env={}).output.report_path,
                 add_report("", "default", "2026-11-27", section))
    with serving_file(path) as url:
        browser.get(url + "/report/default/2026-11-27")
        report = browser.find_element(By.CSS_SELECTOR, "article.report")
        assert "概览" in report.text and no_dialog(browser)
        for text in ("点我", "这里"):
            browser.find_element(By.XPATH, f"//article//*[contains(text(), '{text}')]").click()
            assert no_dialog(browser), text
        assert browser.execute_script("return typeof window.alertedByReport") == "undefined"
        assert browser.find_elements(By.CSS_SELECTOR, "article.report script") == []
