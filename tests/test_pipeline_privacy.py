"""Privacy end to end over HTTP: private entries and identifiers never reach the model."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diaryflow.config.load import load_config
from diaryflow.export import export
from diaryflow.sandbox import FlowUsSandbox, OpenAISandbox, Workspace
from diaryflow.sandbox.sample.ids import DIARY_DATABASE_ID
from diaryflow.sandbox.sample.load import ROOT_PAGE_ID
from diaryflow.state.store import Store
from tests.helpers import END, MODEL, diaryflow
from tests.privacy.helpers import card_number, id_number, luhn_sum

# Identifiers built from their check rules (an ID of a made-up person born 1990-03-07).
PHONE = "13912345678"
ID_NUMBER = id_number("11010519900307123")
EMAIL = "lin.xiao@example.com"
CARD = card_number("622202123456789")
ORDER = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)  # 16 digits that fail Luhn: kept
PLANTED = (PHONE, ID_NUMBER, EMAIL, CARD)
PLACEHOLDERS = ("[手机号]", "[身份证号]", "[邮箱]", "[银行卡号]")

PRIVATE_TITLE = "只写给自己的夜晚"
PRIVATE_TEXT = "今晚独自在江边把辞职的念头想了三遍"
BOXED_TEXT = "体检复查的结果暂时只有我自己知道"
SECRET_PAGE_TEXT = "这一页记着只有那篇私密日记会提到的计划"
PRIVATE = (PRIVATE_TITLE, PRIVATE_TEXT, BOXED_TEXT, SECRET_PAGE_TEXT)


def paragraph(*items: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "type": "paragraph", "has_children": False,
            "data": {"rich_text": list(items)}}


def text(content: str) -> dict[str, Any]:
    return {"type": "text", "text": {"content": content}, "plain_text": content}


def mention(page_id: str, shown: str) -> dict[str, Any]:
    return {"type": "mention", "mention": {"type": "page", "page": {"id": page_id}},
            "plain_text": shown}


def plant(ws: Workspace, title: str, blocks: list[dict[str, Any]], *, tags: tuple[str, ...] = (),
          boxed: bool = False) -> str:
    """A diary entry of END, shaped like the sample's own rows; returns its id."""
    template = next(p for p in ws.rows(DIARY_DATABASE_ID)
                    if (p["properties"]["日期"].get("date") or {}).get("start") == END.isoformat())
    page = copy.deepcopy({k: v for k, v in template.items() if k != "children"})
    page["id"] = str(uuid.uuid4())
    props = page["properties"]
    props["标题"]["title"] = [text(title)]
    props["标签"]["multi_select"] = [{"id": t, "name": t, "color": "red"} for t in tags]
    props["关联项目"]["relation"] = []
    props["不公开"] = {"type": "checkbox", "checkbox": boxed}
    page["children"] = blocks
    ws.add_page(page)
    return str(page["id"])


@pytest.fixture
def planted(sample_sandbox: FlowUsSandbox) -> FlowUsSandbox:
    """The sample plus two private entries (a tag, a checkbox), a page only one of them links
    to, and a normal entry holding identifiers and a 16-digit order number."""
    ws = sample_sandbox.workspace
    secret_id = str(uuid.uuid4())
    secret = {"id": secret_id, "parent": {"type": "page_id", "page_id": ROOT_PAGE_ID},
              "created_time": "2026-11-20T01:00:00.000Z",
              "last_edited_time": "2026-11-20T01:00:00.000Z", "archived": False,
              "properties": {"title": {"type": "title", "title": [text("计划页")]}},
              "children": [paragraph(text(SECRET_PAGE_TEXT))]}
    ws.add_page(secret)
    tagged = plant(ws, PRIVATE_TITLE, [paragraph(text(PRIVATE_TEXT)),
                                        paragraph(mention(secret_id, "计划页"))], tags=("私密",))
    plant(ws, "体检", [paragraph(text(BOXED_TEXT))], boxed=True)
    plant(ws, "联系方式整理", [
        paragraph(text(f"新手机号{PHONE}，身份证{ID_NUMBER}，邮箱{EMAIL}。")),
        paragraph(text(f"工资卡{CARD}，网购订单号{ORDER}已发货。")),
        paragraph(text("昨晚写了一篇："), mention(tagged, PRIVATE_TITLE)),
    ])
    return sample_sandbox


