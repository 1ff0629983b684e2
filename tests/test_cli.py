"""The command-line main job: its runs end to end through a subprocess.

Every run uses the small iris data and a two-value grid, so that the whole
module takes seconds; the default digits run is the README's first command.
The many bad inputs call ``main`` in this process (a subprocess costs 3-4 s
of imports here): the same exit status and output, and the suite's warnings
are errors, as ``-W error`` makes them in the subprocess. One bad option and
a missing extra still go through a process of their own.
"""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import skl_softmax
import skl_softmax._cli as cli

FAST = ["--dataset", "iris", "--C-grid", "0.1,1", "--cv", "3"]
MODELS = ["SoftmaxRegression", "OneVsRestLogistic", "LogisticRegression"]


def run_cli(*args):
    """Run ``python -m skl_softmax *args``; return the completed process.

    ``-W error``: the main job must not warn, as the test suite must not.
    """
    command = [sys.executable, "-W", "error", "-m", "skl_softmax", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def run_main(capsys, *args):
    """Run ``main(args)`` in this process; what ``run_cli`` would return."""
    try:
        status = cli.main(list(args))
    except SystemExit as exit:  # argparse's errors
        status = exit.code
    out, err = capsys.readouterr()
    return SimpleNamespace(returncode=status, stdout=out, stderr=err)


def assert_one_line_error(process, *fragments):
    """Exit status 2, no output, one line on stderr that names the problem."""
    assert process.returncode == 2, process.stderr
    assert process.stdout == ""
    assert "Traceback" not in process.stderr
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1, process.stderr
    assert lines[0].startswith("skl-softmax: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def iris_csv(tmp_path):
    """Iris as a CSV file with named columns and string labels."""
    iris = load_iris()
    path = tmp_path / "iris.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sepal length", "sepal width", "petal length", "species"])
        for row, label in zip(iris.data[:, :3], iris.target, strict=True):
            writer.writerow([*row, iris.target_names[label]])
    return path


@pytest.fixture(scope="module")
def table_run():
    """One default-format run on iris, shared by the tests that read it."""
    return run_cli(*FAST)


@pytest.fixture(scope="module")
def json_plot_run(tmp_path_factory):
    """One ``--json --plot`` run; returns the process and the figure's path."""
    figure = tmp_path_factory.mktemp("plot") / "comparison.png"
    return run_cli(*FAST, "--json", "--plot", str(figure)), figure


def write_csv(path, rows):
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_table_lists_every_model_with_its_scores(table_run):
    process = table_run
    assert process.returncode == 0, process.stderr
    assert "Traceback" not in process.stderr
    lines = process.stdout.splitlines()
    assert lines[0].startswith("iris: 150 samples, 4 features, 3 classes; 3-fold")
    header = next(line for line in lines if line.startswith("model"))
    for column in ["best C", "accuracy", "log-loss", "fit s", "iter"]:
        assert column in header
    for model in MODELS:
        row = next(line for line in lines if line.startswith(model))
        best_C, accuracy, log_loss, seconds, n_iter = row.split()[1:6]
        assert float(best_C) in (0.1, 1.0)
        assert 0.8 <= float(accuracy) <= 1.0
        assert 0.0 < float(log_loss) < 1.0
        assert float(seconds) >= 0.0
        assert int(n_iter.rstrip("*")) > 0


def test_progress_goes_to_stderr(table_run):
    process = table_run
    assert process.returncode == 0
    for number, model in enumerate(MODELS, start=1):
        assert f"[{number}/3] {model}: done in" in process.stderr
    assert "[1/3]" not in process.stdout


def test_json_output_parses_and_matches_the_models(json_plot_run):
    process, _ = json_plot_run
    assert process.returncode == 0, process.stderr
    report = json.loads(process.stdout)
    assert report["data"] == {
        "name": "iris",
        "n_samples": 150,
        "n_features": 4,
        "n_classes": 3,
    }
    assert report["cv"] == 3
    assert report["C_grid"] == [0.1, 1.0]
    assert [row["model"] for row in report["results"]] == MODELS
    for row in report["results"]:
        assert row["best_C"] in (0.1, 1.0)
        assert 0.8 <= row["accuracy"] <= 1.0
        assert row["log_loss"] == min(row["curve"]["log_loss"])
        assert row["n_iter"] > 0
        assert row["curve"]["C"] == [0.1, 1.0]
    assert set(report["versions"]) >= {"numpy", "scipy", "scikit-learn"}


