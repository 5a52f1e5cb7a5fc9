"""Citations: the model's 〔E3〕 references as links to the entries' pages, invented ones gone."""

from __future__ import annotations

from datetime import date

import pytest

from diaryflow.generate.citations import citation, link_citations
from diaryflow.generate.entry_refs import EntryRef

ENTRIES = [
    EntryRef("E1", date(2026, 11, 21), "午饭和陈默聊了聊", "https://flowus.cn/ws/a1"),
    EntryRef("E2", date(2026, 11, 26), "回调幂等全量前的最后检查", "https://flowus.cn/ws/b2"),
    EntryRef("E3", date(2026, 11, 27), "[草稿] *月末* 复盘｜A|B", "https://flowus.cn/ws/c3"),
    EntryRef("E4", date(2026, 11, 27), "一个非常非常非常非常长的标题还在继续写", "https://flowus.cn/ws/d4"),
]
L1 = "[11-21 午饭和陈默聊了聊](https://flowus.cn/ws/a1)"
L2 = "[11-26 回调幂等全量前的最后检查](https://flowus.cn/ws/b2)"
L3 = r"[11-27 \[草稿\] \*月末\* 复盘｜A\|B](https://flowus.cn/ws/c3)"
L4 = "[11-27 一个非常非常非常非常长的标题还…](https://flowus.cn/ws/d4)"


@pytest.mark.parametrize(("answer", "expected"), [
    # valid references, in the forms a model writes them
    ("完成了最后检查〔E2〕。", f"完成了最后检查（{L2}）。"),
    ("完成了最后检查【E2】。", f"完成了最后检查（{L2}）。"),
    ("完成了最后检查[E2]。", f"完成了最后检查（{L2}）。"),
    ("完成了最后检查〔e02〕。", f"完成了最后检查（{L2}）。"),
    ("和陈默聊过 〔E1〕，心情不错", f"和陈默聊过（{L1}），心情不错"),
    ("聊过 〔E1〕 然后睡了", f"聊过（{L1}） 然后睡了"),
    ("（〔E1〕）", f"（{L1}）"),
    # adjacent references and lists become one citation, each entry once
    ("两件事〔E1〕〔E2〕。", f"两件事（{L1}、{L2}）。"),
    ("两件事〔E1〕、〔E2〕。", f"两件事（{L1}、{L2}）。"),
    ("两件事〔E1、E2〕。", f"两件事（{L1}、{L2}）。"),
    ("两件事〔E2, E1，E2〕。", f"两件事（{L2}、{L1}）。"),
    # invented references vanish without leaving brackets or doubled spaces
    ("编造的〔E9〕。", "编造的。"),
    ("编造的 〔E9〕 然后", "编造的 然后"),
    ("编造的〔E0〕〔E99999〕！", "编造的！"),
    ("一半真〔E1、E9〕一半假", f"一半真（{L1}）一半假"),
    ("一半真〔E9〕〔E2〕", f"一半真（{L2}）"),
    ("完成（〔E9〕）。", "完成。"),
    ("done [E9] now", "done now"),
    # headings, lists, tables, quotes
    ("## 工作〔E2〕", f"## 工作（{L2}）"),
    ("- 〔E9〕 做了晚饭", "- 做了晚饭"),
    ("- 〔E1〕 和陈默吃饭", f"- （{L1}） 和陈默吃饭"),
    ("  1. 读书〔E4〕", f"  1. 读书（{L4}）"),
    ("> 引用〔E9〕", "> 引用"),
    ("| 工作 | 稳〔E3〕 |", f"| 工作 | 稳（{L3}） |"),
    ("- [ ] 跟进〔E2〕", f"- [ ] 跟进（{L2}）"),
    # a line that held nothing but invented references is gone
    ("上一行\n- 〔E9〕\n下一行", "上一行\n下一行"),
    ("上一行\n〔E7〕〔E8〕\n下一行", "上一行\n下一行"),
    ("## 〔E9〕\n正文", "正文"),
    # code is left alone
    ("写 `〔E1〕` 时〔E1〕", f"写 `〔E1〕` 时（{L1}）"),
    ("写 ``a `〔E9〕` b`` 时", "写 ``a `〔E9〕` b`` 时"),
    ("```\n〔E1〕 [E9]\n```\n后〔E9〕", "```\n〔E1〕 [E9]\n```\n后"),
    ("~~~~text\n〔E1〕\n~~~\n〔E2〕\n~~~~", "~~~~text\n〔E1〕\n~~~\n〔E2〕\n~~~~"),
    # a fence indented inside a list item is code too
    ("- 例\n\n    ```\n    〔E9〕\n    ```\n- 下〔E9〕",
     "- 例\n\n    ```\n    〔E9〕\n    ```\n- 下"),
    # a Mermaid diagram cannot hold links: its full-width references go, its [labels] stay
    ("```mermaid\nflowchart LR\n  A[E1] --> B[检查〔E2〕]\n```",
     "```mermaid\nflowchart LR\n  A[E1] --> B[检查]\n```"),
    # Markdown that merely looks like a reference stays
    ("见 [E1](https://e.com) 和 ![E2](x.png)", "见 [E1](https://e.com) 和 ![E2](x.png)"),
    ("[E1]: https://example.com", "[E1]: https://example.com"),
    ("[文字][E1]", "[文字][E1]"),
    ("E1 和 〔备注〕 不是引用", "E1 和 〔备注〕 不是引用"),
    ("", ""),
])
def test_references_become_links_and_invented_ones_go(answer: str, expected: str) -> None:
    assert link_citations(answer, ENTRIES) == expected


def test_nothing_is_cited_when_the_run_has_no_entries() -> None:
    assert link_citations("事情〔E1〕。\n- 〔E2〕 项", []) == "事情。\n- 项"


def test_a_citation_is_a_markdown_link_per_entry() -> None:
    assert citation(ENTRIES[:2]) == f"（{L1}、{L2}）"
    odd = EntryRef("E5", date(2026, 1, 2), "标题", "https://flowus.cn/ws/e (5)")
    assert citation([odd]) == "（[01-02 标题](https://flowus.cn/ws/e%20%285%29)）"
