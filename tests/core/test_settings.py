"""Settings from the environment are read strictly, and a bad one stops start-up by name."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from reprostore.lib import env
from reprostore.lib.conf import DEFAULTS, OUTPACK_ANONYMOUS_LEVELS

# Settings are read the same whatever the database: these run in the SQLite pass only.
pytestmark = pytest.mark.nodb


@pytest.mark.parametrize("word", ["1", "true", "True", "YES", "on", " On "])
def test_words_for_true(word):
    assert env.parse_bool("REPROSTORE_DEBUG", word) is True


@pytest.mark.parametrize("word", ["0", "false", "FALSE", "no", "Off"])
def test_words_for_false(word):
    assert env.parse_bool("REPROSTORE_DEBUG", word) is False


@pytest.mark.parametrize("word", ["maybe", "2", "y", "enabled", "truee"])
def test_any_other_word_is_refused_by_name(word):
    with pytest.raises(ImproperlyConfigured) as error:
        env.parse_bool("REPROSTORE_DEBUG", word)
    assert str(error.value).startswith(f"REPROSTORE_DEBUG is '{word}': expected true or false")


@pytest.mark.parametrize(
    "parse, value, expected",
    [
        (env.parse_int, "60", 60),
        (env.parse_int, " 0 ", 0),
        (env.parse_float, "0.5", 0.5),
        (env.parse_float, "60", 60.0),
    ],
)
def test_numbers(parse, value, expected):
    assert parse("REPROSTORE_X", value, minimum=0) == expected


@pytest.mark.parametrize(
    "parse, value, expected",
    [
        (env.parse_int, "sixty", "a whole number"),
        (env.parse_int, "1.5", "a whole number"),
        (env.parse_int, "64MB", "a whole number"),
        (env.parse_int, "-1", "a whole number of at least 0"),
        (env.parse_float, "soon", "a number"),
        (env.parse_float, "nan", "a finite number"),
        (env.parse_float, "inf", "a finite number"),
        (env.parse_float, "-0.1", "a number of at least 0"),
    ],
)
def test_a_bad_number_is_refused_by_name_not_with_a_bare_value_error(parse, value, expected):
    with pytest.raises(ImproperlyConfigured) as error:
        parse("REPROSTORE_X", value, minimum=0)
    assert str(error.value) == f"REPROSTORE_X is '{value}': expected {expected}"


def test_unset_and_empty_variables_take_the_default():
    for environ in ({}, {"REPROSTORE_X": ""}, {"REPROSTORE_X": "  "}):
        assert env.env_bool("REPROSTORE_X", True, environ) is True
        assert env.env_int("REPROSTORE_X", 7, environ=environ) == 7
        assert env.env_float("REPROSTORE_X", 0.5, environ=environ) == 0.5
        assert env.env_choice("REPROSTORE_X", "read", ("write", "read"), environ) == "read"
        assert env.env_str("REPROSTORE_X", "here", environ) == "here"


def test_a_set_variable_is_read():
    environ = {"REPROSTORE_X": "off", "REPROSTORE_N": "3", "REPROSTORE_C": "READ"}
    assert env.env_bool("REPROSTORE_X", True, environ) is False
    assert env.env_int("REPROSTORE_N", 7, environ=environ) == 3
    assert env.env_choice("REPROSTORE_C", "write", OUTPACK_ANONYMOUS_LEVELS, environ) == "read"
    with pytest.raises(ImproperlyConfigured, match="REPROSTORE_C is 'everyone': expected one of"):
        env.env_choice(
            "REPROSTORE_C", "write", OUTPACK_ANONYMOUS_LEVELS, {"REPROSTORE_C": "everyone"}
        )


def test_lists_are_comma_separated():
    environ = {"REPROSTORE_HOSTS": " a.example , ,b.example,"}
    assert env.env_list("REPROSTORE_HOSTS", "x", environ) == ["a.example", "b.example"]
    assert env.env_list("REPROSTORE_HOSTS", "x,y", {}) == ["x", "y"]


# ---- The settings module itself, read in a fresh process as `reprostore` reads it -----------


def settings_process(tmp_path, code: str, **variables) -> subprocess.CompletedProcess:
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("REPROSTORE_") and name != "DJANGO_SETTINGS_MODULE"
    }
    environ.update(REPROSTORE_ROOT=str(tmp_path), REPROSTORE_SECRET_KEY="x", **variables)
    return subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=120
    )


SHOW = (
    "from reprostore import settings as s; "
    "print(s.DEBUG, s.REPROSTORE_ALLOW_PROJECT_CREATION, s.REPROSTORE_OUTPACK_ANONYMOUS, "
    "s.REPROSTORE_OUTPACK_SYNC_SECONDS, s.DATA_UPLOAD_MAX_MEMORY_SIZE, "
    "hasattr(s, 'SECURE_PROXY_SSL_HEADER'), s.LOGGING['root']['level'])"
)


def test_the_defaults_come_from_one_place(tmp_path):
    result = settings_process(tmp_path, SHOW)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        str(DEFAULTS["REPROSTORE_ALLOW_PROJECT_CREATION"]),
        DEFAULTS["REPROSTORE_OUTPACK_ANONYMOUS"],
        str(DEFAULTS["REPROSTORE_OUTPACK_SYNC_SECONDS"]),
        str(64 * 1024 * 1024),
        "False",
        "WARNING",
    ]


def test_true_means_on(tmp_path):
    result = settings_process(
        tmp_path,
        SHOW,
        REPROSTORE_DEBUG="true",
        REPROSTORE_ALLOW_PROJECT_CREATION="no",
        REPROSTORE_OUTPACK_ANONYMOUS="Read",
        REPROSTORE_OUTPACK_SYNC_SECONDS="0.25",
        REPROSTORE_MAX_BODY="1024",
        REPROSTORE_BEHIND_PROXY="yes",
        REPROSTORE_LOG_LEVEL="info",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "read", "0.25", "1024", "True", "INFO"]


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("REPROSTORE_DEBUG", "maybe", "REPROSTORE_DEBUG is 'maybe': expected true or false"),
        ("REPROSTORE_BEHIND_PROXY", "2", "REPROSTORE_BEHIND_PROXY is '2': expected true or false"),
        ("REPROSTORE_DB_TIMEOUT", "soon", "REPROSTORE_DB_TIMEOUT is 'soon': expected a number"),
        ("REPROSTORE_CONN_MAX_AGE", "1.5", "REPROSTORE_CONN_MAX_AGE is '1.5': expected a whole"),
        ("REPROSTORE_MAX_BODY", "64MB", "REPROSTORE_MAX_BODY is '64MB': expected a whole number"),
        (
            "REPROSTORE_OUTPACK_ANONYMOUS",
            "everyone",
            "REPROSTORE_OUTPACK_ANONYMOUS is 'everyone': expected one of write, read, none",
        ),
        ("REPROSTORE_LOG_LEVEL", "loud", "REPROSTORE_LOG_LEVEL is 'loud': expected one of"),
        (
            "REPROSTORE_OUTPACK_MAX_FILE",
            "10GB",
            "REPROSTORE_OUTPACK_MAX_FILE is '10GB': expected a whole number",
        ),
        (
            "REPROSTORE_OUTPACK_MAX_CLOCK_SKEW",
            "-1",
            "REPROSTORE_OUTPACK_MAX_CLOCK_SKEW is '-1': expected a whole number of at least 0",
        ),
        ("REPROSTORE_TOKEN_DAYS", "0", "REPROSTORE_TOKEN_DAYS is '0': expected a whole number"),
        (
            "REPROSTORE_DEVICE_POLL_SECONDS",
            "often",
            "REPROSTORE_DEVICE_POLL_SECONDS is 'often': expected a whole number",
        ),
        ("REPROSTORE_DATABASE_URL", "mysql://x", "REPROSTORE_DATABASE_URL: Unsupported database"),
    ],
)
def test_a_bad_value_stops_the_settings_by_name(tmp_path, name, value, message):
    result = settings_process(tmp_path, "import reprostore.settings", **{name: value})
    assert result.returncode != 0
    assert f"django.core.exceptions.ImproperlyConfigured: {message}" in result.stderr


def test_a_bad_value_stops_the_reprostore_command(tmp_path):
    result = settings_process(
        tmp_path,
        "from reprostore.cli import main; main(['reprostore', 'check'])",
        REPROSTORE_DEBUG="maybe",
    )
    assert result.returncode != 0
    assert "REPROSTORE_DEBUG is 'maybe': expected true or false" in result.stderr
    assert not (tmp_path / ".reprostore").exists()


def test_a_host_project_without_our_settings_gets_the_default_outpack_access(settings):
    from reprostore.packets.checks import check_anonymous_access

    del settings.REPROSTORE_OUTPACK_ANONYMOUS
    assert check_anonymous_access(None) == []
