"""The layer contract in pyproject.toml holds, and it catches an upward import, even one hidden
inside a function."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.nodb


def lint_imports(cwd: Path, package_parent: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(package_parent), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layers_are_kept():
    result = lint_imports(REPOSITORY, REPOSITORY / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_upward_import_inside_a_function_breaks_the_contract(tmp_path):
    shutil.copy(REPOSITORY / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(
        REPOSITORY / "src" / "reprostore",
        tmp_path / "src" / "reprostore",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    listing = tmp_path / "src" / "reprostore" / "records" / "listing.py"
    listing.write_text(
        listing.read_text() + "\n\ndef sneaky():\n    from reprostore.web import views  # noqa\n"
    )
    result = lint_imports(tmp_path, tmp_path / "src")
    assert result.returncode != 0
    assert "reprostore.records.listing -> reprostore.web.views" in result.stdout
