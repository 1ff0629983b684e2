"""numpydoc validation of every public docstring, so the documentation cannot rot.

The ignore list is scikit-learn's own (``sklearn/tests/test_docstrings.py``),
shortened to the codes that apply here.
"""

import inspect

import pytest
from numpydoc.validate import validate

import skl_softmax

# Ignored everywhere:
#   RT02  "The first line of the Returns section should contain only the type":
#         scikit-learn names returned values (``proba : ndarray of shape ...``).
#   GL01, GL02  Where the summary starts and the closing quotes go: a matter of
#         layout that ruff's formatter already fixes.
IGNORED = {"RT02", "GL01", "GL02"}
# Ignored for methods only (the class docstring carries them), as scikit-learn:
#   ES01  No extended summary.   SA01  No See Also.   EX01  No Examples.
IGNORED_FOR_METHODS = {"ES01", "SA01", "EX01"}

PUBLIC = [name for name in skl_softmax.__all__ if name != "__version__"]


def _public_methods():
    for name in PUBLIC:
        obj = getattr(skl_softmax, name)
        if not inspect.isclass(obj):
            continue
        for method_name, method in inspect.getmembers(obj):
            if method_name.startswith("_") or not callable(method):
                continue
            yield f"skl_softmax.{name}.{method_name}"


def _errors(qualified_name, ignored):
    result = validate(qualified_name)
    return [
        f"{code}: {message}"
        for code, message in result["errors"]
        if code not in ignored
    ]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_object_docstring_is_valid(name):
    errors = _errors(f"skl_softmax.{name}", IGNORED)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("qualified_name", list(_public_methods()))
def test_public_method_docstring_is_valid(qualified_name):
    errors = _errors(qualified_name, IGNORED | IGNORED_FOR_METHODS)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("name", PUBLIC)
def test_public_object_has_examples(name):
    docstring = inspect.getdoc(getattr(skl_softmax, name))
    assert "\nExamples\n--------\n" in docstring
    assert ">>> " in docstring.split("\nExamples\n--------\n", 1)[1]


def test_public_names_are_documented_and_exported():
    for name in PUBLIC:
        assert hasattr(skl_softmax, name), name
    assert isinstance(skl_softmax.__version__, str)
