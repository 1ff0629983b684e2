"""Check the built documentation for the defects a reader saw once.

Run after the Sphinx build, as ``.ci/run`` does::

    python docs/check_built.py docs/_build/html

It exits with status 1 and one line per problem when:

- a page loads a script, style sheet, image or frame from another host (the
  site must work without a network: MathJax is served from ``_static``);
- a page with formulas does not load the local MathJax, or it is missing;
- a table cell holds a list (a cell "(a) a-tol1e-4" read as a lettered list),
  a table is not in the theme's horizontally scrolling container, or a row has
  fewer cells than the header;
- the benchmark tables of the comparison page are not, cell for cell and in
  order, the tables of ``benchmarks/results/results.md`` (when that file
  exists) followed by those of the later runs of some cases
  (:func:`later_results`);
- a page has an in-text "contents" box as well as the "On this page" column,
  or a "Section Navigation" sidebar with nothing in it;
- an API page's title carries the module prefix, or its "On this page" column
  repeats the class name before every method (both ran past the edge at
  1280 px);
- a page does not load ``_static/skl_softmax.css`` or the rules that keep code,
  titles and tables inside the page are missing from it.

Only the standard library is used, so that the check needs no browser; the
pages were also looked at in headless Chromium at 1280 and 1920 px.
"""

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "results.md"


def later_results():
    """The ``results.md`` of later runs of some cases (dated folders), newest first.

    By the day that begins the folder's name, then by the time each run
    recorded in its ``env.json``: names within a day say nothing of their
    order.
    """

    def newest(path):
        env = path.with_name("env.json")
        started = json.loads(env.read_text())["date_utc"] if env.exists() else ""
        return path.relative_to(RESULTS.parent).parts[0][:10], started

    return sorted(RESULTS.parent.glob("20*/**/results.md"), key=newest, reverse=True)


_SPHINX_INDEXES = ("genindex.html", "py-modindex.html", "search.html")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
# Rules of docs/_static/skl_softmax.css that the layout depends on.
_CSS_RULES = [
    r"div\.highlight pre\s*\{[^}]*white-space:\s*pre-wrap",
    r"\.bd-article h1\s*\{[^}]*overflow-wrap:\s*anywhere",
    r"\.bd-sidebar-secondary code[^{]*\{[^}]*overflow-wrap:\s*anywhere",
    r"table\.wide-table\s*\{[^}]*width:\s*max-content",
]


