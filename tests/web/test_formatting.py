"""How values are written on the pages."""

import pytest

from reprostore.web.formatting import duration, short_hash, show_value, value_type

pytestmark = pytest.mark.nodb


@pytest.mark.parametrize(
    "seconds, text",
    [(None, "—"), (1.25, "1.25 s"), (59.4, "59.4 s"), (184, "3 min 4 s"), (7500, "2 h 5 min")],
)
def test_durations_read_as_people_say_them(seconds, text):
    assert duration(seconds) == text


@pytest.mark.parametrize(
    "value, text, kind",
    [
        ("ring", "ring", "string"),
        (True, "true", "boolean"),
        (50.0, "50", "number"),
        (0.001, "0.001", "number"),
        (None, "null", "null"),
        ([1, 2], "[1, 2]", "list"),
        ({"a": 1}, '{"a": 1}', "object"),
    ],
)
def test_values_show_as_json_except_strings(value, text, kind):
    assert show_value(value) == text
    assert value_type(value) == kind


def test_hashes_are_shortened_without_their_algorithm():
    assert short_hash("sha256:b189579a9326f585d308304bd9e03326") == "b189579a9326"
