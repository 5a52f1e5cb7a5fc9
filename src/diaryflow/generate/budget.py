"""The plan for fitting a window's diary into the model's context, every line of it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from diaryflow.collect.data_log import (
    assemble,
    entry_sections,
    header,
    linked_sections,
    missing_note,
    render_snapshot,
)
from diaryflow.collect.links import mentioned_ids, relation_ids
from diaryflow.diary import Entry, PageDoc, Snapshot
from diaryflow.errors import ConfigError
from diaryflow.generate.charts import stats_for_prompt
from diaryflow.generate.compare import compare
from diaryflow.generate.compare_section import comparison_for_prompt
from diaryflow.generate.earlier import (
    Earlier,
    covered_days,
    previous_part,
    source_text,
    sources_part,
)
from diaryflow.generate.entry_refs import ref_marks
from diaryflow.generate.prompt import ALL_COVERED, build_messages, chunk_messages, period_text
from diaryflow.generate.section_parts import split_section
from diaryflow.generate.stats import compute_stats
from diaryflow.generate.tokens import input_budget, messages_tokens, split_to_tokens

CHUNK_DAYS = 7
SUMMARY_CHARS = (200, 3000)  # bounds of the length asked of each partial summary
PREVIOUS_SHARE = 4  # the previous period's report may take up to 1/4 of the prompt budget


@dataclass(frozen=True)
class Chunk:
    """One map call's share of the diary: whole days, or consecutive parts of one long day."""

    start: date
    end: date
    text: str  # the diary Markdown the call summarises, laid out as in data.log
    pages: tuple[str, ...]  # the entries and linked pages it holds, whole or in part


@dataclass(frozen=True)
class Plan:
    """How to ask: one call with everything, or one call per chunk then a merge."""

    mode: str  # "single" | "map_reduce"
    chunks: tuple[Chunk, ...] = ()  # map_reduce only
    summary_chars: int = 0  # the length asked of each partial summary (map_reduce only)
    previous: str = ""  # the previous period's report as sent, cut to its share of the budget


def prompt_figures(snapshot: Snapshot, earlier: Earlier | None = None) -> str:
    """The period's figures for the model, and their comparison with the previous period."""
    stats = compute_stats(snapshot)
    figures = stats_for_prompt(stats)
    if earlier is None:
        return figures
    return f"{figures}\n\n{comparison_for_prompt(compare(stats, earlier.previous_stats))}"


def single_messages(
    snapshot: Snapshot, template: str, include_properties: bool = True,
    earlier: Earlier | None = None, previous: str = "",
) -> list[dict[str, str]]:
    """The one-call messages: the template with the diary and figures, then the earlier reports."""
    start, end = snapshot.window_start, snapshot.window_end
    diary = uncovered(snapshot, earlier)
    text = (ALL_COVERED if diary is not snapshot and not diary.entries
            else render_snapshot(diary, include_properties, ref_marks(snapshot)))
    return build_messages(template, period_text(start, end), text,
                          prompt_figures(snapshot, earlier),
                          [sources_part(earlier, start, end), previous])


def uncovered(snapshot: Snapshot, earlier: Earlier | None) -> Snapshot:
    """The entries of the days no shorter report covers, and the pages they link to."""
    if earlier is None or not earlier.sources:
        return snapshot
    covered = covered_days(earlier.sources)
    entries = tuple(entry for entry in snapshot.entries if entry.day not in covered)
    return dataclasses.replace(snapshot, entries=entries,
                               linked=_reached([e.page for e in entries], snapshot.linked))


def chunk_prompt(chunk: Chunk, limit: int) -> list[dict[str, str]]:
    """The messages asking for one chunk's summary."""
    return chunk_messages(period_text(chunk.start, chunk.end), chunk.text, limit)


