"""The command-line main job: three linear classifiers, each tuned by cross-validation.

``python -m skl_softmax`` (or the installed ``skl-softmax``) runs, on a bundled
data set or the user's CSV file, a cross-validated grid search over ``C`` for
:class:`~skl_softmax.SoftmaxRegression`, :class:`~skl_softmax.OneVsRestLogistic`
and scikit-learn's ``LogisticRegression``, each after a ``StandardScaler`` in a
pipeline, and prints one table: the best ``C`` (by cross-validated log-loss),
the cross-validated accuracy and log-loss at that ``C``, the mean time of one
fit and the solver iterations of the final fit. Progress goes to standard
error, results to standard output (``--json`` for machine-readable output,
``--plot`` for a figure).

Errors in the user's input (a missing file or column, non-numeric features,
a missing target value, numbers too large to standardise, too few rows, an
unwritable plot path, matplotlib not installed) end with one line on standard
error and exit status 2, never a traceback, not even one folded into that
line; output that cannot be written (a full disk, standard output closed)
ends with one line and exit status 1.
"""

import argparse
import csv
import json
import math
import os
import platform
import sys
import time
import warnings

import numpy as np

# Exit status for bad input, as argparse uses for bad options.
_USAGE_ERROR = 2
_PROG = "skl-softmax"
_DATASETS = ("digits", "iris", "wine", "breast_cancer")
_DEFAULT_C_GRID = (0.01, 0.1, 1.0, 10.0)
# Large enough that none of the three solvers stops early on the bundled data
# over the default grid, so that iteration counts compare converged fits.
_MAX_ITER = 1000


class InputError(Exception):
    """Bad input from the user: reported as one line, exit status 2."""


def _c_grid(text):
    """Parse ``--C-grid``: comma-separated positive numbers (``inf`` allowed)."""
    parts = [part.strip() for part in text.split(",")]
    if not all(parts):
        # "1,,2" or "1,2,": a value left out is a typo, not a shorter grid.
        raise argparse.ArgumentTypeError(
            f"must be comma-separated numbers with no empty entry, such as "
            f"0.1,1,10. Got {text!r} instead."
        )
    try:
        values = [float(part) for part in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be comma-separated numbers, such as 0.1,1,10. Got {text!r} instead."
        ) from None
    if not values or any(not value > 0 for value in values):
        raise argparse.ArgumentTypeError(
            f"must be positive numbers. Got {text!r} instead."
        )
    tiny = [
        part for part, value in zip(parts, values, strict=True) if math.isinf(1 / value)
    ]
    if tiny:
        # 1/C, the penalty's weight, overflows: LogisticRegression floods
        # RuntimeWarnings there.
        raise argparse.ArgumentTypeError(
            f"must be numbers whose inverse is finite (C of at least about "
            f"{1 / np.finfo(float).max:.3g}). Got {tiny[0]} in {text!r} instead."
        )
    return sorted(set(values))


