"""Token estimates and the plan for fitting a window's diary into the model's context."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from diaryflow.charts import stats_for_prompt
from diaryflow.errors import ConfigError
from diaryflow.links import mentioned_ids, relation_ids
from diaryflow.model import Block, Entry, PageDoc, Snapshot
from diaryflow.prompt import build_messages, chunk_messages, period_text
from diaryflow.render import render_blocks, render_snapshot
from diaryflow.stats import compute_stats

TRUNCATED_NOTE = "（本条过长，已截断）"
MESSAGE_OVERHEAD = 8  # role markers and separators the chat format adds around each message
CHUNK_DAYS = 7
SUMMARY_CHARS = (200, 3000)  # bounds of the length asked of each partial summary
_ENTRY_HEADING_OFFSET = 2  # as render_snapshot renders an entry's body
_CJK_RANGES = (
    (0x1100, 0x11FF), (0x2E80, 0x2FDF), (0x3000, 0x303F), (0x3040, 0x30FF), (0x3100, 0x31FF),
    (0x3200, 0x4DBF), (0x4E00, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF),
)  # fmt: skip


_CJK = re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in _CJK_RANGES) + "]")


def is_cjk(ch: str) -> bool:
    """Whether a character is CJK script or CJK/full-width punctuation."""
    return _CJK.fullmatch(ch) is not None


def _cost(ch: str) -> int:
    return 75 if is_cjk(ch) else 30  # hundredths of a token


def estimate_tokens(text: str) -> int:
    """A safe upper estimate of tokens: ``ceil(0.75 × CJK chars + 0.3 × other chars)``."""
    cjk = len(_CJK.findall(text))
    return -(-(75 * cjk + 30 * (len(text) - cjk)) // 100)


def messages_tokens(messages: Sequence[Mapping[str, str]]) -> int:
    """The estimate for a whole chat prompt."""
    return sum(estimate_tokens(m.get("content", "")) + MESSAGE_OVERHEAD for m in messages)


def input_budget(context_tokens: int, max_tokens: int, margin: float = 0.9) -> int:
    """Tokens the prompt may use so that the prompt plus the answer fit the context."""
    return math.floor(margin * context_tokens) - max_tokens


def cut_to_tokens(text: str, limit: int) -> str:
    """The longest prefix of ``text`` estimated at ≤ ``limit`` tokens, ended at a line if near."""
    spent, end = 0, 0
    for end, ch in enumerate(text):  # noqa: B007 - ``end`` is the cut point after the loop
        spent += _cost(ch)
        if spent > limit * 100:
            break
    else:
        return text
    newline = text.rfind("\n", 0, end)
    return text[:newline] if newline > end * 0.7 else text[:end]


@dataclass(frozen=True)
class Plan:
    """How to ask: one call with everything, or one call per chunk of whole days then a merge."""

    mode: str  # "single" | "map_reduce"
    chunks: tuple[Snapshot, ...]
    summary_chars: int = 0  # the length asked of each partial summary (map_reduce only)


def single_messages(
    snapshot: Snapshot, template: str, include_properties: bool = True
) -> list[dict[str, str]]:
    """The messages of the one-call report: the template, the whole diary and its figures."""
    period = period_text(snapshot.window_start, snapshot.window_end)
    stats = stats_for_prompt(compute_stats(snapshot))
    return build_messages(template, period, render_snapshot(snapshot, include_properties), stats)


def chunk_prompt(
    snapshot: Snapshot, limit: int, include_properties: bool = True
) -> list[dict[str, str]]:
    """The messages asking for one chunk's summary."""
    period = period_text(snapshot.window_start, snapshot.window_end)
    return chunk_messages(period, render_snapshot(snapshot, include_properties), limit)


def plan(
    snapshot: Snapshot,
    template: str,
    context_tokens: int,
    max_tokens: int,
    margin: float = 0.9,
    *,
    include_properties: bool = True,
) -> Plan:
    """Decide single or map-reduce; map-reduce chunks are whole days, at most a week each."""
    budget = input_budget(context_tokens, max_tokens, margin)
    if budget <= 0:
        raise ConfigError(
            "siliconflow.context_tokens", context_tokens,
            f"room for a prompt besides api_settings.max_tokens = {max_tokens}",
        )  # fmt: skip
    if messages_tokens(single_messages(snapshot, template, include_properties)) <= budget:
        return Plan("single", (snapshot,))
    limit = SUMMARY_CHARS[1]

    def fits(part: Snapshot) -> bool:
        return messages_tokens(chunk_prompt(part, limit, include_properties)) <= budget

    chunks = _group(
        snapshot, fits, budget, lambda part: chunk_prompt(part, limit, include_properties)
    )
    reserve = messages_tokens(
        build_messages(template, "", "", stats_for_prompt(compute_stats(snapshot)))
    )
    per_chunk = (budget - reserve) / len(chunks) / 0.75 * 0.8  # CJK chars, with slack
    ceiling = min(SUMMARY_CHARS[1], int(max_tokens / 0.75 * 0.8))
    chars = max(SUMMARY_CHARS[0], min(ceiling, int(per_chunk)))
    return Plan("map_reduce", chunks, chars)