@pytest.fixture
def llm() -> Iterator[OpenAISandbox]:
    with OpenAISandbox(responder=lambda request: "## 概览\n\n平稳的一周。\n") as server:
        yield server


def write_config(folder: Path, flowus: FlowUsSandbox, llm: OpenAISandbox,
                 privacy: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(
        f'[flowus]\ntoken = "{flowus.token}"\nbase_url = "{flowus.base_url}"\n'
        f'url = "https://flowus.cn/x/{ROOT_PAGE_ID}"\nparent_page_id = "{ROOT_PAGE_ID}"\n'
        'date_property = "日期"\nreads_per_minute = 60000\nwrites_per_minute = 60000\n'
        f'[siliconflow]\ntoken = "{llm.api_key}"\nbase_url = "{llm.base_url}"\n'
        f'model = "{MODEL}"\nlog_bodies = true\n[block_settings]\ninclude_source = true\n'
        f'[privacy]\nexclude_values = ["私密"]\nexclude_checkbox = "不公开"\n{privacy}',
        encoding="utf-8")
    path.chmod(0o600)
    return path


def sent(llm: OpenAISandbox) -> str:
    return json.dumps([r.body for r in llm.chat_requests()], ensure_ascii=False)


def page_text(ws: Workspace, container: str) -> str:
    blocks = ws.children_list(container) or []
    return json.dumps(blocks, ensure_ascii=False) + "".join(page_text(ws, b["id"])
                                                            for b in blocks)


def test_a_report_sends_no_private_entry_and_no_identifier(
    planted: FlowUsSandbox, llm: OpenAISandbox, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "site", planted, llm)
    result = diaryflow("run", "--config", str(config), "--date", END.isoformat())
    assert result.returncode == 0, result.stderr
    body = sent(llm)
    assert llm.chat_requests() and "联系方式整理" in body  # the normal entry went in
    for secret in (*PRIVATE, *PLANTED):
        assert secret not in body, secret
    assert luhn_sum(ORDER) != 0 and ORDER in body and all(p in body for p in PLACEHOLDERS)
    assert "私密页面" in body  # the kept entry's mention of the private one, its title hidden

    site = config.parent
    logs = "".join(p.read_text(encoding="utf-8") for p in (site / "logs").glob("*"))
    assert "平稳的一周" in logs and "[手机号]" in logs  # bodies are logged (log_bodies) ...
    outputs = {p.name: p.read_text(encoding="utf-8") for p in (site / "outputs").iterdir()}
    assert "联系方式整理" in outputs["data.log"] and "平稳的一周" in outputs["local.md"]
    assert "2 条私密日记未纳入" in outputs["local.md"]
    with Store(site / "diaryflow.db") as store:
        calls = json.dumps(store.query("SELECT * FROM llm_calls"), ensure_ascii=False)
        leftover = store.query("SELECT COUNT(*) FROM checkpoints")
        (privacy,) = store.query("SELECT privacy_json FROM runs")
    report_pages = [b["id"] for b in planted.workspace.children_list(ROOT_PAGE_ID) or []
                    if b["type"] == "child_page" and b["data"]["title"].startswith("AI生成内容")]
    published = "".join(page_text(planted.workspace, page) for page in report_pages)
    assert "联系方式整理" in published  # the source toggle holds the input
    for secret in PRIVATE:  # ... yet nowhere holds the private text
        for where, content in [("logs", logs), ("llm_calls", calls), ("page", published),
                               *outputs.items()]:
            assert secret not in content, (secret, where)
    assert leftover == [(0,)]
    assert json.loads(privacy[0]) == {"excluded": 2, "phone": 1, "id_card": 1, "email": 1,
                                      "bank_card": 1}

    history = diaryflow("history", "--config", str(config))
    assert "private: 2 excluded, 4 redacted (phone 1, id_card 1, email 1, bank_card 1)" in (
        history.stdout)
    rows = json.loads(diaryflow("history", "--json", "--config", str(config)).stdout)
    assert rows[0]["privacy"] == json.loads(privacy[0])


def test_show_input_prints_the_redacted_input_and_sends_nothing(
    planted: FlowUsSandbox, llm: OpenAISandbox, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "site", planted, llm)
    result = diaryflow("run", "--dry-run", "--show-input", "--config", str(config),
                       "--date", END.isoformat())
    assert result.returncode == 0, result.stderr
    shown = result.stdout
    assert llm.chat_requests() == []
    assert shown.startswith("===== request 1 of 1 =====\n----- system -----\n")
    assert "联系方式整理" in shown and ORDER in shown and all(p in shown for p in PLACEHOLDERS)
    for secret in (*PRIVATE, *PLANTED):
        assert secret not in shown, secret
    assert "2 条私密日记未纳入" not in shown  # the report is not printed, only its input
    assert not (config.parent / "outputs").exists()

    # What it shows is what a run then sends.
    assert diaryflow("run", "--config", str(config), "--date", END.isoformat()).returncode == 0
    (request,) = llm.chat_requests()
    for message in request.body["messages"]:
        assert f"----- {message['role']} -----\n{message['content'].rstrip()}\n" in shown


def test_show_input_needs_dry_run(planted: FlowUsSandbox, llm: OpenAISandbox,
                                  tmp_path: Path) -> None:
    config = write_config(tmp_path / "site", planted, llm)
    result = diaryflow("run", "--show-input", "--config", str(config))
    assert result.returncode == 2 and "--show-input needs --dry-run" in result.stderr
    assert llm.chat_requests() == [] and not (config.parent / "diaryflow.db").exists()


def test_show_input_in_map_reduce_shows_the_chunks(
    planted: FlowUsSandbox, llm: OpenAISandbox, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "site", planted, llm)
    config.write_text(config.read_text(encoding="utf-8").replace(
        "log_bodies = true\n", "log_bodies = true\ncontext_tokens = 8000\n")
        + "[database]\nrecent_days = 30\n[api_settings]\nmax_tokens = 1024\n", encoding="utf-8")
    result = diaryflow("run", "--dry-run", "--show-input", "--config", str(config),
                       "--date", END.isoformat())
    assert result.returncode == 0, result.stderr
    assert llm.chat_requests() == []
    parts = result.stdout.count("===== request ")
    assert parts > 1 and f"===== request {parts} of {parts} =====" in result.stdout
    assert f"summarised in {parts} parts" in result.stdout and "final request" in (
        result.stdout)
    assert all(p in result.stdout for p in PLACEHOLDERS) and ORDER in result.stdout
    for secret in (*PRIVATE, *PLANTED):
        assert secret not in result.stdout, secret


@pytest.mark.parametrize("keep_local", [False, True])
def test_data_log_holds_private_entries_only_with_keep_local(
    planted: FlowUsSandbox, llm: OpenAISandbox, tmp_path: Path, keep_local: bool
) -> None:
    path = write_config(tmp_path / "site", planted, llm,
                        privacy=f"keep_local = {str(keep_local).lower()}\n")
    config = load_config(path, env={})
    result = export(config, END)
    assert result.snapshot.excluded == 2
    assert PRIVATE_TITLE not in json.dumps([e.page.title for e in result.snapshot.entries])
    data = config.output.data_path.read_text(encoding="utf-8")
    for secret in PRIVATE:
        assert (secret in data) is keep_local, secret
    assert PHONE in data  # data.log is the local copy: nothing is redacted there
    cli = diaryflow("export", "--config", str(path), "--date", END.isoformat())
    assert cli.returncode == 0, cli.stderr
    assert ("2 private entries written to data.log only (privacy.keep_local)" if keep_local
            else "2 private entries left out") in cli.stdout