def plan(
    snapshot: Snapshot,
    template: str,
    context_tokens: int,
    max_tokens: int,
    margin: float = 0.9,
    *,
    include_properties: bool = True,
    earlier: Earlier | None = None,
) -> Plan:
    """Decide single or map-reduce; chunks are whole days (at most a week), a long day in parts."""
    # With shorter reports, the days they cover are left out and the reports are chunks too.
    budget = input_budget(context_tokens, max_tokens, margin)
    if budget <= 0:
        raise ConfigError(
            "siliconflow.context_tokens", context_tokens,
            f"room for a prompt besides api_settings.max_tokens = {max_tokens}",
        )  # fmt: skip
    previous = previous_part(earlier, budget // PREVIOUS_SHARE)
    whole = single_messages(snapshot, template, include_properties, earlier, previous)
    if messages_tokens(whole) <= budget:
        return Plan("single", previous=previous)
    fits = Fit(budget, SUMMARY_CHARS[1])
    chunks = sorted((*_group(uncovered(snapshot, earlier), fits, include_properties,
                             ref_marks(snapshot)),
                     *_report_chunks(earlier, fits)), key=lambda chunk: chunk.start)
    reserve = messages_tokens(
        build_messages(template, "", "", prompt_figures(snapshot, earlier), [previous])
    )
    per_chunk = (budget - reserve) / max(1, len(chunks)) / 0.75 * 0.8  # CJK chars, with slack
    ceiling = min(SUMMARY_CHARS[1], int(max_tokens / 0.75 * 0.8))
    chars = max(SUMMARY_CHARS[0], min(ceiling, int(per_chunk)))
    return Plan("map_reduce", tuple(chunks), chars, previous)


@dataclass(frozen=True)
class Fit:
    """Whether a chunk's map call fits the prompt budget, and by how much."""

    budget: int
    limit: int  # the summary length the call asks for

    def spare(self, chunk: Chunk) -> int:
        """Tokens left in the budget beside the chunk's prompt (negative: over)."""
        return self.budget - messages_tokens(chunk_prompt(chunk, self.limit))

    def __call__(self, chunk: Chunk) -> bool:
        """Whether the chunk fits."""
        return self.spare(chunk) >= 0


def _report_chunks(earlier: Earlier | None, fits: Fit) -> list[Chunk]:
    """The shorter reports as map chunks: neighbours joined while they fit, a long one split."""
    chunks: list[Chunk] = []
    for report in earlier.sources if earlier else ():
        text = source_text(report)
        last = chunks[-1] if chunks else None
        if last is not None and (report.start - last.end).days == 1:
            joined = Chunk(last.start, report.end, f"{last.text}\n\n{text}", ())
            if fits(joined):
                chunks[-1] = joined
                continue
        alone = Chunk(report.start, report.end, text, ())
        if fits(alone):
            chunks.append(alone)
            continue
        room = max(1, fits.spare(Chunk(report.start, report.end, "", ())))
        chunks += [Chunk(report.start, report.end, piece, ())
                   for piece in split_to_tokens(text, room)]
    return chunks


def _days(entries: Sequence[Entry]) -> list[tuple[date, list[Entry]]]:
    grouped: dict[date, list[Entry]] = {}
    for entry in sorted(entries, key=lambda e: e.day):
        grouped.setdefault(entry.day, []).append(entry)
    return list(grouped.items())


def _group(
    snapshot: Snapshot, fits: Fit, include_properties: bool, refs: Mapping[str, str]
) -> tuple[Chunk, ...]:
    chunks: list[Chunk] = []
    current: list[tuple[date, list[Entry]]] = []
    for day, entries in _days(snapshot.entries):
        candidate = [*current, (day, entries)]
        if current and (day - current[0][0]).days < CHUNK_DAYS and fits(
            _whole(sub(snapshot, candidate), include_properties, refs)
        ):
            current = candidate
            continue
        if current:
            chunks.append(_whole(sub(snapshot, current), include_properties, refs))
        alone = _whole(sub(snapshot, [(day, entries)]), include_properties, refs)
        if fits(alone):
            current = [(day, entries)]
        else:
            chunks += split_day(sub(snapshot, [(day, entries)]), fits, include_properties, refs)
            current = []
    if current:
        chunks.append(_whole(sub(snapshot, current), include_properties, refs))
    return tuple(chunks)


def _whole(part: Snapshot, include_properties: bool, refs: Mapping[str, str]) -> Chunk:
    pages = tuple(e.page.id for e in part.entries) + tuple(p.id for p in part.linked)
    return Chunk(part.window_start, part.window_end,
                 render_snapshot(part, include_properties, refs), pages)


def split_day(
    day: Snapshot, fits: Fit, include_properties: bool = True,
    refs: Mapping[str, str] | None = None,
) -> list[Chunk]:
    """A day too long for one call, in chunks of consecutive sections and section parts.

    Nothing is cut: an entry or linked page too long alone is split by
    :func:`diaryflow.section_parts.split_section`. ``refs`` marks the entries (by default,
    numbered within the day).
    """
    entries = entry_sections(day, include_properties, ref_marks(day) if refs is None else refs)
    note = missing_note(day)

    def chunk_of(texts: Sequence[tuple[str, bool, str]], count: int) -> Chunk:
        body = assemble(header(day, count), [t for t, linked, _ in texts if not linked],
                        [t for t, linked, _ in texts if linked], note)
        return Chunk(day.window_start, day.window_end, body,
                     tuple(dict.fromkeys(page for _, _, page in texts)))

    # Checks count every entry of the day in the header: the widest it can be.
    widest = len(entries)
    pieces: list[tuple[str, bool, str]] = []
    for linked, sections in ((False, entries), (True, linked_sections(day, include_properties))):
        room = max(1, fits.spare(chunk_of([("", linked, "")], widest)))

        def fits_alone(text: str, linked: bool = linked) -> bool:
            return fits(chunk_of([(text, linked, "")], widest))

        for section in sections:
            pieces += [(text, linked, section.page_id)
                       for text in split_section(section, fits_alone, room)]
    chunks: list[Chunk] = []
    current: list[tuple[str, bool, str]] = []
    for piece in pieces:
        if current and fits(chunk_of([*current, piece], widest)):
            current.append(piece)
            continue
        if current:
            chunks.append(chunk_of(current, _count(current)))
        current = [piece]
    if current:
        chunks.append(chunk_of(current, _count(current)))
    return chunks


def _count(pieces: Sequence[tuple[str, bool, str]]) -> int:
    return len({page for _, linked, page in pieces if not linked})


def sub(snapshot: Snapshot, days: Sequence[tuple[date, Sequence[Entry]]]) -> Snapshot:
    """The snapshot of some days: their entries and the linked pages they reach."""
    entries = tuple(entry for _, day_entries in days for entry in day_entries)
    return dataclasses.replace(
        snapshot,
        window_start=days[0][0],
        window_end=days[-1][0],
        entries=entries,
        linked=_reached([e.page for e in entries], snapshot.linked),
    )


def _reached(pages: Sequence[PageDoc], linked: Sequence[PageDoc]) -> tuple[PageDoc, ...]:
    by_id = {page.id: page for page in linked}
    seen: set[str] = set()
    frontier = list(pages)
    while frontier:
        page = frontier.pop()
        for ref in (*relation_ids(page.properties), *mentioned_ids(page.properties, page.blocks)):
            if ref in by_id and ref not in seen:
                seen.add(ref)
                frontier.append(by_id[ref])
    return tuple(page for page in linked if page.id in seen)
