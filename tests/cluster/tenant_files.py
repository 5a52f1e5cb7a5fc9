"""A tenant's config.toml with fake secrets that look real, and its prompt files."""

from __future__ import annotations

from pathlib import Path

FLOWUS_TOKEN = "flowus_9f8e7d6c5b4a39281706f5e4d3c2b1a0zyxwvu"  # 42 characters
MODEL_KEY = "fake-tenant-model-key-for-tests-0123456789abcdef"
WEBHOOK = "https://hooks.example.com/notify/T0123/B4567/secretpath8910"
JOB_WEBHOOK = "https://hooks.example.com/jobs/weekly/secretjobpath4242"
SECRETS = (FLOWUS_TOKEN, MODEL_KEY, WEBHOOK, JOB_WEBHOOK)
DAILY_PROMPT = "每日回顾：{input}\nDaily prompt of the tenant.\n"
WEEKLY_PROMPT = "Weekly prompt of the tenant: {input}\n"


def write_tenant_config(folder: Path, *, weekly_prompt: bool = True) -> Path:
    """A full tenant config.toml in ``folder`` (prompts beside it); its path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "prompts").mkdir(exist_ok=True)
    (folder / "prompts" / "daily.md").write_text(DAILY_PROMPT, encoding="utf-8")
    if weekly_prompt:
        (folder / "weekly.md").write_text(WEEKLY_PROMPT, encoding="utf-8")
    path = folder / "config.toml"
    path.write_text(f"""\
[flowus]
token = "{FLOWUS_TOKEN}"
database_id = "11111111-1111-1111-1111-111111111111"
parent_page_id = "22222222-2222-2222-2222-222222222222"

[siliconflow]
token = "{MODEL_KEY}"

[notify]
webhook_url = "{WEBHOOK}"

[scheduler]
time = 07:30:00
timezone = "Europe/Berlin"

[report]
prompt_file = "prompts/daily.md"

[privacy]
exclude_values = ["私密"]

[[jobs]]
name = "daily"
period = "day"
prompt_file = "prompts/daily.md"

[[jobs]]
name = "weekly"
period = "week"
on = "monday"
time = "09:15"
prompt_file = "weekly.md"
webhook_url = "{JOB_WEBHOOK}"
""", encoding="utf-8")
    return path
