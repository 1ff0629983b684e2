"""``docs/check_built.py``, which CI runs on the built site, catches each defect.

Each test writes a tiny site with one defect a reader once met and checks that
the checker reports it; a clean page passes. The real site is checked by
``.ci/run`` right after the Sphinx build.
"""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "check_built", ROOT / "docs" / "check_built.py"
)
check_built = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_built)

CSS = (ROOT / "docs" / "_static" / "skl_softmax.css").read_text(encoding="utf-8")
HEAD = '<link rel="stylesheet" href="_static/skl_softmax.css" />'
SECONDARY = '<div class="bd-sidebar-secondary"><nav class="page-toc"></nav></div>'
TABLE = (
    '<div class="pst-scrollable-table-container"><table>'
    "<tr><th>case</th><th>ratio</th></tr><tr><td>{cell}</td><td>0.5</td></tr>"
    "</table></div>"
)


def site(tmp_path, body, head=HEAD, name="page.html"):
    (tmp_path / "_static").mkdir(exist_ok=True)
    (tmp_path / "_static" / "skl_softmax.css").write_text(CSS)
    page = tmp_path / name
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(f"<html><head>{head}</head><body>{body}</body></html>")
    return tmp_path


def problems(tmp_path, monkeypatch):
    # No benchmark results: only the page checks run.
    monkeypatch.setattr(check_built, "RESULTS", tmp_path / "absent.md")
    return check_built.check(tmp_path)


def test_a_clean_page_passes(tmp_path, monkeypatch):
    site(tmp_path, SECONDARY + TABLE.format(cell="(a) a-tol1e-4"))
    assert problems(tmp_path, monkeypatch) == []


@pytest.mark.parametrize(
    "resource",
    [
        '<script src="https://cdn.jsdelivr.net/npm/mathjax@4/tex-mml-chtml.js">'
        "</script>",
        '<script src="//code.jquery.com/jquery.js"></script>',
        '<link rel="stylesheet" href="https://cdn.example/x.css" />',
    ],
)
def test_a_remote_script_or_style_is_reported(tmp_path, monkeypatch, resource):
    site(tmp_path, "<p>text</p>", head=HEAD + resource)
    (found,) = problems(tmp_path, monkeypatch)
    assert "from the network" in found


def test_formulas_without_local_mathjax_are_reported(tmp_path, monkeypatch):
    site(tmp_path, '<span class="math">\\(x\\)</span>')
    (found,) = problems(tmp_path, monkeypatch)
    assert "no local MathJax" in found


def test_a_lettered_list_in_a_table_cell_is_reported(tmp_path, monkeypatch):
    cell = '<ol class="loweralpha simple"><li><p>a-tol1e-4</p></li></ol>'
    site(tmp_path, TABLE.format(cell=cell))
    (found,) = problems(tmp_path, monkeypatch)
    assert "list(s) inside table cells" in found


def test_a_clipped_table_is_reported(tmp_path, monkeypatch):
    site(tmp_path, "<table><tr><td>1</td></tr></table>")
    (found,) = problems(tmp_path, monkeypatch)
    assert "outside the scrolling container" in found


def test_a_second_on_this_page_is_reported(tmp_path, monkeypatch):
    box = '<nav class="contents local" id="on-this-page"><p>On this page</p></nav>'
    site(tmp_path, SECONDARY + box)
    (found,) = problems(tmp_path, monkeypatch)
    assert "contents box" in found


def test_an_empty_section_navigation_is_reported(tmp_path, monkeypatch):
    nav = (
        '<nav class="bd-docs-nav bd-links"><p class="bd-links__title">'
        'Section Navigation</p><div class="bd-toc-item navbar-nav"></div></nav>'
    )
    site(tmp_path, nav)
    (found,) = problems(tmp_path, monkeypatch)
    assert "empty 'Section Navigation'" in found


def test_api_titles_with_module_prefix_are_reported(tmp_path, monkeypatch):
    body = (
        "<h1>skl_softmax.OneVsRestLogistic</h1>"
        '<nav class="page-toc"><a href="#x">OneVsRestLogistic.fit()</a></nav>'
    )
    site(tmp_path, body, name="generated/skl_softmax.OneVsRestLogistic.html")
    found = problems(tmp_path, monkeypatch)
    assert len(found) == 2
    assert "module prefix" in found[0] and "repeat the class" in found[1]


def test_missing_layout_rules_are_reported(tmp_path, monkeypatch):
    site(tmp_path, "<p>text</p>")
    (tmp_path / "_static" / "skl_softmax.css").write_text("/* emptied */")
    found = problems(tmp_path, monkeypatch)
    assert len(found) == len(check_built._CSS_RULES)


def test_an_incomplete_benchmark_table_is_reported(tmp_path, monkeypatch):
    results = tmp_path / "results.md"
    results.write_text(
        "# results\n\n| case | ratio |\n|---|---|\n"
        "| (a) `a` | 0.5 |\n| (b) `b` | 0.7 |\n"
    )
    table = TABLE.format(cell="(a) a")
    site(tmp_path, table, name="comparison.html")
    monkeypatch.setattr(check_built, "RESULTS", results)
    (found,) = check_built.check(tmp_path)
    assert "results table has 2 rows, results.md 3" in found


def test_runs_of_one_day_are_ordered_by_their_recorded_dates(tmp_path, monkeypatch):
    # "run" sorts after "large" by name, but started first.
    results_dir = tmp_path / "results"
    for folder, started in [("run", "05:21"), ("large", "05:41")]:
        path = results_dir / "2026-12-03-day" / folder / "results.md"
        path.parent.mkdir(parents=True)
        path.write_text("| case | ratio |\n|---|---|\n")
        env = {"date_utc": f"2026-12-03T{started}:00+00:00"}
        path.with_name("env.json").write_text(json.dumps(env))
    older = results_dir / "2026-12-02-day" / "results.md"
    older.parent.mkdir(parents=True)
    older.write_text("| case | ratio |\n|---|---|\n")
    monkeypatch.setattr(check_built, "RESULTS", results_dir / "results.md")
    assert [p.parent.name for p in check_built.later_results()] == [
        "large",
        "run",
        "2026-12-02-day",
    ]


def test_later_runs_are_checked_in_order(tmp_path, monkeypatch):
    # The main table, then each later run's table, newest first: a later table
    # with the main one's header is matched in page order, not to the first.
    results_dir = tmp_path / "results"
    for folder, ratio in [
        ("", "0.5"),
        ("2026-01-01-old", "0.6"),
        ("2026-02-01-new", "0.7"),
    ]:
        path = results_dir / folder / "results.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"| case | ratio |\n|---|---|\n| (a) `a` | {ratio} |\n")
    monkeypatch.setattr(check_built, "RESULTS", results_dir / "results.md")
    assert [p.parent.name for p in check_built.later_results()] == [
        "2026-02-01-new",
        "2026-01-01-old",
    ]
    html = tmp_path / "html"
    html.mkdir()

    def page(*ratios):
        tables = "".join(
            TABLE.format(cell="(a) a").replace("0.5", ratio) for ratio in ratios
        )
        site(html, tables, name="comparison.html")
        return check_built.check(html)

    assert page("0.5", "0.7", "0.6") == []
    # Swapped: each later table is reported against its own file.
    new, old = page("0.5", "0.6", "0.7")
    assert "shows ['(a) a', '0.6'] instead of ['(a) a', '0.7']" in new
    assert "2026-02-01-new/results.md" in new
    assert "2026-01-01-old/results.md" in old
    (missing,) = page("0.5", "0.7")
    assert "no table with the header" in missing and "2026-01-01-old" in missing