def _folds(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 2:
        raise argparse.ArgumentTypeError(
            f"must be an integer of at least 2. Got {text!r} instead."
        )
    return value


def _package_version():
    from . import __version__

    return __version__


def _parser():
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description=(
            "Compare SoftmaxRegression, OneVsRestLogistic and scikit-learn's "
            "LogisticRegression. Each model follows a StandardScaler in a "
            "pipeline; a stratified k-fold grid search over C picks its best C "
            "by log-loss. The table gives, at that C, the cross-validated "
            "accuracy and log-loss, the mean time of one fit, and the L-BFGS "
            "iterations of the final fit on all the data. Progress is printed "
            "on standard error."
        ),
        epilog=(
            "Exit status: 0 on success, 2 for bad options or bad input (one "
            "line on standard error). Without options it runs on the bundled "
            "digits data."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {_package_version()}"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--dataset",
        choices=_DATASETS,
        default="digits",
        help="a data set bundled with scikit-learn (default: digits)",
    )
    source.add_argument(
        "--csv",
        metavar="PATH",
        help=(
            "your own data: a CSV file with a header row, numeric feature "
            "columns and a class column named by --target"
        ),
    )
    parser.add_argument(
        "--target",
        metavar="COLUMN",
        help="with --csv: the name of the column holding the class labels",
    )
    parser.add_argument(
        "--C-grid",
        dest="C_grid",
        type=_c_grid,
        default=list(_DEFAULT_C_GRID),
        metavar="C1,C2,...",
        help=(
            "values of the inverse penalty strength C to search "
            "(default: 0.01,0.1,1,10)"
        ),
    )
    parser.add_argument(
        "--cv",
        type=_folds,
        default=3,
        metavar="K",
        help="number of cross-validation folds (default: 3)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the results as JSON on standard output instead of a table",
    )
    parser.add_argument(
        "--plot",
        metavar="FILE.png",
        help=(
            "also save a figure of cross-validated log-loss and accuracy against "
            "C for the three models (needs matplotlib: pip install "
            "'skl_softmax[plot]')"
        ),
    )
    return parser


# -- data ---------------------------------------------------------------------


def _bundled(name):
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")()
    return name, bunch.data, bunch.target, list(bunch.feature_names)


def _check_scale(X, feature_names):
    """Every column must survive the StandardScaler that precedes each model.

    Numbers near 1e300 are finite, but their squares overflow: the scaler's
    variance is infinite and the models would see NaN ("Input X contains
    NaN"), or unscaled columns they cannot fit. Say what is wrong instead.
    """
    from sklearn.preprocessing import StandardScaler

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scaler = StandardScaler().fit(X)
        scaled = scaler.transform(X)
    fine = (
        np.isfinite(scaler.mean_)
        & np.isfinite(scaler.var_)
        & np.isfinite(scaled).all(axis=0)
    )
    if fine.all():
        return
    column = int(np.flatnonzero(~fine)[0])
    largest = float(np.max(np.abs(X[:, column])))
    others = int((~fine).sum()) - 1
    also = f" (and {others} more column{'s' if others > 1 else ''})" if others else ""
    raise InputError(
        f"feature column {feature_names[column]!r}{also} holds numbers as large "
        f"as {largest:.3g}, too large to standardise: their squares overflow "
        "float64. Rescale it, for example divide it by a power of ten or take "
        "its logarithm."
    )


def _read_csv(path, target):
    """Numeric features and string labels from a CSV file with a header row."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            # Each row with the line of the file where it ends (a quoted
            # field may span lines), for the messages.
            rows = [(reader.line_num, row) for row in reader]
    except FileNotFoundError:
        raise InputError(f"--csv file {path!r} does not exist.") from None
    except IsADirectoryError:
        raise InputError(f"--csv {path!r} is a directory, not a file.") from None
    except UnicodeDecodeError:
        raise InputError(f"--csv file {path!r} is not UTF-8 text.") from None
    except (OSError, csv.Error) as error:
        raise InputError(f"cannot read --csv file {path!r}: {error}.") from None
    rows = [(line, row) for line, row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise InputError(f"--csv file {path!r} is empty; it needs a header row.")
    header = [name.strip() for name in rows[0][1]]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise InputError(
            f"the header of {path!r} names a column twice: {repeated[0]!r}; "
            "column names must be unique."
        )
    if target not in header:
        raise InputError(
            f"--target column {target!r} is not in {path!r}; its columns are "
            f"{', '.join(repr(name) for name in header)}."
        )
    if len(header) < 2:
        raise InputError(
            f"--csv file {path!r} has no feature columns besides {target!r}."
        )
    target_index = header.index(target)
    feature_index = [i for i in range(len(header)) if i != target_index]
    features, labels = [], []
    for line, row in rows[1:]:
        if len(row) != len(header):
            raise InputError(
                f"row {line} of {path!r} has {len(row)} fields; the header has "
                f"{len(header)}."
            )
        values = []
        for i in feature_index:
            cell = row[i].strip()
            if not cell:
                raise InputError(
                    f"feature column {header[i]!r} has a missing value in row {line} "
                    f"of {path!r}; fill it in or drop the row."
                )
            try:
                value = float(cell)
            except ValueError:
                raise InputError(
                    f"feature column {header[i]!r} must be numeric. Got {cell!r} "
                    f"in row {line} of {path!r} instead."
                ) from None
            if not math.isfinite(value):
                raise InputError(
                    f"feature column {header[i]!r} must hold finite numbers. Got "
                    f"{cell!r} in row {line} of {path!r} instead."
                )
            values.append(value)
        label = row[target_index].strip()
        if not label:
            raise InputError(
                f"--target column {target!r} is empty in row {line} of {path!r}."
            )
        if label in _MISSING_MARKERS:
            raise InputError(
                f"--target column {target!r} has a missing value ({label!r}) in row "
                f"{line} of {path!r}; drop the row or give it a class."
            )
        features.append(values)
        labels.append(label)
    name = os.path.basename(path)
    return (
        name,
        np.array(features, dtype=float).reshape(-1, len(feature_index)),
        _class_labels(labels, target),
        [header[i] for i in feature_index],
    )


# What ``pandas.read_csv`` reads as a missing value by default (its
# ``na_values``): a class label must not be one of them.
_MISSING_MARKERS = frozenset(
    "#N/A,#N/A N/A,#NA,-1.#IND,-1.#QNAN,-NaN,-nan,1.#IND,1.#QNAN,<NA>,N/A,NA,"
    "NULL,NaN,None,n/a,nan,null".split(",")
)


def _class_labels(labels, target):
    """The class labels of the --target column's cells.

    Cells that are all whole numbers (within int64) are integers, as a CSV
    reader such as ``pandas.read_csv`` reads them: ``1``, ``1.0`` and ``01``
    are one class.
    Numbers some of which are not whole are a continuous target, which
    scikit-learn's classifiers refuse ("Unknown label type: continuous"):
    here they would be read as that many classes of one row. Other cells
    are labels as written.
    """
    numbers = []
    for label in labels:
        try:
            numbers.append(float(label))
        except ValueError:
            return np.array(labels)
    infinite = [
        label for label, x in zip(labels, numbers, strict=True) if math.isinf(x)
    ]
    if infinite:
        raise InputError(
            f"--target column {target!r} holds {infinite[0]!r}, an infinite "
            "number, where a classifier needs class labels."
        )
    fractional = [
        label
        for label, x in zip(labels, numbers, strict=True)
        if not float(x).is_integer()
    ]
    if fractional:
        raise InputError(
            f"--target column {target!r} holds numbers that are not whole "
            f"(such as {fractional[0]!r}): a continuous target, where a "
            "classifier needs class labels."
        )
    # Integers from their text where it is one (exact beyond 2**53, where
    # floats merge neighbours), from the float otherwise ("1.0", "1e3").
    integers = [
        _integer_text(label, x) for label, x in zip(labels, numbers, strict=True)
    ]
    if all(-(2**63) <= value < 2**63 for value in integers):
        return np.array(integers, dtype=np.int64)
    return np.array(labels)  # beyond int64 (1e20), which classifiers refuse


def _integer_text(label, number):
    """``label`` as a Python int: its text where it is an integer, else ``number``."""
    if "_" not in label:  # int() reads "1_000", a CSV reader does not
        try:
            return int(label)
        except ValueError:
            pass
    return int(number)


def _check_enough_rows(y, cv):
    """Stratified k-fold needs two classes and at least ``cv`` rows of each."""
    classes, counts = np.unique(y, return_counts=True)
    if classes.shape[0] < 2:
        found = (
            "no rows" if classes.shape[0] == 0 else f"only class {str(classes[0])!r}"
        )
        raise InputError(
            f"too few rows: classification needs at least 2 classes. Got {found} "
            "instead."
        )
    rarest = int(np.argmin(counts))
    if counts[rarest] < cv:
        raise InputError(
            f"too few rows: {cv}-fold cross-validation needs at least {cv} rows of "
            f"every class. Got {counts[rarest]} of class {str(classes[rarest])!r} "
            "instead; add rows or lower --cv."
        )


# -- the comparison -----------------------------------------------------------


def _models():
    from sklearn.linear_model import LogisticRegression

    from ._one_vs_rest import OneVsRestLogistic
    from ._softmax_regression import SoftmaxRegression

    return {
        "SoftmaxRegression": SoftmaxRegression(max_iter=_MAX_ITER),
        "OneVsRestLogistic": OneVsRestLogistic(max_iter=_MAX_ITER),
        "LogisticRegression": LogisticRegression(max_iter=_MAX_ITER),
    }


def _search(name, model, X, y, C_grid, cv):
    """Grid search over C; the row of the table and the curves of the plot."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    search = GridSearchCV(
        Pipeline([("scale", StandardScaler()), ("model", model)]),
        {"model__C": C_grid},
        scoring={"accuracy": "accuracy", "log_loss": "neg_log_loss"},
        refit="log_loss",
        cv=StratifiedKFold(n_splits=cv),
        # A failing fit raises its own error (reported as one line by `run`),
        # not a summary with every worker's traceback.
        error_score="raise",
    )
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        search.fit(X, y)
    seconds = time.perf_counter() - start
    not_converged = 0
    for caught_warning in caught:
        if issubclass(caught_warning.category, ConvergenceWarning):
            not_converged += 1
        else:
            warnings.warn_explicit(
                caught_warning.message,
                caught_warning.category,
                caught_warning.filename,
                caught_warning.lineno,
            )
    results = search.cv_results_
    best = search.best_index_
    n_iter = np.asarray(search.best_estimator_[-1].n_iter_)
    return {
        "model": name,
        "best_C": float(search.best_params_["model__C"]),
        "accuracy": float(results["mean_test_accuracy"][best]),
        "log_loss": float(-results["mean_test_log_loss"][best]),
        "fit_seconds": float(results["mean_fit_time"][best]),
        "n_iter": int(n_iter.max()),
        "search_seconds": seconds,
        "convergence_warnings": not_converged,
        "curve": {
            "C": [float(c) for c in results["param_model__C"]],
            "accuracy": [float(a) for a in results["mean_test_accuracy"]],
            "log_loss": [float(-s) for s in results["mean_test_log_loss"]],
        },
    }


