"""What ``export``, ``run`` and ``serve`` need from a configuration, and what it lacks."""

from __future__ import annotations

from dataclasses import dataclass

from diaryflow.config.load import Config, uses_llm

COMMANDS = ("export", "run", "serve")


@dataclass(frozen=True)
class Readiness:
    """Whether one command can work with a configuration: the settings it misses, a note."""

    command: str
    missing: tuple[str, ...]
    note: str = ""

    @property
    def ready(self) -> bool:
        """True when nothing the command needs is missing."""
        return not self.missing

    def line(self) -> str:
        """One line for ``diaryflow check``, naming every missing setting."""
        if self.missing:
            return f"{self.command}: cannot run: set {'; '.join(self.missing)}"
        return f"{self.command}: ready" + (f" ({self.note})" if self.note else "")


def readiness(config: Config) -> list[Readiness]:
    """The readiness of ``export``, ``run`` and ``serve``, in that order (no I/O)."""
    fl = config.flowus
    source: list[str] = []
    if fl.token is None:
        source.append("flowus.token (or FLOWUS_TOKEN)")
    if not fl.database_id and not fl.page_id:
        source.append("flowus.url or flowus.database_id")
    report = list(source)
    if not fl.parent_page_id:
        report.append("flowus.parent_page_id")
    if fl.prompt_from_page and not fl.page_id:
        report.append("flowus.url (flowus.prompt_from_page reads the prompt from it)")
    if config.report.prompt_file is not None and not config.report.prompt_file.is_file():
        report.append(f"report.prompt_file to a file that exists (not {config.report.prompt_file})")
    sched = config.scheduler
    export_note = "" if config.database.enabled else "switched off by database.enabled = false"
    return [
        Readiness("export", tuple(source), export_note),
        Readiness("run", tuple(report), _writer_note(config)),
        Readiness("serve", tuple(report), _serve_note(config) if sched.enabled else
                  "exits at once: scheduler.enabled = false"),
    ]


def _writer_note(config: Config) -> str:
    sf = config.siliconflow
    if uses_llm(config):
        return f"reports by {sf.model}"
    if sf.token is None:
        return "no siliconflow.token: reports are offline digests, written without AI"
    return f'siliconflow.model = "{sf.model}": reports are written without AI'


def _serve_note(config: Config) -> str:
    sched = config.scheduler
    days = "every day" if sched.run_on_weekends else "Monday to Friday"
    return f"a report {days} at {sched.time:%H:%M} {sched.timezone}"