def test_softmax_and_logistic_regression_agree(json_plot_run):
    # Three classes: the same objective, so the same scores at the same best C.
    report = json.loads(json_plot_run[0].stdout)
    rows = {row["model"]: row for row in report["results"]}
    softmax, logistic = rows["SoftmaxRegression"], rows["LogisticRegression"]
    assert softmax["best_C"] == logistic["best_C"]
    np.testing.assert_allclose(softmax["log_loss"], logistic["log_loss"], rtol=1e-3)


def test_csv_input(iris_csv, capsys):
    process = run_main(
        capsys,
        "--csv",
        str(iris_csv),
        "--target",
        "species",
        "--C-grid",
        "1",
        "--cv",
        "2",
        "--json",
    )
    assert process.returncode == 0, process.stderr
    report = json.loads(process.stdout)
    assert report["data"] == {
        "name": "iris.csv",
        "n_samples": 150,
        "n_features": 3,
        "n_classes": 3,
    }


def test_plot_writes_a_png(json_plot_run):
    process, figure = json_plot_run
    assert process.returncode == 0, process.stderr
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "figure saved to" in process.stderr


def test_plot_without_matplotlib_is_a_clear_error(tmp_path):
    # Make `import matplotlib` fail in the child, as when the extra is missing.
    code = (
        "import sys; sys.modules['matplotlib'] = None; "
        "from skl_softmax._cli import main; "
        f"sys.exit(main({[*FAST, '--plot', str(tmp_path / 'x.png')]!r}))"
    )
    process = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert_one_line_error(process, "matplotlib", "skl_softmax[plot]")
    assert not (tmp_path / "x.png").exists()


def test_plot_into_a_missing_directory(tmp_path, capsys):
    process = run_main(
        capsys, *FAST, "--plot", str(tmp_path / "missing" / "figure.png")
    )
    assert_one_line_error(process, "does not exist")


def test_plot_naming_a_directory_fails_before_the_run(tmp_path, capsys):
    # It ran all three searches, then ended in a traceback from the image
    # writer (IsADirectoryError), the table never printed.
    directory = tmp_path / "figure.png"
    directory.mkdir()
    process = run_main(capsys, *FAST, "--plot", str(directory))
    assert_one_line_error(process, "is a directory")
    assert "[1/3]" not in process.stderr


def test_a_figure_that_cannot_be_written_keeps_the_table(tmp_path, capsys, monkeypatch):
    # A disk that fills during the run: the table is printed before the
    # figure is written, and the failure is one line.
    def full_disk(report, path):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(cli, "_plot", full_disk)
    process = run_main(capsys, *FAST, "--plot", str(tmp_path / "figure.png"))
    assert process.returncode == 2
    assert all(model in process.stdout for model in MODELS)
    last = process.stderr.strip().splitlines()[-1]
    assert last.startswith("skl-softmax: error: cannot write the --plot figure")
    assert "No space left on device" in last
    assert "Traceback" not in process.stderr


def test_closed_standard_output_is_one_line(tmp_path):
    # sys.stdout is None when the program starts with it closed: the final
    # flush raised AttributeError, with a traceback.
    command = f"{sys.executable} -W error -m skl_softmax {' '.join(FAST)} >&-"
    process = subprocess.run(
        ["sh", "-c", command], capture_output=True, text=True, timeout=300
    )
    assert process.returncode == 1
    assert process.stderr == "skl-softmax: error: standard output is closed\n"


