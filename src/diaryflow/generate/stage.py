"""The generate stage's edge: pick the prompt and the model, then let ``report`` write."""

from __future__ import annotations

from datetime import date

from diaryflow.config.job_schedule import setting_of
from diaryflow.config.jobs import find_job
from diaryflow.config.load import OFFLINE_MODEL, Config, uses_llm
from diaryflow.diary import Snapshot
from diaryflow.generate.earlier import Earlier
from diaryflow.generate.prompt import load_template
from diaryflow.generate.report import Report, build_report
from diaryflow.llm.types import Complete, Pace
from diaryflow.privacy.guard import RedactingGuard
from diaryflow.privacy.redact import Redactor
from diaryflow.state.runs import record_inputs, record_llm_call
from diaryflow.state.store import Store


def generate_report(
    config: Config,
    store: Store,
    snapshot: Snapshot,
    run_date: date,
    run_id: str,
    page_prompt: str | None = None,
    title: str | None = None,
    stand_in: Complete | None = None,
    earlier: Earlier | None = None,
    pace: Pace | None = None,
) -> Report:
    """The period's report, by the configured model (every call recorded) or offline.

    ``page_prompt`` is the prompt collected from the ``flowus.url`` page, if any;
    ``stand_in`` answers instead of the model; ``earlier`` holds the previous period and the
    shorter reports, as :mod:`diaryflow.generate.gather` reads them; ``pace`` is a budget
    shared with other workers that each model call waits for. Every message is redacted
    on its way, and what was hidden is recorded as counts for the run.
    """
    kind = find_job(config, config.report.job).period  # its built-in template, if no file
    setting = setting_of(config, config.report.job, "prompt_file", "report")
    template = load_template(config.report.prompt_file, page_prompt, kind, setting)
    guard = RedactingGuard(Redactor.from_settings(config.privacy.redact, config.privacy.patterns))

    def write(complete: Complete | None, model: str) -> Report:
        return build_report(
            snapshot, None if complete is None else guard.wrap(complete), template=template,
            context_tokens=config.siliconflow.context_tokens,
            max_tokens=config.api_settings.max_tokens, title_prefix=config.new_page.title,
            run_date=run_date, model=model, include_properties=config.database.include_properties,
            title=title, earlier=earlier,
        )

    try:
        if not uses_llm(config):
            return write(None, OFFLINE_MODEL)
        if stand_in is not None:
            return write(stand_in, config.siliconflow.model)
        from diaryflow.llm.client import LLMClient

        llm = LLMClient.from_config(
            config, record=lambda call: record_llm_call(store, run_id, call), pace=pace)
        try:
            return write(llm.complete, config.siliconflow.model)
        finally:
            llm.close()
    finally:
        record_inputs(store, run_id, privacy=guard.counts(snapshot.excluded))
