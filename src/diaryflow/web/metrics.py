"""``/metrics``: a Prometheus collector that reads the state database at each scrape."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

from diaryflow.state.store import Store
from diaryflow.web.overview import Overview


def failure_class(http_status: int | None) -> str:
    """A failed model call's class, by its HTTP status (none: no answer or a timeout)."""
    if http_status is None:
        return "no_response"
    classes = {429: "rate_limited", 503: "overloaded", 401: "auth", 403: "auth",
               400: "bad_request", 404: "bad_request"}
    return classes.get(http_status, "server_error" if http_status >= 500 else "http_error")


class StateCollector(Collector):
    """Runs, durations, tokens and model failures from the state database; serve and jobs
    from the overview."""

    def __init__(self, store: Store, overview: Callable[[], Overview]) -> None:
        self.store = store
        self.overview = overview

    def collect(self) -> Iterator[Metric]:
        """Every metric, read now."""
        yield from self._runs()
        yield from self._flowus()
        yield from self._tokens()
        yield from self._calls()
        yield from self._health()

    def _runs(self) -> Iterator[Metric]:
        runs = CounterMetricFamily("diaryflow_runs", "Recorded attempts by job and status",
                                   labels=["job", "status"])
        sql = self.store.dialect
        for job, status, count in self.store.query(
                "SELECT job, status, COUNT(*) FROM runs GROUP BY job, status"):
            runs.add_metric([job, status], count)
        yield runs
        last = GaugeMetricFamily("diaryflow_last_success_timestamp_seconds",
                                 "When each job's latest successful attempt finished (Unix time)",
                                 labels=["job"])
        for job, seconds in self.store.query(
                f"SELECT job, MAX({sql.epoch('finished_at')}) FROM runs "
                "WHERE status = 'ok' GROUP BY job"):
            last.add_metric([job], float(seconds))
        yield last
        duration = SummaryMetricFamily("diaryflow_run_duration_seconds",
                                       "Duration of finished attempts (skipped ticks left out)",
                                       labels=["job", "status"])
        for job, status, count, total in self.store.query(
                f"SELECT job, status, COUNT(*), "
                f"{sql.total(sql.seconds_between('started_at', 'finished_at'))} FROM runs "
                "WHERE finished_at IS NOT NULL AND status != 'skipped' GROUP BY job, status"):
            duration.add_metric([job, status], count_value=count, sum_value=total)
        yield duration

    def _flowus(self) -> Iterator[Metric]:
        requests = CounterMetricFamily("diaryflow_flowus_requests",
                                       "FlowUs API requests sent by each job's attempts",
                                       labels=["job"])
        limited = CounterMetricFamily("diaryflow_flowus_rate_limited",
                                      "FlowUs requests answered 429 (too many requests), by job",
                                      labels=["job"])
        sql = self.store.dialect
        for job, sent, refused in self.store.query(
                f"SELECT job, {sql.total('flowus_requests')}, "
                f"{sql.total('flowus_rate_limited')} FROM runs "
                "GROUP BY job"):
            requests.add_metric([job], sent)
            limited.add_metric([job], refused)
        yield requests
        yield limited

    def _tokens(self) -> Iterator[Metric]:
        tokens = CounterMetricFamily("diaryflow_llm_tokens", "Model tokens by job, model and kind",
                                     labels=["job", "model", "kind"])
        sql = self.store.dialect
        for job, model, prompt, completion in self.store.query(
                f"SELECT COALESCE(r.job, ''), c.model, {sql.total('c.prompt_tokens')}, "
                f"{sql.total('c.completion_tokens')} FROM llm_calls c LEFT JOIN runs r "
                "ON r.run_id = c.run_id GROUP BY r.job, c.model"):
            tokens.add_metric([job, model, "prompt"], prompt)
            tokens.add_metric([job, model, "completion"], completion)
        yield tokens

    def _calls(self) -> Iterator[Metric]:
        calls = CounterMetricFamily("diaryflow_llm_calls", "Model calls by model and status",
                                    labels=["model", "status"])
        failures: dict[tuple[str, str], int] = {}
        for model, status, http_status, count in self.store.query(
                "SELECT model, status, http_status, COUNT(*) FROM llm_calls "
                "GROUP BY model, status, http_status"):
            calls.add_metric([model, status], count)
            if status != "ok":
                key = (model, failure_class(http_status))
                failures[key] = failures.get(key, 0) + count
        yield _merged(calls)
        failed = CounterMetricFamily("diaryflow_llm_call_failures",
                                     "Failed model calls by model and class",
                                     labels=["model", "class"])
        for (model, kind), count in sorted(failures.items()):
            failed.add_metric([model, kind], count)
        yield failed

    def _health(self) -> Iterator[Metric]:
        view = self.overview()
        yield GaugeMetricFamily("diaryflow_serve_up", "1 while diaryflow serve holds its lock",
                                value=1 if view.serve_pid else 0)
        yield GaugeMetricFamily("diaryflow_run_in_progress", "1 while a run holds the run lock",
                                value=1 if view.run_pid else 0)
        late = GaugeMetricFamily("diaryflow_job_late",
                                 "1 when a due period has no successful run past its grace",
                                 labels=["job"])
        paused = GaugeMetricFamily("diaryflow_job_paused", "1 while a job is paused",
                                   labels=["job"])
        for job in view.jobs:
            late.add_metric([job.name], 1 if job.late else 0)
            paused.add_metric([job.name], 1 if job.paused else 0)
        yield late
        yield paused


def _merged(family: CounterMetricFamily) -> CounterMetricFamily:
    """One sample per label set (the query splits calls by HTTP status too)."""
    totals: dict[tuple[tuple[str, str], ...], float] = {}
    for sample in family.samples:
        key = tuple(sorted(sample.labels.items()))
        totals[key] = totals.get(key, 0.0) + sample.value
    merged = CounterMetricFamily(family.name, family.documentation, labels=["model", "status"])
    for key, value in totals.items():
        labels = dict(key)
        merged.add_metric([labels["model"], labels["status"]], value)
    return merged
