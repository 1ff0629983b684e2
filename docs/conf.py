"""Sphinx configuration of the skl_softmax documentation.

Built with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
(warnings are errors), as ``.ci/run`` does.

Two deliberate choices, because the build must work without network access:

- **intersphinx** is loaded but its mapping is empty unless the environment
  variable ``SKL_SOFTMAX_INTERSPHINX=1`` is set. Fetching the inventories of
  Python, NumPy, SciPy and scikit-learn needs the network; with ``-W`` a failed
  fetch is a warning and therefore an error. Offline, references such as
  :class:`~sklearn.linear_model.LogisticRegression` render as plain literals
  (we do not build nitpicky, so unresolved external references are not
  warnings). Online, set the variable to get links.
- **Benchmark results** are included only if the benchmarks have been run:
  :func:`_write_benchmark_page` converts ``benchmarks/results/results.md`` to
  reStructuredText (and copies ``time_ratio.png``) into ``docs/_generated_bench``
  at every build, and the tables of the later runs of some cases
  (``benchmarks/results/20*/``) into ``later.rst``; without them it writes a
  page saying so. No number is ever written here by hand.
"""

import os
import re
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS))  # gallery_hooks

from check_built import later_results  # noqa: E402

import skl_softmax  # noqa: E402

# -- project -------------------------------------------------------------------

project = "skl_softmax"
author = "skl_softmax developers"
copyright = "the skl_softmax developers"
version = release = skl_softmax.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # MathJax copied into _static/mathjax: formulas render without a network.
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
# bad_input.rst is not a page of its own: user_guide.rst includes it.
exclude_patterns = [
    "_build",
    "_generated_bench",
    "bad_input.rst",
    "**.ipynb_checkpoints",
]
default_role = "literal"
math_numfig = True
numfig = True
math_eqref_format = "({number})"

# -- API pages -----------------------------------------------------------------

# Stubs are generated at every build into docs/generated (ignored by git), so the
# API pages cannot drift from the package.
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
# The class template lists the methods itself; numpydoc must not add a second list.
numpydoc_show_class_members = False
# The page contents of an API page list methods as "fit()", not
# "OneVsRestLogistic.fit()", which does not fit in the right-hand column.
toc_object_entries_show_parents = "hide"
numpydoc_xref_param_type = False

# -- intersphinx (off by default: no network in CI, see the module docstring) -----

if os.environ.get("SKL_SOFTMAX_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
    }
else:
    intersphinx_mapping = {}

# -- gallery -------------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "doc_module": ("skl_softmax",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"skl_softmax": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    # An error in an example fails the build.
    "only_warn_on_example_error": False,
    "abort_on_example_error": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    # A warning in an example fails the build (see gallery_hooks.py).
    "reset_modules": ("matplotlib", "gallery_hooks.warnings_are_errors"),
    "reset_modules_order": "both",
    # The computation-times page loads jQuery and DataTables from CDNs: a page
    # that needs a network is not written.
    "write_computation_times": False,
}

# -- HTML ----------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skl_softmax {release}"
html_static_path = ["_static"]
html_css_files = ["skl_softmax.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    # The top-level toctree is hidden; counting its hidden entries, every page
    # would get a "Section Navigation" sidebar, empty on pages without children.
    # Not counting them, the sidebar appears only where there is something in it.
    "sidebar_includehidden": False,
}
html_show_sourcelink = False

# -- benchmark page ------------------------------------------------------------

_BENCH_SOURCE = ROOT / "benchmarks" / "results"
_BENCH_TARGET = DOCS / "_generated_bench"
_INLINE_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def _escape(text):
    """Markdown inline text as reStructuredText: code spans and links kept."""
    pieces = []
    position = 0
    pattern = re.compile(f"{_INLINE_CODE.pattern}|{_LINK.pattern}")
    for match in pattern.finditer(text):
        pieces.append(_escape_plain(text[position : match.start()]))
        if match.group(1) is not None:
            pieces.append(f"``{match.group(1)}``")
        else:
            pieces.append(f"`{_escape_plain(match.group(2))} <{match.group(3)}>`__")
        position = match.end()
    pieces.append(_escape_plain(text[position:]))
    return "".join(pieces)


