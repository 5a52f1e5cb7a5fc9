"""The generate stage's edge: pick the prompt and the model, then let ``report`` write."""

from __future__ import annotations

from datetime import date

from diaryflow.config.jobs import find_job
from diaryflow.config.load import OFFLINE_MODEL, Config, uses_llm
from diaryflow.diary import Snapshot
from diaryflow.generate.prompt import load_template
from diaryflow.generate.report import Report, build_report
from diaryflow.llm.types import Complete
from diaryflow.state.runs import record_llm_call
from diaryflow.state.store import Store


def generate_report(
    config: Config,
    store: Store,
    snapshot: Snapshot,
    run_date: date,
    run_id: str,
    page_prompt: str | None = None,
    title: str | None = None,
) -> Report:
    """The period's report, by the configured model (every call recorded) or offline.

    ``page_prompt`` is the prompt collected from the ``flowus.url`` page, if any.
    """
    kind = find_job(config, config.report.job).period  # its built-in template, if no file
    template = load_template(config.report.prompt_file, page_prompt, kind)

    def write(complete: Complete | None, model: str) -> Report:
        return build_report(
            snapshot, complete, template=template,
            context_tokens=config.siliconflow.context_tokens,
            max_tokens=config.api_settings.max_tokens, title_prefix=config.new_page.title,
            run_date=run_date, model=model, include_properties=config.database.include_properties,
            title=title,
        )

    if not uses_llm(config):
        return write(None, OFFLINE_MODEL)
    from diaryflow.llm.client import LLMClient

    llm = LLMClient.from_config(config, record=lambda call: record_llm_call(store, run_id, call))
    try:
        return write(llm.complete, config.siliconflow.model)
    finally:
        llm.close()
