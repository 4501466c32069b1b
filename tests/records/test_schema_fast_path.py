"""The record schema's fast path (jsonschema-rs, issue 13) says "valid" exactly when jsonschema
does, so that no record is kept that jsonschema would refuse, and a refusal is still explained
by jsonschema's message."""

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reprostore.records import documents
from tests.support.records import record_document

pytestmark = pytest.mark.nodb

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["2024-05-06 07:08:09+0000", "2024-05-06T07:08:09", "SimpleParameterSet"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)


def paths(value, prefix=()):
    """Every path to a value inside a document."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


BASE = record_document("20240506-070809", input_data=[], tags=["_finished_", "paper"])
PATHS = [path for path in paths(BASE) if path]


@st.composite
def mutated_documents(draw):
    """A valid record with a few of its values replaced by other JSON, or removed."""
    document = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(PATHS))
        parent = document
        try:
            for part in path[:-1]:
                parent = parent[part]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(JSON_VALUES)
        except (KeyError, IndexError, TypeError):
            continue
    return document


def jsonschema_says_valid(document):
    return documents.record_validator().is_valid(document)


@settings(max_examples=400, deadline=None)
@given(mutated_documents())
def test_the_fast_path_agrees_with_jsonschema(document):
    assert documents.fast_record_validator().is_valid(document) == jsonschema_says_valid(document)


def test_both_see_the_realistic_records_as_valid():
    from benchmarks import common

    for _, document in common.realistic_documents(200):
        assert documents.fast_record_validator().is_valid(document)
        assert jsonschema_says_valid(document)


def test_a_refusal_still_names_the_field_as_jsonschema_does():
    document = record_document("x", duration="long")
    assert not documents.fast_record_validator().is_valid(document)
    with pytest.raises(documents.BadRequest, match="'duration' must be a number or null"):
        documents.check_record(document, "x")