def _one_line(error):
    """The message of ``error`` on one line, without any traceback in it.

    With ``error_score="raise"`` the search re-raises the fit's own error, not
    its summary of failed fits, which embeds the tracebacks of the workers;
    whatever follows a "Traceback" is cut all the same.
    """
    message = str(error).split("Traceback (most recent call last)")[0]
    message = " ".join(message.split()).rstrip(" :-")
    return message or type(error).__name__


def _progress(message):
    if sys.stderr is not None:  # None when started with it closed (2>&-)
        print(message, file=sys.stderr, flush=True)


def _format_C(value):
    return "inf" if math.isinf(value) else f"{value:g}"


def _table(report):
    data = report["data"]
    lines = [
        f"{data['name']}: {data['n_samples']} samples, {data['n_features']} features, "
        f"{data['n_classes']} classes; {report['cv']}-fold cross-validation over "
        f"C in {{{', '.join(_format_C(c) for c in report['C_grid'])}}}",
        "",
        f"{'model':<20}{'best C':>8}{'accuracy':>10}{'log-loss':>10}"
        f"{'fit s':>9}{'iter':>6}",
    ]
    for row in report["results"]:
        mark = "*" if row["convergence_warnings"] else ""
        lines.append(
            f"{row['model']:<20}{_format_C(row['best_C']):>8}{row['accuracy']:>10.4f}"
            f"{row['log_loss']:>10.4f}{row['fit_seconds']:>9.3f}{row['n_iter']:>6d}"
            f"{mark}"
        )
    lines += [
        "",
        "best C: lowest cross-validated log-loss; accuracy, log-loss: cross-validated",
        "means at that C; fit s: mean time of one fit (scaler + model) at that C;",
        "iter: L-BFGS iterations of the final fit on all rows (OneVsRestLogistic:",
        "the largest over its labels).",
    ]
    if data["n_classes"] == 2:
        lines.append(
            "two classes: SoftmaxRegression(C) is LogisticRegression(2C), so its "
            "best C\ncan be half theirs."
        )
    if any(row["convergence_warnings"] for row in report["results"]):
        lines.append(
            f"*: some fits warned (ConvergenceWarning): max_iter={_MAX_ITER} reached,"
            "\nor separable data with C=inf, which has no optimum."
        )
    return "\n".join(lines)