class _Page(HTMLParser):
    """What the checks need from one page: resources, tables, navigation."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.resources = []  # (tag, url) of everything the page loads
        self.tables = []  # per table: rows, per row: cells as text
        self.lists_in_cells = 0
        self.unscrolled_tables = 0
        self.contents_boxes = 0
        self.section_nav = None  # number of links under "Section Navigation"
        self.h1 = []
        self.secondary_toc = []
        self._stack = []  # open tags with their classes
        self._cell = None
        self._text = None

    def _inside(self, tag, cls=None):
        return any(t == tag and (cls is None or cls in c) for t, c in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "script" and attrs.get("src"):
            self.resources.append((tag, attrs["src"]))
        elif tag == "link" and "stylesheet" in (attrs.get("rel") or ""):
            self.resources.append((tag, attrs.get("href", "")))
        elif tag in ("img", "iframe", "source") and attrs.get("src"):
            self.resources.append((tag, attrs["src"]))
        if tag == "table":
            self.tables.append([])
            if not self._inside("div", "pst-scrollable-table-container"):
                self.unscrolled_tables += 1
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = []
        elif tag in ("ol", "ul") and self._cell is not None:
            self.lists_in_cells += 1
        if "contents" in classes and tag in ("nav", "div"):
            if not self._inside("div", "bd-sidebar-secondary"):
                self.contents_boxes += 1
        if tag == "nav" and "bd-docs-nav" in classes:
            self.section_nav = 0
        if tag == "a" and self._inside("nav", "bd-docs-nav"):
            self.section_nav += 1
        if tag == "h1" or (tag == "a" and self._inside("nav", "page-toc")):
            self._text = []
        if tag not in ("br", "img", "link", "meta", "input", "hr", "source", "col"):
            self._stack.append((tag, classes))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if self._text is not None and tag in ("h1", "a"):
            text = " ".join("".join(self._text).split())
            (self.h1 if tag == "h1" else self.secondary_toc).append(text)
            self._text = None
        while self._stack:
            open_tag, _ = self._stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._text is not None:
            self._text.append(data)


def _parse(path):
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _plain_quotes(text):
    """Undo Sphinx's smart quotes, to compare the page's text with its source."""
    return text.translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\""))


def _markdown_tables(markdown):
    """Every pipe table of ``markdown``, its cells as the page shows them."""
    tables, rows = [], []
    for line in [*markdown.splitlines(), ""]:
        if not line.lstrip().startswith("|"):
            if rows:
                tables.append(rows)
                rows = []
            continue
        if re.fullmatch(r"\|?[\s:|-]+\|?", line.strip()):
            continue
        cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
        cells = [cell.strip().replace("\\|", "|") for cell in cells]
        # Markup goes: `code` and [text](link) show their text, * and ** vanish.
        cells = [re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", cell) for cell in cells]
        cells = [" ".join(re.sub(r"[`*]", "", cell).split()) for cell in cells]
        rows.append(cells)
    return tables


def check(html_dir):
    """All problems found in the site built in ``html_dir``, as lines."""
    html_dir = Path(html_dir)
    problems = []
    pages = sorted(html_dir.rglob("*.html"))
    if not pages:
        return [f"{html_dir}: no HTML pages; build the documentation first"]
    css = html_dir / "_static" / "skl_softmax.css"
    css_text = css.read_text(encoding="utf-8") if css.exists() else ""
    for rule in _CSS_RULES:
        if not re.search(rule, css_text):
            problems.append(f"_static/skl_softmax.css: no rule matching {rule!r}")
    mathjax = html_dir / "_static" / "mathjax" / "tex-chtml.js"
    for path in pages:
        name = path.relative_to(html_dir).as_posix()
        if name.startswith(("_static/", "_sources/", "_images/")):
            continue
        text = path.read_text(encoding="utf-8")
        page = _parse(path)
        if name in _SPHINX_INDEXES:
            # Sphinx's own index tables hold lists by design.
            page.tables, page.lists_in_cells, page.unscrolled_tables = [], 0, 0
        for tag, url in page.resources:
            if _REMOTE.match(url):
                problems.append(f"{name}: <{tag}> loads {url} from the network")
        scripts = [url for tag, url in page.resources if tag == "script"]
        if 'class="math' in text:
            if not any(
                url.split("?")[0].endswith("mathjax/tex-chtml.js") for url in scripts
            ):
                problems.append(f"{name}: has formulas but no local MathJax")
            elif not mathjax.exists():
                problems.append("_static/mathjax/tex-chtml.js is missing")
        if not any("skl_softmax.css" in url for tag, url in page.resources):
            problems.append(f"{name}: does not load _static/skl_softmax.css")
        if page.lists_in_cells:
            problems.append(f"{name}: {page.lists_in_cells} list(s) inside table cells")
        if page.unscrolled_tables:
            problems.append(
                f"{name}: {page.unscrolled_tables} table(s) outside the scrolling "
                "container"
            )
        for number, table in enumerate(page.tables, start=1):
            widths = {len(row) for row in table if row}
            if len(widths) > 1:
                problems.append(
                    f"{name}: table {number} has rows of {sorted(widths)} cells"
                )
        if page.contents_boxes and "page-toc" in text:
            problems.append(f"{name}: a contents box besides the 'On this page' column")
        if page.section_nav == 0:
            problems.append(f"{name}: an empty 'Section Navigation' sidebar")
        if name.startswith("generated/"):
            if any(title.startswith("skl_softmax.") for title in page.h1):
                problems.append(f"{name}: title {page.h1[0]!r} has the module prefix")
            repeated = [t for t in page.secondary_toc if re.match(r"\w+\.\w+\(\)", t)]
            if repeated:
                problems.append(
                    f"{name}: page contents repeat the class: {repeated[0]}"
                )
    problems += _check_benchmark_table(html_dir)
    return problems


def _check_benchmark_table(html_dir):
    """Each table of the results files is on the comparison page, cell for cell.

    The main ``results.md`` first, then :func:`later_results`, in page order.
    """
    comparison = html_dir / "comparison.html"
    if not RESULTS.exists() or not comparison.exists():
        return []
    shown_tables = [
        [[_plain_quotes(cell) for cell in row] for row in table]
        for table in _parse(comparison).tables
    ]
    problems = []
    position = 0
    for source in [RESULTS, *later_results()]:
        name = source.relative_to(RESULTS.parent).as_posix()
        for expected in _markdown_tables(source.read_text(encoding="utf-8")):
            found = next(
                (
                    index
                    for index in range(position, len(shown_tables))
                    if shown_tables[index] and shown_tables[index][0] == expected[0]
                ),
                None,
            )
            if found is None:
                problems.append(
                    f"comparison.html: no table with the header {expected[0]} of {name}"
                )
                continue
            position = found + 1
            shown = shown_tables[found]
            if shown == expected:
                continue
            pairs = zip(shown, expected, strict=False)
            wrong = [(n, a, b) for n, (a, b) in enumerate(pairs, start=1) if a != b]
            if wrong:
                number, got, wanted = wrong[0]
                problems.append(
                    f"comparison.html: results table row {number} shows {got} "
                    f"instead of {wanted} ({name})"
                )
            else:
                problems.append(
                    f"comparison.html: results table has {len(shown)} rows, "
                    f"{name} {len(expected)}"
                )
    return problems


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    html_dir = argv[0] if argv else str(ROOT / "docs" / "_build" / "html")
    problems = check(html_dir)
    for problem in problems:
        print(f"check_built: {problem}", file=sys.stderr)
    if not problems:
        print(f"check_built: {html_dir}: no remote resources; tables, layout fine")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
