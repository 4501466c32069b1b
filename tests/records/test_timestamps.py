"""Record timestamps: the fast path for the shape Sumatra writes gives what strptime by
`TIMESTAMP_FORMATS` gives, value, time zone and refusal alike (issue 13: PUT CPU)."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reprostore.lib.http import BadRequest
from reprostore.records import documents

pytestmark = pytest.mark.nodb


def outcome(parse, text):
    try:
        stamp = parse(text)
    except BadRequest as error:
        return ("refused", str(error))
    return (stamp, stamp.tzinfo, stamp.utcoffset())


def by_formats(text):
    """What `parse_timestamp` did before its fast path."""
    if text.endswith(" 00:00"):
        text = text[:-6] + "+00:00"
    return documents.timestamp_by_formats(text)


def two_digits(low=0, high=99):
    return st.integers(low, high).map(lambda n: f"{n:02d}")


# Timestamps of the canonical shape, with values in and out of range, and offsets.
SHAPED = st.builds(
    lambda year, month, day, sep, h, m, s, offset: f"{year}-{month}-{day}{sep}{h}:{m}:{s}{offset}",
    st.integers(0, 9999).map(lambda n: f"{n:04d}"),
    two_digits(0, 13),
    two_digits(0, 32),
    st.sampled_from([" ", "T", "t", "_"]),
    two_digits(0, 25),
    two_digits(0, 61),
    two_digits(0, 61),
    st.sampled_from(["", "Z", " 00:00"])
    | st.builds(
        lambda sign, h, colon, m: f"{sign}{h}{colon}{m}",
        st.sampled_from(["+", "-", ""]),
        two_digits(0, 25),
        st.sampled_from(["", ":"]),
        two_digits(0, 61),
    ),
)


@settings(max_examples=3000)
@given(SHAPED | st.text(alphabet="0123456789-+: TZ.", max_size=30))
@example("2024-01-01 00:42:31+0000")
@example("9999-12-31 23:00:00-0200")
@example("0001-01-01 00:30:00+0100")
@example("2024-02-30 00:00:00")
@example("2024-1-01 00:00:00")
@example("2024-01-01 00:00:00+0060")
@example("2024-01-01 00:00:00+2400")
@example("2024-01-01 00:00:00-23:59")
@example("2024-01-01 00:00:00 00:00")
def test_the_fast_path_reads_as_strptime_does(text):
    assert outcome(documents.parse_timestamp, text) == outcome(by_formats, text)