def test_names_outside_the_output_encoding_are_escaped(tmp_path):
    # PYTHONIOENCODING=ascii (or an old locale) and a non-ASCII column or file
    # name: print raised UnicodeEncodeError, with a traceback.
    rows = [["länge", "ÿ"]] + [[i, "ab"[i % 2]] for i in range(12)]
    path = write_csv(tmp_path / "dätä.csv", rows)
    command = [sys.executable, "-W", "error", "-m", "skl_softmax", "--csv", str(path)]
    process = subprocess.run(
        [*command, "--target", "ÿ", "--cv", "2", "--C-grid", "1"],
        capture_output=True,
        timeout=300,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    assert process.returncode == 0, process.stderr
    assert b"d\\xe4t\\xe4.csv: 12 samples" in process.stdout
    assert all(model.encode() in process.stdout for model in MODELS)


@pytest.mark.parametrize("marker", ["NA", "nan", "null", "<NA>", "N/A"])
def test_missing_value_markers_in_the_target_are_missing_values(
    tmp_path, capsys, marker
):
    # "NA" and "null" became a class of their own, "nan" a "continuous
    # target"; pandas.read_csv reads them all as missing.
    labels = ["a", "b"] * 5 + [marker]
    path = write_csv(tmp_path / "t.csv", [["x", "t"], *enumerate(labels)])
    process = run_main(capsys, "--csv", str(path), "--target", "t")
    assert_one_line_error(process, f"missing value ({marker!r}) in row 12")


def test_an_infinite_target_is_named(tmp_path, capsys):
    labels = ["1", "2"] * 5 + ["-inf"]
    path = write_csv(tmp_path / "t.csv", [["x", "t"], *enumerate(labels)])
    process = run_main(capsys, "--csv", str(path), "--target", "t")
    assert_one_line_error(process, "'-inf', an infinite number")


def test_missing_csv_file(tmp_path, capsys):
    path = tmp_path / "absent.csv"
    process = run_main(capsys, "--csv", str(path), "--target", "y")
    assert_one_line_error(process, "absent.csv", "does not exist")


def test_missing_target_column(iris_csv, capsys):
    process = run_main(capsys, "--csv", str(iris_csv), "--target", "colour")
    assert_one_line_error(process, "'colour'", "'species'")


def test_non_numeric_feature(tmp_path, capsys):
    rows = [["height", "city", "label"]]
    rows += [[1.0 + i, "Paris" if i % 2 else "Oslo", i % 2] for i in range(12)]
    path = write_csv(tmp_path / "mixed.csv", rows)
    process = run_main(capsys, "--csv", str(path), "--target", "label")
    assert_one_line_error(process, "'city'", "numeric", "row 2")


def test_missing_value_in_a_feature(tmp_path, capsys):
    rows = [["a", "b", "label"]] + [[i, i * 2, i % 2] for i in range(12)]
    rows[5][1] = ""
    path = write_csv(tmp_path / "holes.csv", rows)
    process = run_main(capsys, "--csv", str(path), "--target", "label")
    assert_one_line_error(process, "'b'", "missing value", "row 6")


def test_too_few_rows(tmp_path, capsys):
    rows = [["a", "b", "label"]] + [[i, -i, i % 2] for i in range(4)]
    path = write_csv(tmp_path / "small.csv", rows)
    process = run_main(capsys, "--csv", str(path), "--target", "label", "--cv", "3")
    assert_one_line_error(process, "too few rows", "at least 3 rows of every class")


def test_single_class(tmp_path, capsys):
    rows = [["a", "label"]] + [[i, "spam"] for i in range(10)]
    path = write_csv(tmp_path / "one.csv", rows)
    process = run_main(capsys, "--csv", str(path), "--target", "label")
    assert_one_line_error(process, "too few rows", "at least 2 classes", "'spam'")


@pytest.mark.parametrize(
    "text, fragments",
    [
        ("", ["empty"]),
        ("a,b,label\n1,2,0\n3,1\n", ["row 3", "2 fields"]),
        # Blank lines were dropped before counting: the message said row 3
        # for what stands on line 5.
        ("a,b,label\n1,2,x\n\n\n2,zz,y\n", ["'zz' in row 5 of"]),
        # A repeated target column was "feature column 'label' must be numeric".
        ("a,label,label\n1,x,x\n2,y,y\n", ["names a column twice: 'label'"]),
    ],
    ids=["empty", "ragged", "blank lines", "a column named twice"],
)
def test_bad_csv_text_is_a_one_line_error(text, fragments, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    process = run_main(capsys, "--csv", str(path), "--target", "label")
    assert_one_line_error(process, *fragments)


def test_csv_without_target(iris_csv, capsys):
    process = run_main(capsys, "--csv", str(iris_csv))
    assert_one_line_error(process, "--target")


@pytest.mark.parametrize(
    "option",
    [
        ["--C-grid", "0,1"],
        ["--C-grid", "1,,2"],
        ["--C-grid", "1,2,"],
        ["--C-grid", ","],
        # 1/C overflows: LogisticRegression flooded RuntimeWarnings, exit 0.
        ["--C-grid", "1e-320,1"],
        ["--cv", "1"],
    ],
)
def test_bad_options_exit_2_without_traceback(option, capsys):
    process = run_main(capsys, *option)
    assert process.returncode == 2
    assert process.stdout == ""
    assert "Traceback" not in process.stderr
    assert process.stderr.strip().splitlines()[-1].startswith("skl-softmax: error:")


def test_a_continuous_target_is_named_as_scikit_learn_names_it(tmp_path, capsys):
    # It was read as classes of one row each ("needs at least 3 rows of every
    # class. Got 1 of class '0.5'"); scikit-learn refuses such y as continuous.
    from sklearn.utils.multiclass import type_of_target

    values = ["0.5", "1.25", "2", "0.5", "1.25", "2"]
    assert type_of_target(np.array(values, dtype=float)) == "continuous"
    path = tmp_path / "continuous.csv"
    path.write_text("a,label\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values)))
    process = run_main(capsys, "--csv", str(path), "--target", "label")
    assert_one_line_error(process, "continuous target", "'0.5'")
    # Whole numbers written as floats stay class labels, as for scikit-learn.
    assert type_of_target(np.array(["1.0", "2.0"], dtype=float)) == "binary"
    path.write_text("a,label\n" + "".join(f"{i},{i % 2}.0\n" for i in range(12)))
    assert run_main(capsys, "--csv", str(path), "--target", "label").returncode == 0


def test_whole_number_labels_written_differently_are_one_class(tmp_path, capsys):
    # "1", "1.0" and "01" were three classes (compared as text): "too few rows
    # ... Got 1 of class '1.0'". A CSV reader (pandas.read_csv) reads numbers.
    written = ["1", "2.0", "1.0", "2", "01", "2", "1", "2.00"] * 2
    path = tmp_path / "labels.csv"
    path.write_text("a,label\n" + "".join(f"{i},{v}\n" for i, v in enumerate(written)))
    process = run_main(capsys, "--csv", str(path), "--target", "label", "--cv", "2")
    assert process.returncode == 0, process.stderr
    assert "16 samples, 1 features, 2 classes" in process.stderr
    # Text labels stay as written; beyond int64, so do numbers.
    path.write_text(
        "a,label\n"
        + "".join(
            f"{i},{v}\n"
            for i, v in enumerate(
                ["1e20", "2", "1e20", "2", "100000000000000000000", "2"]
            )
        )
    )
    process = run_main(capsys, "--csv", str(path), "--target", "label", "--cv", "2")
    assert_one_line_error(process, "too few rows", "'100000000000000000000'")


def test_integer_labels_beyond_2_to_the_53_stay_distinct(tmp_path, capsys):
    # Read through float, 2**53 and 2**53 + 1 were one class ("at least 2
    # classes ... Got only class '9007199254740992'"); pandas.read_csv reads
    # two. Their data separate them only in a: a wrong merge fails the fit.
    big = 2**53
    rows = [f"{i % 2},{i},{big + i % 2}\n" for i in range(12)]
    path = tmp_path / "labels.csv"
    path.write_text("a,b,label\n" + "".join(rows))
    process = run_main(capsys, "--csv", str(path), "--target", "label", "--cv", "2")
    assert process.returncode == 0, process.stderr
    assert "12 samples, 2 features, 2 classes" in process.stderr


def test_c_grid_with_an_empty_entry_names_it(capsys):
    process = run_main(capsys, "--C-grid", "1,,2")
    assert "no empty entry" in process.stderr and "'1,,2'" in process.stderr


def test_version(capsys):
    process = run_main(capsys, "--version")
    assert process.returncode == 0, process.stderr
    assert process.stdout == f"skl-softmax {skl_softmax.__version__}\n"
    assert process.stderr == ""


def test_a_column_too_large_to_standardise_gets_a_message_about_its_scale(
    tmp_path,
    capsys,
):
    # Finite numbers near 1e300: their squares overflow in StandardScaler,
    # which used to reach the models as "Input X contains NaN".
    rng = np.random.default_rng(0)
    rows = [["small", "huge", "label"]]
    rows += [[rng.normal(), rng.normal() * 1e300, i % 2] for i in range(30)]
    path = write_csv(tmp_path / "huge.csv", rows)
    process = run_main(capsys, "--csv", str(path), "--target", "label")
    assert_one_line_error(process, "'huge'", "too large to standardise", "e+300")
    assert "NaN" not in process.stderr


def test_a_failing_fit_is_one_line_without_its_traceback(capsys, monkeypatch):
    # Make every fit of the first model fail, as data a model rejects would:
    # the search's summary of failed fits embeds the workers' tracebacks.
    class Refuses(LogisticRegression):
        def fit(self, X, y, **kwargs):
            raise ValueError("this model refuses\nthe data")

    monkeypatch.setattr(cli, "_models", lambda: {"Refuses": Refuses()})
    process = run_main(capsys, *FAST)
    # Progress lines come first; the error is one line, and the last.
    assert process.returncode == 2, process.stderr
    assert process.stdout == ""
    assert "Traceback" not in process.stderr and 'File "' not in process.stderr
    *progress, error = process.stderr.strip().splitlines()
    assert progress[-1].startswith("[1/1] Refuses:")
    assert error == (
        "skl-softmax: error: Refuses cannot fit this data: this model refuses the data"
    )


def test_plot_draws_every_model_in_its_own_style():
    # Three identical curves, as SoftmaxRegression and LogisticRegression give
    # for three classes: each must stay visible, with its own legend entry.
    from skl_softmax._cli import _figure

    curve = {"C": [0.1, 1.0], "accuracy": [0.9, 0.95], "log_loss": [0.3, 0.2]}
    report = {
        "data": {"name": "same"},
        "cv": 3,
        "C_grid": [0.1, 1.0],
        "results": [{"model": model, "curve": curve} for model in MODELS],
    }
    figure = _figure(report)
    try:
        for ax in figure.axes:
            lines = ax.get_lines()
            assert [line.get_label() for line in lines] == MODELS
            styles = {(line.get_marker(), line.get_linestyle()) for line in lines}
            assert len({marker for marker, _ in styles}) == 3
            assert len({linestyle for _, linestyle in styles}) == 3
            # Drawn on top of each other, later lines are thinner or smaller.
            sizes = [line.get_markersize() for line in lines]
            assert sizes[0] > sizes[2]
        legend = figure.axes[0].get_legend()
        assert [text.get_text() for text in legend.get_texts()] == MODELS
    finally:
        import matplotlib.pyplot as plt

        plt.close(figure)


def test_help_explains_every_option(capsys):
    process = run_main(capsys, "--help")
    assert process.returncode == 0
    options = ["--dataset", "--csv", "--target", "--C-grid", "--cv", "--json"]
    for option in [*options, "--version"]:
        assert option in process.stdout
    assert "--plot" in process.stdout and "matplotlib" in process.stdout
    assert "Exit status" in process.stdout


def test_installed_console_script():
    script = Path(sys.executable).with_name("skl-softmax")
    process = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=300
    )
    assert process.returncode == 0
    assert process.stdout.startswith("usage: skl-softmax")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_output_that_cannot_be_written_is_a_one_line_error(monkeypatch, capsys):
    # A full disk: the output's flush failed at exit with Python's traceback.
    # (In this process: the run's standard output is /dev/full, which main
    # points at devnull once it has reported the error.)
    with open("/dev/full", "w") as full:
        monkeypatch.setattr(sys, "stdout", full)
        status = cli.main(FAST)
    assert status == 1
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == (
        "skl-softmax: error: cannot write the output: [Errno 28] No space left "
        "on device"
    )


def test_a_reader_that_goes_away_stops_the_output_quietly():
    # `skl-softmax --json | head -1`: the reader closes the pipe before the
    # output is written; that raised BrokenPipeError with a traceback.
    command = [sys.executable, "-W", "error", "-m", "skl_softmax", "--json", *FAST]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    process.stdout.close()  # before the fits end and the output is written
    with process.stderr:
        stderr = process.stderr.read()
    assert process.wait(timeout=300) == 141
    assert "Traceback" not in stderr
    assert "BrokenPipeError" not in stderr
