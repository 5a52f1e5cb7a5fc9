"""Make the README's dashboard screenshots: the sample diary, two jobs, a few runs, Chromium.

Needs Debian's chromium and chromium-driver; writes docs/dashboard-overview.png and
docs/dashboard-report.png. Run: python docs/screenshots.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from diaryflow.config.load import load_config
from diaryflow.sandbox import FlowUsSandbox, sample_workspace
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID

DOCS = Path(__file__).resolve().parent
JOBS = """
[[jobs]]
name = "weekly"
period = "week"
time = "09:00"
title = "周报 {period}"

[[jobs]]
name = "monthly"
period = "month"
source_job = "weekly"
title = "月报 {period}"
"""


def main() -> None:
    """Run two jobs on the sample diary, then photograph the overview and a report."""
    # Served the way the tests serve the dashboard (tests/web/serving.py), from this tree.
    sys.path.insert(0, str(DOCS.parent))
    from tests.web.serving import serving

    with tempfile.TemporaryDirectory() as tmp, FlowUsSandbox(
            sample_workspace(date(2026, 11, 29))) as sandbox:
        folder = Path(tmp)
        config = folder / "config.toml"
        config.write_text(
            f'[flowus]\ntoken = "{sandbox.token}"\nbase_url = "{sandbox.base_url}"\n'
            f'url = "https://flowus.cn/x/{ROOT_PAGE_ID}"\nparent_page_id = "{ROOT_PAGE_ID}"\n'
            'date_property = "日期"\nreads_per_minute = 60000\nwrites_per_minute = 60000\n'
            f'[siliconflow]\nmodel = "offline"\n{JOBS}', encoding="utf-8")
        config.chmod(0o600)
        run = [sys.executable, "-m", "diaryflow"]
        subprocess.run([*run, "backfill", "--job", "weekly", "--from", "2026-11-02", "--to",
                        "2026-11-29", "--config", str(config)], check=True, capture_output=True)
        subprocess.run([*run, "run", "--job", "monthly", "--period", "2026-11", "--config",
                        str(config)], check=True, capture_output=True)
        options = Options()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                         "--window-size=1100,820", "--hide-scrollbars"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            with serving(load_config(config, env={})) as url:
                driver.get(url + "/")
                driver.save_screenshot(str(DOCS / "dashboard-overview.png"))
                driver.get(url + "/report/weekly/2026-W48")
                charts = driver.find_elements(By.CSS_SELECTOR, "pre.mermaid")
                deadline = time.monotonic() + 20
                while not all(c.find_elements(By.TAG_NAME, "svg") for c in charts):
                    assert time.monotonic() < deadline, "the charts were not drawn"
                    time.sleep(0.2)
                driver.execute_script(  # the comparison table and the charts
                    "[...document.querySelectorAll('article.report h3')]"
                    ".find(h => h.textContent.includes('分类分布')).scrollIntoView()")
                driver.save_screenshot(str(DOCS / "dashboard-report.png"))
        finally:
            driver.quit()
    print(f"wrote {DOCS / 'dashboard-overview.png'} and {DOCS / 'dashboard-report.png'}")


if __name__ == "__main__":
    main()
