"""A database that can't be reached stops `init` and `serve` with one line saying so, not a
traceback, and never shows the password (issue 12)."""

import pytest

from tests.support.server import free_port, reprostore

pytestmark = pytest.mark.nodb


@pytest.mark.parametrize("verb", ["init", "serve"])
def test_a_closed_port_is_one_line_naming_the_database(tmp_path, verb):
    url = f"postgres://ann:s3cret@127.0.0.1:{free_port()}/store"
    result = reprostore(verb, root=tmp_path / "store", database_url=url, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Can't use the database postgres://ann:***@127.0.0.1:" in lines[0]
    assert "Connection refused" in lines[0]
    assert "s3cret" not in result.stderr + result.stdout
