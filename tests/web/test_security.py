"""Who may use the dashboard: the token, the login cookie, CSRF, headers, the open address."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx

from diaryflow.config.load import load_config
from diaryflow.state.pauses import is_paused
from diaryflow.state.store import Store
from tests.web.serving import serving, serving_file, write_config

TOKEN = "web-token-0123456789abcdef"


def dashboard(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "diaryflow", "web", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=60)


def test_an_open_address_without_a_token_refuses_to_start(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    result = dashboard("--host", "0.0.0.0", "--config", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "diaryflow: error: web.token: required to listen on 0.0.0.0, which other machines can "
        "reach: set [web] token in config.toml, or listen on 127.0.0.1"]
    path = write_config(tmp_path, '[web]\nhost = "192.0.2.1"\n')
    result = dashboard("--config", str(path), cwd=tmp_path)
    assert result.returncode == 2 and "web.token" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_port_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[web]\nport = 70000\n")
    result = dashboard("--config", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == \
        "diaryflow: error: web.port = 70000: expected an integer from 1 to 65535"


def test_the_token_is_masked_by_check_and_never_logged(tmp_path: Path) -> None:
    hook = "https://hooks.example.invalid/t/secret-hook-9f3a"
    path = write_config(tmp_path, f'[web]\ntoken = "{TOKEN}"\n[notify]\nwebhook_url = "{hook}"\n'
                                  f'[[jobs]]\nname = "weekly"\nperiod = "week"\n'
                                  f'webhook_url = "{hook}/weekly"\n')
    result = subprocess.run([sys.executable, "-m", "diaryflow", "check", "--config", str(path)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert "web.token = ****cdef" in result.stdout and TOKEN not in result.stdout
    with serving_file(path) as url:
        httpx.get(f"{url}/", headers={"Authorization": f"Bearer {TOKEN}"})
        config_page = httpx.get(f"{url}/config", headers={"Authorization": f"Bearer {TOKEN}"})
    assert config_page.status_code == 200 and TOKEN not in config_page.text
    assert "secret-hook-9f3a" not in config_page.text and "webhook_url" in config_page.text
    assert "not-a-real-token-for-web" not in config_page.text
    logs = "".join(p.read_text() for p in (tmp_path / "logs").glob("*")) \
        if (tmp_path / "logs").exists() else ""
    assert TOKEN not in logs


def test_with_a_token_every_request_needs_it(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, f'[web]\nhost = "0.0.0.0"\ntoken = "{TOKEN}"\n'),
                         env={})
    with serving(config) as url:
        for path in ("/", "/healthz", "/metrics", "/api/runs", "/history", "/config"):
            assert httpx.get(f"{url}{path}").status_code == 401, path
            wrong = httpx.get(f"{url}{path}", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401, path
        page = httpx.get(f"{url}/", headers={"Accept": "text/html"})
        assert page.status_code == 401 and 'action="/login"' in page.text
        ok = httpx.get(f"{url}/api/jobs", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200
        bad = httpx.post(f"{url}/login", data={"token": "nope"})
        assert bad.status_code == 401 and "diaryflow_session" not in str(bad.headers)
        login = httpx.post(f"{url}/login", data={"token": TOKEN})
        assert login.status_code == 303
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert TOKEN not in cookie
        with httpx.Client(base_url=url, cookies=login.cookies) as browser:
            assert browser.get("/").status_code == 200


def test_security_headers_on_every_answer(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path), env={})
    with serving(config) as url:
        for path in ("/", "/healthz", "/metrics", "/nowhere", "/history"):
            headers = httpx.get(f"{url}{path}").headers
            csp = headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline'" not in csp.split(";")[1]
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "no-referrer"


def test_no_inline_script_in_any_page(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path), env={})
    with serving(config) as url:
        for path in ("/", "/history", "/config", "/login", "/fragments/overview"):
            html = httpx.get(f"{url}{path}").text
            scripts = re.findall(r"<script\b[^>]*>", html)
            assert all(re.search(r'src="/static/(htmx|mermaid)\.min\.js"|src="/static/app\.js"', s)
                       for s in scripts), scripts
            assert " on" not in " ".join(re.findall(r"<[^>]+>", html)).replace(" one", "")


def test_actions_are_post_only_and_need_the_csrf_token(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path), env={})
    with serving(config) as url, httpx.Client(base_url=url) as browser:
        page = browser.get("/")
        assert "HttpOnly" in page.headers["set-cookie"]
        assert browser.get("/jobs/default/pause").status_code == 405
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None and browser.cookies.get("diaryflow_csrf") == token[1]
        assert browser.post("/jobs/default/pause").status_code == 403
        assert browser.post("/jobs/default/pause", data={"csrf": "forged"}).status_code == 403
        # The right token without its cookie (another site's form) is refused too.
        assert httpx.post(f"{url}/jobs/default/pause",
                          data={"csrf": token[1]}).status_code == 403
        with Store(config.state.path) as store:
            assert not is_paused(store, "default")
        done = browser.post("/jobs/default/pause", data={"csrf": token[1]})
        assert done.status_code == 303 and done.headers["location"] == "/?notice=paused"
        with Store(config.state.path) as store:
            assert is_paused(store, "default")
        assert "已暂停" in browser.get("/").text


def test_a_loopback_dashboard_answers_only_to_loopback_host_names(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path), env={})
    with serving(config) as url:
        assert httpx.get(f"{url}/healthz", headers={"Host": "evil.example"}).status_code == 421
        assert httpx.get(f"{url}/api/jobs", headers={"Host": "localhost:1"}).status_code == 200


def test_english_when_the_browser_prefers_it(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path), env={})
    with serving(config) as url:
        assert "概览" in httpx.get(f"{url}/").text
        english = httpx.get(f"{url}/", headers={"Accept-Language": "en-US,en;q=0.9,zh;q=0.5"})
        assert "Overview" in english.text and 'lang="en"' in english.text