# One style per model, in the order of the table. SoftmaxRegression and
# LogisticRegression draw the same curve for three or more classes: a large
# hollow circle on a solid line under a small cross on a dotted line keeps both
# visible where they coincide, and a dashed line with squares is the third.
_STYLES = (
    {
        "marker": "o",
        "linestyle": "-",
        "markersize": 11,
        "markerfacecolor": "none",
        "linewidth": 2.5,
        "zorder": 1,
    },
    {"marker": "s", "linestyle": "--", "markersize": 6, "linewidth": 1.8, "zorder": 2},
    {
        "marker": "x",
        "linestyle": ":",
        "markersize": 8,
        "markeredgewidth": 2,
        "linewidth": 1.8,
        "zorder": 3,
    },
)


def _figure(report):
    """The figure of ``--plot``: log-loss and accuracy against C, per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    # The grid is shown as evenly spaced categories: it is usually logarithmic,
    # and C=inf has no place on a numeric axis.
    positions = {c: i for i, c in enumerate(report["C_grid"])}
    for number, row in enumerate(report["results"]):
        curve = row["curve"]
        x = [positions[c] for c in curve["C"]]
        style = _STYLES[number % len(_STYLES)]
        ax_loss.plot(x, curve["log_loss"], label=row["model"], **style)
        ax_acc.plot(x, curve["accuracy"], label=row["model"], **style)
    for ax, label in [(ax_loss, "log-loss"), (ax_acc, "accuracy")]:
        ax.set_xticks(range(len(positions)), [_format_C(c) for c in positions])
        ax.set(xlabel="C", ylabel=f"cross-validated {label}")
    ax_loss.legend()
    fig.suptitle(
        f"{report['data']['name']}: {report['cv']}-fold cross-validation, "
        "StandardScaler + model"
    )
    return fig


def _plot(report, path):
    import matplotlib.pyplot as plt

    fig = _figure(report)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _check_plot_target(path):
    """Fail before the long run if the figure cannot be made or written."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError(
            "--plot needs matplotlib, which is not installed; install it with "
            "pip install 'skl_softmax[plot]' (or pip install matplotlib)."
        ) from None
    if not path.lower().endswith(".png"):
        raise InputError(f"--plot must name a .png file. Got {path!r} instead.")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InputError(f"--plot directory {directory!r} does not exist.")
    if os.path.isdir(path):
        raise InputError(f"--plot {path!r} is a directory, not a file.")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise InputError(f"--plot file {path!r} exists and is not writable.")
    if not os.access(directory, os.W_OK):
        raise InputError(f"--plot directory {directory!r} is not writable.")


