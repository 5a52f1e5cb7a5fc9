"""Reports as HTML: their structure kept, anything that could run script gone, one report found."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from diaryflow.generate.entry_index import INDEX_HEADING
from diaryflow.generate.entry_refs import entry_refs, link_label
from diaryflow.generate.report import offline_digest
from diaryflow.publish.local_copy import add_report, report_section
from diaryflow.web.report_html import find_report, render_report, split_reports
from tests.generate.helpers import sample_snapshot


class Elements(HTMLParser):
    """Every start tag with its attributes, and each anchor's attributes and text."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self._anchor: tuple[dict[str, str | None], list[str]] | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "a":
            self._anchor = (dict(attrs), [])

    def handle_data(self, data: str) -> None:
        if self._anchor is not None:
            self._anchor[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._anchor is not None:
            self.anchors.append((self._anchor[0], "".join(self._anchor[1])))
            self._anchor = None

    def names(self) -> set[str]:
        return {tag for tag, _ in self.tags}


STRUCTURE = """\
# 周报

## 本周亮点

- 第一件
- 第二件
  1. 细节

| 指标 | 数值 |
| :--- | ---: |
| 条目数 | 9 |

`行内代码` **粗体** *斜体* ~~删除~~

```python
print("<b>hi</b>")
```

> 引用的一句话

---
"""


def test_headings_lists_tables_code_and_quotes_survive() -> None:
    page = render_report(STRUCTURE)
    assert {"h1", "h2", "ul", "ol", "li", "table", "thead", "tbody", "th", "td", "code", "pre",
            "strong", "em", "s", "blockquote", "hr"} <= Elements(page).names()
    assert "<h1>周报</h1>" in page and "<td class=\"align-right\">9</td>" in page
    assert '<pre><code>print("&lt;b&gt;hi&lt;/b&gt;")\n</code></pre>' in page
    assert "style=" not in page


@pytest.mark.parametrize(
    ("markdown", "gone"),
    [
        ("前\n\n<script>alert(1)</script>\n\n后", ["<script", "alert(1)"]),
        ("前 <script>alert(1)</script> 后", ["<script", "alert(1)"]),
        ('<img src="x" onerror="alert(1)">', ["<img", "onerror", "alert"]),
        ("[点我](javascript:alert(1))", ["href", "<a"]),
        ('<a href="javascript:alert(1)">点我</a>', ["href", "javascript"]),
        ('<a href="JaVaScRiPt:alert(1)" onclick="alert(2)">点我</a>', ["href", "onclick"]),
        ("[数据](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", ["href", "<a"]),
        ('<a href="data:text/html,<script>alert(1)</script>">x</a>', ["href", "<script"]),
        ('<iframe src="https://example.com/"></iframe>', ["<iframe", "example.com"]),
        ('<p style="position:fixed">盖住页面</p>', ["style"]),
        ('<span style="color:red" class="x">红</span>', ["style", "<span", "class"]),
        ("![图](https://example.com/a.png)", ["<img", "example.com"]),
        ('<svg onload="alert(1)"></svg>', ["<svg", "onload"]),
        ('<form action="https://example.com/"><input></form>', ["<form", "<input"]),
        ('[相对](/admin/delete) [锚](#top)', ["href"]),
    ],
)
def test_nothing_that_runs_script_or_changes_the_page_survives(
    markdown: str, gone: list[str]
) -> None:
    page = render_report(markdown).lower()
    for text in gone:
        assert text.lower() not in page, (text, page)


def test_links_open_apart_with_only_web_and_mail_schemes() -> None:
    page = render_report("[站点](https://example.com/a?b=1&c=2) [信](mailto:me@example.com) "
                         "[旧](http://example.com/)")
    anchors = Elements(page).anchors
    assert [attrs["href"] for attrs, _ in anchors] == [
        "https://example.com/a?b=1&c=2", "mailto:me@example.com", "http://example.com/"]
    for attrs, _ in anchors:
        assert attrs["rel"] == "noopener noreferrer" and attrs["target"] == "_blank"


def test_a_mermaid_fence_becomes_a_pre_with_its_source_escaped() -> None:
    source = 'flowchart LR\n  A["<img src=x onerror=alert(1)>"] --> B & C\n'
    page = render_report(f"```mermaid\n{source}```\n\n```Mermaid title\npie\n  \"a\" : 1\n```")
    assert page.count('<pre class="mermaid">') == 2
    assert ('<pre class="mermaid">flowchart LR\n  A["&lt;img src=x onerror=alert(1)&gt;"] '
            "--&gt; B &amp; C\n</pre>") in page
    assert "<img" not in page and "<code" not in page


def test_other_classes_are_dropped() -> None:
    page = render_report('<pre class="mermaid evil">x</pre>\n\n```js\nlet a\n```')
    assert 'class="mermaid evil"' not in page and "language-" not in page


def test_every_index_entry_of_the_sample_report_is_a_link() -> None:
    snap = sample_snapshot(7)
    refs = entry_refs(snap)
    markdown = offline_digest(snap, "AI生成内容 - 2026-11-27")
    local = add_report("", "default", "2026-11-27",
                       report_section("default", "2026-11-27", "AI生成内容 - 2026-11-27",
                                      "周期 2026-11-21 – 2026-11-27", markdown))
    report = find_report(local, "default", "2026-11-27")
    assert report is not None and INDEX_HEADING in report
    page = render_report(report)
    index = page[page.index("<h2>本期日记索引</h2>"):]
    anchors = Elements(index).anchors
    assert len(refs) >= 5
    assert [(a["href"], text) for a, text in anchors] == [
        (r.url, link_label(r.title).replace("\\", "")) for r in refs]
    assert all(a["href"] and a["href"].startswith("https://") for a, _ in anchors)
    assert page.count('<pre class="mermaid">') == markdown.count("```mermaid")


def test_reports_are_split_by_job_and_period_newest_first() -> None:
    local = ""
    for job, period, body in [("default", "2026-11-26", "第一份"), ("weekly", "2026-W48", "周报"),
                              ("default", "2026-11-27", "第二份\n\n---\n\n末尾")]:
        local = add_report(local, job, period,
                           report_section(job, period, f"标题 {period}", f"周期 {period}", body))
    local = "# 手写的笔记\n\n" + local
    reports = split_reports(local)
    assert list(reports) == [("default", "2026-11-27"), ("weekly", "2026-W48"),
                             ("default", "2026-11-26")]
    assert reports[("default", "2026-11-27")] == (
        "# 标题 2026-11-27\n\n> 周期 2026-11-27\n\n第二份\n\n---\n\n末尾\n")
    assert find_report(local, "weekly", "2026-W48") == reports[("weekly", "2026-W48")]
    assert find_report(local, "weekly", "2026-W47") is None
    assert find_report("", "default", "2026-11-27") is None
    assert "diaryflow:report" not in "".join(reports.values())
