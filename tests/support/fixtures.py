"""Where the test data lives: tests/fixtures/, inside the repository (see its README.md)."""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OUTPACK_FIXTURES = FIXTURES / "outpack"
