"""Where the shared test data lives: `shared/` beside the repository, as on CI."""

from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared"
OUTPACK_FIXTURES = SHARED / "fixtures" / "outpack"
