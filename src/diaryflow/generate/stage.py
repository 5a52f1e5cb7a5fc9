"""The generate step's edge: pick the prompt and the model, then let ``report`` write."""

from __future__ import annotations

from datetime import date

from diaryflow.config.load import Config
from diaryflow.diary import Snapshot
from diaryflow.flowus.client import FlowUsClient
from diaryflow.flowus.trees import fetch_trees
from diaryflow.generate.prompt import first_code_block, load_template
from diaryflow.generate.report import OFFLINE_MODEL, Report, generate
from diaryflow.llm.types import Complete
from diaryflow.state.runs import record_llm_call
from diaryflow.state.store import Store

OFFLINE = OFFLINE_MODEL  # the model name that means "no model"


def uses_llm(config: Config) -> bool:
    """Whether reports are written by a model (a key is set and the model is not "offline")."""
    return config.siliconflow.token is not None and config.siliconflow.model != OFFLINE


def page_prompt(config: Config, client: FlowUsClient) -> str | None:
    """The first code block of the ``flowus.url`` page, when ``prompt_from_page`` asks for it."""
    page_id = config.flowus.page_id
    if not config.flowus.prompt_from_page or not page_id:
        return None
    tree = fetch_trees(client, [page_id], workers=4)[page_id]
    return first_code_block(tree) if isinstance(tree, tuple) else None


def write_report(
    config: Config,
    client: FlowUsClient,
    store: Store,
    snapshot: Snapshot,
    run_date: date,
    run_id: str,
) -> Report:
    """The period's report, by the configured model (every call recorded) or offline."""
    template = load_template(config.report.prompt_file, page_prompt(config, client))

    def write(complete: Complete | None, model: str) -> Report:
        return generate(
            snapshot, complete, template=template,
            context_tokens=config.siliconflow.context_tokens,
            max_tokens=config.api_settings.max_tokens, title_prefix=config.new_page.title,
            run_date=run_date, model=model, include_properties=config.database.include_properties,
        )

    if not uses_llm(config):
        return write(None, OFFLINE)
    from diaryflow.llm.client import LLMClient

    llm = LLMClient.from_config(config, record=lambda call: record_llm_call(store, run_id, call))
    try:
        return write(llm.complete, config.siliconflow.model)
    finally:
        llm.close()