def fits_context(
    messages: Sequence[Mapping[str, str]], context_tokens: int, max_tokens: int, margin: float
) -> bool:
    """Whether a prompt plus the answer fit the context, by the estimate."""
    return messages_tokens(messages) <= input_budget(context_tokens, max_tokens, margin)


def _days(entries: Sequence[Entry]) -> list[tuple[date, list[Entry]]]:
    grouped: dict[date, list[Entry]] = {}
    for entry in sorted(entries, key=lambda e: e.day):
        grouped.setdefault(entry.day, []).append(entry)
    return list(grouped.items())


def _group(
    snapshot: Snapshot,
    fits: Callable[[Snapshot], bool],
    budget: int,
    prompt_of: Callable[[Snapshot], list[dict[str, str]]],
) -> tuple[Snapshot, ...]:
    chunks: list[Snapshot] = []
    current: list[tuple[date, list[Entry]]] = []
    for day, entries in _days(snapshot.entries):
        candidate = [*current, (day, entries)]
        if current and (day - current[0][0]).days < CHUNK_DAYS and fits(sub(snapshot, candidate)):
            current = candidate
            continue
        if current:
            chunks.append(sub(snapshot, current))
        current = [(day, entries)]
        alone = sub(snapshot, current)
        if not fits(alone):
            chunks.append(_shrink_day(alone, fits, budget, prompt_of))
            current = []
    if current:
        chunks.append(sub(snapshot, current))
    return tuple(chunks)


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


def _shrink_day(
    day: Snapshot,
    fits: Callable[[Snapshot], bool],
    budget: int,
    prompt_of: Callable[[Snapshot], list[dict[str, str]]],
) -> Snapshot:
    """One day too big alone: drop its linked pages, then cut each long entry to a fair share."""
    day = dataclasses.replace(day, linked=())
    if fits(day):
        return day
    titles, users = day.titles(), day.users
    bodies = [
        render_blocks(e.page.blocks, titles, users, heading_offset=_ENTRY_HEADING_OFFSET)
        for e in day.entries
    ]
    bare = dataclasses.replace(day, entries=tuple(_with_body(e, "") for e in day.entries))
    note = estimate_tokens(f"\n\n{TRUNCATED_NOTE}") + 2
    room = budget - messages_tokens(prompt_of(bare))
    cut = day
    for _ in range(8):  # each round asks for less, in case the estimate of the parts was low
        shares = _fair_shares([estimate_tokens(body) for body in bodies], room)
        cut = dataclasses.replace(
            day,
            entries=tuple(
                entry if estimate_tokens(body) <= share
                else _with_body(entry, f"{cut_to_tokens(body, share - note)}\n\n{TRUNCATED_NOTE}")
                for entry, body, share in zip(day.entries, bodies, shares, strict=True)
            ),
        )  # fmt: skip
        if fits(cut):
            break
        room = int(room * 0.8)
    return cut


def _fair_shares(sizes: Sequence[int], room: int) -> list[int]:
    """Split ``room`` so small items keep all they need and large ones share the rest equally."""
    shares = [0] * len(sizes)
    remaining = max(room, 0)
    order = sorted(range(len(sizes)), key=lambda i: sizes[i])
    for done, index in enumerate(order):
        shares[index] = min(sizes[index], remaining // (len(sizes) - done))
        remaining -= shares[index]
    return shares


def _with_body(entry: Entry, text: str) -> Entry:
    """The entry with its body replaced by one paragraph of already-rendered Markdown."""
    blocks: tuple[Block, ...] = ()
    if text:
        item = {"type": "text", "text": {"content": text}, "plain_text": text}
        blocks = (Block(id=f"{entry.page.id}-cut", type="paragraph", data={"rich_text": [item]}),)
    return Entry(dataclasses.replace(entry.page, blocks=blocks), entry.day)
