"""Timestamps against number literals: exact to the microsecond the database keeps, no SQL."""

import datetime
import math

import pytest

from reprostore.query import parse
from reprostore.query.ast import TestOperator as Op
from reprostore.query.evaluate import query_depth, seconds_relation

pytestmark = pytest.mark.nodb

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def bound(condition):
    """(lookup, datetime) of a single-lookup condition."""
    ((key, value),) = condition.children
    return key.split("__")[1], value


def at(micros):
    return EPOCH + datetime.timedelta(microseconds=micros)


@pytest.mark.parametrize(
    "operator, seconds, expected",
    [
        (Op.Equal, 1.5, ("exact", at(1_500_000))),
        (Op.GreaterThan, 1.5, ("gt", at(1_500_000))),
        # Between two microseconds: > and <= take the one below, >= and < the one above.
        (Op.GreaterThan, 1.0000005, ("gt", at(1_000_000))),
        (Op.LessThanOrEqual, 1.0000005, ("lte", at(1_000_000))),
        (Op.GreaterThanOrEqual, 1.0000005, ("gte", at(1_000_001))),
        (Op.LessThan, 1.0000005, ("lt", at(1_000_001))),
        (Op.LessThan, -0.5, ("lt", at(-500_000))),
    ],
)
def test_a_literal_becomes_the_nearest_stored_microsecond(operator, seconds, expected):
    assert bound(seconds_relation(operator, "timestamp", seconds)) == expected


@pytest.mark.parametrize(
    "operator, seconds, expected",
    [
        (Op.Equal, 1.0000005, False),  # no stored time is between two microseconds
        (Op.Equal, math.inf, False),
        (Op.LessThan, math.inf, True),
        (Op.GreaterThan, math.inf, False),
        (Op.GreaterThan, -math.inf, True),
        (Op.LessThanOrEqual, -math.inf, False),
        (Op.LessThan, 1e300, True),  # beyond the year 9999
        (Op.GreaterThanOrEqual, 1e300, False),
        (Op.GreaterThan, -1e300, True),
        (Op.Equal, -1e300, False),
    ],
)
def test_literals_no_datetime_can_equal_decide_at_once(operator, seconds, expected):
    assert seconds_relation(operator, "timestamp", seconds) is expected


def test_query_depth_counts_nesting_without_recursion():
    assert query_depth(parse("latest")) == 1
    assert query_depth(parse("name == 'a' && (id == 'b' || !(id == 'c'))")) == 6
    deep = "(" * 5000 + "latest" + "()" + ")" * 5000
    assert query_depth(parse(deep)) == 5001
