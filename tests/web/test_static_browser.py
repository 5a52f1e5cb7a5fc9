"""The static files in a real Chromium: a rendered report's charts drawn, nothing hostile run."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from diaryflow.generate.entry_refs import entry_refs
from diaryflow.generate.report import offline_digest
from diaryflow.web.report_html import render_report
from tests.generate.helpers import sample_snapshot
from tests.web.helpers import console_errors, save_screenshot

STATIC = Path(__file__).resolve().parents[2] / "src" / "diaryflow" / "web" / "static"
# What the dashboard is meant to send; Mermaid's SVG needs inline styles, never inline script.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'")
HOSTILE = """\
## 注入尝试

<script>alert(1)</script>

<img src="x" onerror="alert(2)">

普通文字 [脚本链接](javascript:alert(3)) 和 <a href="javascript:alert(4)">危险链接</a>

<iframe src="javascript:alert(5)"></iframe>

## 流程

```mermaid
flowchart LR
    A["早起 <b>跑步</b>"] --> B{"状态如何"}
    B -->|好| C["写代码"]
    B -->|差| D["休息"]
```

```mermaid
pie showData
    title 时间分配
    "工作" : 5
    "阅读" : 2
    "运动" : 1
```
"""
SWAPPED = """\
```mermaid
flowchart TD
    X["换入的图"] --> Y["也要画出来"]
```
"""
CHART_SECONDS = 20


def page(body: str, title: str) -> str:
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/style.css"></head>
<body>
<header class="site"><div class="inner"><a class="brand" href="/report.html">diaryflow</a>
<nav><a href="/report.html" aria-current="page">报告</a><a href="/report.html">任务</a></nav>
</div></header>
<main>
<div class="card">每日 <span class="status status-ok">成功</span>
<span class="status status-failed">失败</span> <span class="status status-running">运行中</span>
<span class="status status-late">迟到</span> <span class="status status-paused">已暂停</span>
<button class="primary" hx-get="/fragment.html" hx-target="#more" hx-swap="innerHTML"
 id="load-more">加载更多</button></div>
<article class="report">{body}</article>
<div id="more"></div>
</main>
<script src="/static/htmx.min.js"></script>
<script src="/static/mermaid.min.js"></script>
<script src="/static/app.js"></script>
</body></html>
"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Files of one folder; the CSP on every page but ``*-no-csp.html``."""

    def end_headers(self) -> None:
        if not self.path.endswith("-no-csp.html"):
            self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def report_markdown() -> str:
    snap = sample_snapshot(7)
    return offline_digest(snap, "AI生成内容 - 2026-11-27") + "\n" + HOSTILE


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, report_markdown: str) -> Iterator[str]:
    """The static files and the report pages, served on 127.0.0.1 at a free port."""
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(STATIC, root / "static")
    body = render_report(report_markdown)
    (root / "report.html").write_text(page(body, "报告"), encoding="utf-8")
    (root / "report-no-csp.html").write_text(page(body, "报告"), encoding="utf-8")
    (root / "fragment.html").write_text(render_report(SWAPPED), encoding="utf-8")
    handler = functools.partial(_Handler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def drawn(driver: WebDriver) -> list[str]:
    """The kind of chart drawn in each ``pre.mermaid``, "" where none is drawn yet."""
    kinds: list[str] = driver.execute_script(
        "return Array.from(document.querySelectorAll('pre.mermaid')).map(function (pre) {"
        "  var svg = pre.querySelector('svg');"
        "  return svg ? (svg.getAttribute('aria-roledescription') || '?') : '';"
        "});"
    )
    return kinds


def wait_for_charts(driver: WebDriver, count: int) -> list[str]:
    WebDriverWait(driver, CHART_SECONDS).until(
        lambda d: len(drawn(d)) == count and all(drawn(d)))
    return drawn(driver)


def assert_no_dialog(driver: WebDriver) -> None:
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 - the property raises when there is no dialog


def test_charts_are_drawn_and_nothing_hostile_runs(
    browser: Chrome, site: str, report_markdown: str
) -> None:
    console_errors(browser)  # what earlier tests left
    browser.get(f"{site}/report.html")
    charts = report_markdown.count("```mermaid")
    kinds = wait_for_charts(browser, charts)
    assert "pie" in kinds and any(k.startswith("flowchart") for k in kinds), kinds
    assert any(k.startswith("xychart") for k in kinds), kinds
    assert "error" not in kinds
    assert_no_dialog(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, "script:not([src]), iframe, img, [onerror]")

    # The entry index: real anchors to the pages, opened apart from the dashboard.
    anchors = browser.find_elements(By.CSS_SELECTOR, "article.report a[href]")
    hrefs = [a.get_attribute("href") for a in anchors]
    for ref in entry_refs(sample_snapshot(7)):
        assert ref.url in hrefs, ref
    for anchor in anchors:
        assert anchor.get_attribute("target") == "_blank"
        assert anchor.get_attribute("rel") == "noopener noreferrer"
        assert (anchor.get_attribute("href") or "").startswith("https://")

    # The javascript: link is inert: clicking it neither runs script nor goes anywhere.
    link = browser.find_element(By.LINK_TEXT, "危险链接")
    assert link.get_attribute("href") is None
    link.click()
    assert_no_dialog(browser)
    assert browser.current_url == f"{site}/report.html" and len(browser.window_handles) == 1

    # Content that htmx swaps in is drawn too.
    browser.find_element(By.ID, "load-more").click()
    kinds = wait_for_charts(browser, charts + 1)
    assert kinds[-1].startswith("flowchart")
    assert console_errors(browser) == []
    browser.execute_script("window.scrollTo(0, 0);")
    save_screenshot(browser, "static-report-desktop", full_page=True)
    browser.set_window_size(390, 844)
    save_screenshot(browser, "static-report-phone", full_page=True)


def test_without_a_csp_the_sanitiser_alone_stops_the_script(browser: Chrome, site: str) -> None:
    browser.get(f"{site}/report-no-csp.html")
    wait_for_charts(browser, len(browser.find_elements(By.CSS_SELECTOR, "pre.mermaid")))
    assert_no_dialog(browser)
    browser.find_element(By.LINK_TEXT, "危险链接").click()
    assert_no_dialog(browser)
    # The probe itself works: a dialog that does open is seen.
    browser.execute_script("window.setTimeout(function () { alert('probe'); }, 0);")
    WebDriverWait(browser, 5).until(lambda d: _has_dialog(d))
    assert browser.switch_to.alert.text == "probe"
    browser.switch_to.alert.accept()


def _has_dialog(driver: WebDriver) -> bool:
    try:
        driver.switch_to.alert  # noqa: B018 - the property raises when there is no dialog
    except NoAlertPresentException:
        return False
    return True
