"""The reprostore command moves --root/--database into the environment before Django starts."""

import pytest

from reprostore.cli import take_global_options

pytestmark = pytest.mark.nodb


@pytest.mark.parametrize(
    "argv, rest, environ",
    [
        (
            ["rs", "serve", "--root", "/s", "--port", "1"],
            ["rs", "serve", "--port", "1"],
            {"REPROSTORE_ROOT": "/s"},
        ),
        (
            ["rs", "migrate", "--database=postgres://u@h/d"],
            ["rs", "migrate"],
            {"REPROSTORE_DATABASE_URL": "postgres://u@h/d"},
        ),
        (
            ["rs", "init", "/new", "--path-archive", "a"],
            ["rs", "init", "/new", "--path-archive", "a"],
            {"REPROSTORE_ROOT": "/new"},
        ),
        (["rs", "demo", "--root", "/x"], ["rs", "demo"], {"REPROSTORE_ROOT": "/x"}),
        (["rs", "query", "latest"], ["rs", "query", "latest"], {}),
    ],
)
def test_global_options_become_environment(argv, rest, environ):
    seen = {}
    assert take_global_options(argv, seen) == rest
    assert seen == environ


def test_a_global_option_without_value_is_an_error():
    with pytest.raises(SystemExit, match="--root needs a value"):
        take_global_options(["rs", "serve", "--root"], {})
