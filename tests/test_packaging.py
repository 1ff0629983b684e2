"""The package as a user receives it: wheel, source distribution, metadata.

The wheel and the sdist are built here with hatchling's own builders (the
build backend of ``pyproject.toml``), offline, into a temporary folder. The
statements the README and the getting-started page make about requirements
are read back from ``pyproject.toml``, so that they cannot drift apart.
"""

import email
import re
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import skl_softmax

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
GETTING_STARTED = (ROOT / "docs" / "getting_started.rst").read_text(encoding="utf-8")


def _floors():
    """``{name: floor}`` of the runtime dependencies, e.g. ``{"numpy": "2.1"}``."""
    floors = {}
    for requirement in PYPROJECT["project"]["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement)
        assert match, f"dependency {requirement!r} must be written name>=floor"
        floors[match.group(1)] = match.group(2)
    return floors


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The wheel and the sdist, built from this checkout."""
    from hatchling.builders.sdist import SdistBuilder
    from hatchling.builders.wheel import WheelBuilder

    out = tmp_path_factory.mktemp("dist")
    wheel = next(iter(WheelBuilder(str(ROOT)).build(directory=str(out))))
    sdist = next(iter(SdistBuilder(str(ROOT)).build(directory=str(out))))
    return Path(wheel), Path(sdist)


def test_wheel_ships_the_license_and_declares_it(built):
    wheel, _ = built
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        dist_info = next(n.split("/")[0] for n in names if ".dist-info/" in n)
        license_path = f"{dist_info}/licenses/LICENSE"
        assert license_path in names
        shipped = archive.read(license_path).decode()
        metadata = email.message_from_bytes(archive.read(f"{dist_info}/METADATA"))
    assert shipped == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "BSD 3-Clause License" in shipped
    assert metadata["License-Expression"] == "BSD-3-Clause"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["Version"] == skl_softmax.__version__
    # The package itself, and nothing of the tests, docs or benchmarks.
    assert "skl_softmax/__init__.py" in names
    assert not any(n.startswith(("tests/", "docs/", "benchmarks/")) for n in names)


def test_sdist_ships_license_changelog_and_docs(built):
    _, sdist = built
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for path in ["LICENSE", "CHANGELOG.md", "README.md", "docs/user_guide.rst"]:
        assert path in names
    assert not any(name.startswith("docs/_build/") for name in names)


def test_readme_states_the_declared_floors():
    line = next(line for line in README.split("\n\n") if "Requirements:" in line)
    line = " ".join(line.split())
    python = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert f"Python ≥ {python}" in line
    for name, floor in _floors().items():
        assert re.search(rf"{re.escape(name)} ≥ {re.escape(floor)}\b", line, re.I), name


def test_getting_started_names_every_dependency_with_its_floor():
    text = " ".join(GETTING_STARTED.split())
    python = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert f"Python {python} or later" in text
    for name, floor in _floors().items():
        assert re.search(rf"{re.escape(name)} ≥ {re.escape(floor)}\b", text, re.I), name


def test_getting_started_gives_the_readme_commands():
    # CI runs the README's commands; the page must show the same ones.
    readme_block = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    page_block = re.search(r"code-block:: bash\n\n(.*?)\n\n", GETTING_STARTED, re.S)
    page_lines = [line.strip() for line in page_block.group(1).splitlines()]
    assert page_lines == readme_block.strip().splitlines()


def test_changelog_covers_the_current_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(skl_softmax.__version__)}\b", changelog, re.M)


def test_every_code_block_on_the_docs_pages_is_a_doctest():
    # pytest runs ">>>" examples of docs/*.rst (--doctest-glob); a plain Python
    # block would be prose that nothing checks. Shell blocks are the README's
    # commands, checked above and run by CI.
    for page in sorted((ROOT / "docs").glob("*.rst")):
        text = page.read_text(encoding="utf-8")
        blocks = re.findall(
            r"^\.\. code-block:: (\w+)\n\n((?:   .*\n|\n)*)", text, re.M
        )
        for language, body in blocks:
            assert language in ("pycon", "bash"), f"{page.name}: {language} block"
            if language == "pycon":
                assert body.lstrip().startswith(">>>"), f"{page.name}: {body[:60]}"
        assert not re.search(r"^\.\. code::|^\.\. sourcecode::", text, re.M)