def _escape_plain(text):
    # Protect **strong** and *emphasis* (markers \x00 and \x01), escape every
    # other character reStructuredText could read as markup, then restore them.
    text = re.sub(r"\*\*(\S(?:[^*]*\S)?)\*\*", "\x00\\1\x00", text)
    text = re.sub(r"(?<![\w*])\*(\S(?:[^*]*\S)?)\*(?![\w*])", "\x01\\1\x01", text)
    text = re.sub(r"([\\*_`|<>\[\]])", r"\\\1", text)
    text = re.sub("\x00([^\x00]+)\x00", r"**\1**", text)
    return re.sub("\x01([^\x01]+)\x01", r"*\1*", text)


def _markdown_table(lines):
    """A pipe table as a ``list-table`` (the separator row dropped)."""
    rows = [
        [
            cell.strip().replace("\\|", "|")
            for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))
        ]
        for line in lines
        if not re.fullmatch(r"\|?[\s:|-]+\|?", line.strip())
    ]
    width = max(len(row) for row in rows)
    # wide-table (docs/_static/skl_softmax.css): columns as wide as their text
    # up to a limit, the table scrolling sideways rather than squeezed.
    out = [".. list-table::", "   :header-rows: 1", "   :class: wide-table", ""]
    for row in rows:
        row = row + [""] * (width - len(row))
        out.append(f"   * - {_table_cell(row[0])}")
        out.extend(f"     - {_table_cell(cell)}" for cell in row[1:])
    return out + [""]


# What reStructuredText reads as the start of a list item: an enumerator such as
# "(a)", "a)", "1." or "#." or a bullet, followed by a space or the end.
_LIST_MARKER = re.compile(r"(\(?[\w#]+[.)]|[-+\u2022\u2023\u2043])(\s|$)")


def _table_cell(text):
    """One table cell as reStructuredText: never a list, never empty."""
    cell = _escape(text)
    if not cell:
        return ".."
    # A cell "(a) `a-tol1e-4`" would otherwise become a lettered list "a. ...";
    # an escaped first character is read as text.
    return "\\" + cell if _LIST_MARKER.match(cell) else cell


def _markdown_to_rst(markdown):
    """The subset of Markdown a results file uses: headings, text, lists, tables.

    Headings become rubrics (so they cannot clash with the including page's
    section levels); everything else is escaped, so no Markdown can turn into
    an unintended reStructuredText construct.
    """
    out = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("|"):
            block = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                block.append(lines[i])
                i += 1
            out.extend(["", *_markdown_table(block)])
            continue
        if line.startswith("```"):
            i += 1
            out.extend(["", "::", ""])
            while i < len(lines) and not lines[i].startswith("```"):
                out.append("   " + lines[i])
                i += 1
            out.append("")
        elif line.startswith("#"):
            out.extend(["", f".. rubric:: {_escape(line.lstrip('#').strip())}", ""])
        elif re.match(r"\s*([-*+]|\d+[.)]) ", line):
            # Every list item flat, in its own list block: nesting and numbering
            # are not worth the risk of an indentation error.
            bullet = "#. " if re.match(r"\s*\d", line) else "- "
            if out and out[-1] and not out[-1].startswith(bullet):
                out.append("")
            text = re.sub(r"^\s*([-*+]|\d+[.)]) ", "", line)
            out.append(bullet + _escape(text))
        elif line.strip().startswith("![") or re.fullmatch(
            r"\s*([-*_=])\1{2,}\s*", line
        ):
            pass  # images are placed by the page itself; rules are dropped
        elif out and out[-1].startswith(("- ", "#. ")) and line.strip():
            out.extend(["", _escape(line.strip())])
        else:
            out.append(_escape(line.strip()))
        i += 1
    return "\n".join(out) + "\n"