def _jsonable(value):
    """``report`` with infinite values of C as the string "inf": strict JSON."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _versions():
    import scipy
    import sklearn

    from . import __version__

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "skl_softmax": __version__,
    }


def run(args):
    """Load the data, run the three searches and write the outputs."""
    if args.csv is not None and args.target is None:
        raise InputError("--csv needs --target COLUMN, the column of class labels.")
    if args.target is not None and args.csv is None:
        raise InputError("--target only applies together with --csv PATH.")
    if args.plot is not None:
        _check_plot_target(args.plot)
    if args.csv is not None:
        name, X, y, feature_names = _read_csv(args.csv, args.target)
    else:
        name, X, y, feature_names = _bundled(args.dataset)
    _check_enough_rows(y, args.cv)
    _check_scale(X, feature_names)
    n_classes = int(np.unique(y).shape[0])
    _progress(
        f"{name}: {X.shape[0]} samples, {X.shape[1]} features, {n_classes} classes"
    )
    models = _models()
    results = []
    for number, (model_name, model) in enumerate(models.items(), start=1):
        _progress(
            f"[{number}/{len(models)}] {model_name}: {len(args.C_grid)} values of C "
            f"x {args.cv} folds ..."
        )
        try:
            row = _search(model_name, model, X, y, args.C_grid, args.cv)
        except (ValueError, ArithmeticError) as error:
            # Data the models reject (validated by scikit-learn) is bad input too.
            raise InputError(
                f"{model_name} cannot fit this data: {_one_line(error)}"
            ) from None
        _progress(
            f"[{number}/{len(models)}] {model_name}: done in "
            f"{row['search_seconds']:.1f} s, best C = {_format_C(row['best_C'])}"
        )
        results.append(row)
    report = {
        "data": {
            "name": name,
            "n_samples": int(X.shape[0]),
            "n_features": int(X.shape[1]),
            "n_classes": n_classes,
        },
        "cv": args.cv,
        "C_grid": args.C_grid,
        "results": results,
        "versions": _versions(),
    }
    # The results first: a figure that cannot be written loses nothing else.
    if args.json:
        _print(json.dumps(_jsonable(report), indent=2, allow_nan=False))
    else:
        _print(_table(report))
    if args.plot is not None:
        try:
            _plot(report, args.plot)
        except OSError as error:  # changed since _check_plot_target, a full disk
            raise InputError(
                f"cannot write the --plot figure {args.plot!r}: "
                f"{error.strerror or error}."
            ) from None
        _progress(f"figure saved to {args.plot}")
    return 0


def _print(text):
    """Print ``text`` to standard output, escaping what its encoding lacks.

    A terminal or pipe in ASCII or Latin-1 (``PYTHONIOENCODING``, an old
    locale) cannot encode every column or file name: those characters are
    written as backslash escapes (``\\xe4``), as Python writes them to
    standard error.
    """
    try:
        print(text)
    except UnicodeEncodeError:
        encoding = sys.stdout.encoding or "ascii"
        print(text.encode(encoding, "backslashreplace").decode(encoding))


def main(argv=None):
    """Run the command line with ``argv`` (default ``sys.argv[1:]``).

    Parameters
    ----------
    argv : list of str, default=None
        The arguments, without the program name.

    Returns
    -------
    status : int
        0 on success, 2 for bad options or bad input.
    """
    args = _parser().parse_args(argv)
    if sys.stdout is None:  # started with standard output closed (>&-)
        if sys.stderr is not None:
            print(f"{_PROG}: error: standard output is closed", file=sys.stderr)
        return 1
    try:
        status = run(args)
        sys.stdout.flush()  # a full disk or a closed pipe shows here
        return status
    except InputError as error:
        print(f"{_PROG}: error: {error}", file=sys.stderr)
        return _USAGE_ERROR
    except KeyboardInterrupt:
        print(f"{_PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): as other command-line tools, stop
        # quietly. Python's own flush at exit would fail again, so standard
        # output is pointed at devnull first (the recipe of Python's docs).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for such a pipe
    except OSError as error:
        if error.filename is not None:  # reading a file: run() names those
            raise
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        print(f"{_PROG}: error: cannot write the output: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
