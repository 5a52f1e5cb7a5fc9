"""The dashboard's words in Chinese (the default) and English, chosen by Accept-Language."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("zh", "en")

# key: (中文, English)
TEXT: dict[str, tuple[str, str]] = {
    "title": ("diaryflow 控制台", "diaryflow dashboard"),
    "overview": ("概览", "Overview"),
    "history": ("历史", "History"),
    "config": ("配置", "Configuration"),
    "job": ("任务", "Job"),
    "period": ("周期", "Period"),
    "kind": ("类型", "Kind"),
    "status": ("状态", "Status"),
    "started": ("开始", "Started"),
    "duration": ("耗时", "Duration"),
    "tokens": ("tokens", "Tokens"),
    "attempt": ("次数", "Attempt"),
    "last_run": ("上次运行", "Last run"),
    "next_run": ("下次运行", "Next run"),
    "page": ("页面", "Page"),
    "report": ("报告", "Report"),
    "flowus_page": ("FlowUs 页面", "FlowUs page"),
    "no_runs": ("还没有运行记录", "No runs yet"),
    "none": ("无", "none"),
    "serve_running": ("调度进程运行中（pid {pid}）", "serve is running (pid {pid})"),
    "serve_stopped": ("调度进程未运行", "serve is not running"),
    "run_in_progress": ("正在运行一个报告（pid {pid}）", "A run is in progress (pid {pid})"),
    "no_run": ("当前没有运行", "No run in progress"),
    "state_ok": ("正常", "ok"),
    "state_pending": ("等待中", "pending"),
    "state_late": ("逾期", "late"),
    "state_missed": ("错过", "missed"),
    "state_paused": ("已暂停", "paused"),
    "run_now": ("立即运行", "Run now"),
    "rerun": ("重跑周期", "Rerun period"),
    "pause": ("暂停", "Pause"),
    "resume": ("恢复", "Resume"),
    "filter": ("筛选", "Filter"),
    "all": ("全部", "all"),
    "newer": ("较新", "Newer"),
    "older": ("较旧", "Older"),
    "run": ("运行", "Run"),
    "stages": ("阶段", "Stages"),
    "model_calls": ("模型调用", "Model calls"),
    "model": ("模型", "Model"),
    "seconds": ("秒", "Seconds"),
    "error": ("错误", "Error"),
    "reason": ("原因", "Reason"),
    "logs": ("日志", "Log lines"),
    "no_logs": ("日志中没有这次运行的记录", "No log lines name this run"),
    "no_report": ("本地副本中没有这份报告", "This report is not in the local copy"),
    "login": ("登录", "Sign in"),
    "token": ("访问令牌", "Token"),
    "wrong_token": ("令牌不正确", "Wrong token"),
    "notice_started": ("已开始运行", "The run has started"),
    "notice_busy": ("已有运行正在进行，未启动新的运行",
                    "A run is in progress; nothing was started"),
    "notice_paused": ("已暂停", "Paused"),
    "notice_resumed": ("已恢复", "Resumed"),
    "bad_request": ("请求无效", "Bad request"),
    "forbidden": ("CSRF 校验失败，请刷新页面后重试",
                  "CSRF check failed: reload the page and retry"),
    "not_found": ("未找到", "Not found"),
    "disabled": ("已停用", "disabled"),
    "enabled": ("已启用", "enabled"),
    "tenants": ("租户", "Tenants"),
    "tenant": ("租户", "Tenant"),
    "jobs": ("任务", "Jobs"),
    "timezone": ("时区", "Timezone"),
    "finished": ("结束", "Finished"),
    "no_tenants": ("还没有租户：用 diaryflow tenants add 添加",
                   "No tenants yet: add one with diaryflow tenants add"),
    "cluster_unreachable": ("无法连接集群数据库", "The cluster's database cannot be reached"),
}


def language(accept_language: str | None) -> str:
    """``en`` when the browser prefers English to Chinese, else ``zh``."""
    best, best_q = "zh", -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q:
            best, best_q = primary, q
    return best


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)``: the text of ``key`` in ``lang``, its ``{names}`` filled in."""
    index = LANGUAGES.index(lang) if lang in LANGUAGES else 0

    def t(key: str, **values: object) -> str:
        text = TEXT[key][index] if key in TEXT else key
        return text.format(**values) if values else text

    return t