def _write_benchmark_page(app=None):
    """Write ``_generated_bench/results.rst`` from the benchmark results, if any."""
    if _BENCH_TARGET.exists():
        shutil.rmtree(_BENCH_TARGET)
    _BENCH_TARGET.mkdir()
    results = _BENCH_SOURCE / "results.md"
    figure = _BENCH_SOURCE / "time_ratio.png"
    if not results.exists():
        text = (
            ".. note::\n\n"
            "   The benchmarks have not been run for this build of the "
            "documentation:\n"
            "   ``benchmarks/results/results.md`` does not exist. Run the "
            "benchmarks\n"
            "   (see ``benchmarks/``) and rebuild to include their table and "
            "figure.\n"
        )
    else:
        text = _markdown_to_rst(results.read_text(encoding="utf-8"))
        if figure.exists():
            shutil.copy(figure, _BENCH_TARGET / figure.name)
            text += (
                f"\n.. figure:: _generated_bench/{figure.name}\n"
                "   :width: 90%\n\n"
                "   Fit time of each skl_softmax estimator divided by that of its "
                "scikit-learn\n"
                "   counterpart (below 1: skl_softmax is faster), from\n"
                "   ``benchmarks/results/time_ratio.png``.\n"
            )
    (_BENCH_TARGET / "results.rst").write_text(text, encoding="utf-8")
    # Cases rerun after that table (later code, another machine): their own
    # tables, newest first, each under the run's folder name.
    later = []
    for source in later_results():
        folder = source.parent.relative_to(_BENCH_SOURCE).as_posix()
        later += [
            f".. rubric:: Later run: ``benchmarks/results/{folder}/``",
            "",
            _markdown_to_rst(source.read_text(encoding="utf-8")),
        ]
    (_BENCH_TARGET / "later.rst").write_text(
        "\n".join(later) or "No later runs.\n", encoding="utf-8"
    )


# -- docstrings inherited from scikit-learn -----------------------------------

# scikit-learn's docstrings (``score``, ``get_metadata_routing``, ``set_*_request``)
# cite labels and glossary terms of scikit-learn's own documentation. Without its
# intersphinx inventory those are undefined-label warnings; offline, they are
# rendered as plain text instead.
_SKLEARN_ROLE = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<[^`>]*>)?`")
# numpydoc renders ``(n_features_in_,)`` in a type as a reference to the
# hyperlink target ``n_features_in``; show attribute names in types as literals.
_TRAILING_UNDERSCORE = re.compile(r"(?<![`\w])([a-z]\w*_)(?=[,)\]])")


def _process_docstring(app, what, name, obj, options, lines):
    from_sklearn = getattr(obj, "__module__", "") or ""
    for i, line in enumerate(lines):
        if from_sklearn.startswith("sklearn") and not intersphinx_mapping:
            line = _SKLEARN_ROLE.sub(lambda m: m.group(1).strip() or "", line)
        if "`" not in line and not line.lstrip().startswith(">>>"):
            line = _TRAILING_UNDERSCORE.sub(r"``\1``", line)
        lines[i] = line


# -- API completeness ----------------------------------------------------------


def _check_api_page(app):
    """Warn (an error under -W) when a public name is missing from api.rst."""
    listed = (DOCS / "api.rst").read_text(encoding="utf-8").split()
    missing = [n for n in skl_softmax.__all__ if n.isidentifier() and n[0] != "_"]
    missing = [n for n in missing if n not in listed]
    if missing:
        from sphinx.util import logging

        logging.getLogger(__name__).warning(
            "public names missing from docs/api.rst: %s", ", ".join(missing)
        )


def setup(app):
    app.connect("builder-inited", _write_benchmark_page)
    app.connect("builder-inited", _check_api_page)
    app.connect("autodoc-process-docstring", _process_docstring)
