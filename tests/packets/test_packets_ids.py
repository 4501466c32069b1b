"""Packet id rules (no Django)."""

import pytest

from reprostore.packets.errors import BadRequest
from reprostore.packets.ids import check_new_packet_id, is_packet_id, parse_requested_id

pytestmark = pytest.mark.nodb


def test_stored_ids_are_lower_case_only():
    assert is_packet_id("20170818-164847-7574883b")
    assert not is_packet_id("20170818-164847-7574883B")
    assert not is_packet_id("20170818-164847-7574883")
    assert not is_packet_id("../20170818-164847-7574883b")
    assert not is_packet_id("20170818-164847-7574883b\n")
    assert not is_packet_id(None)


def test_requested_ids_are_trimmed_and_may_be_upper_case():
    assert parse_requested_id(" 20170818-164847-7574883b ") == "20170818-164847-7574883b"
    assert parse_requested_id("20170818-164847-7574883B") == "20170818-164847-7574883B"


@pytest.mark.parametrize("value", ["badid", "20170818-164830-33e0ab0", "a/../b", "", 12])
def test_invalid_requested_ids_quote_the_value_as_sent(value):
    with pytest.raises(BadRequest) as e:
        parse_requested_id(value)
    assert e.value.message == f"Invalid packet id '{value}'"


def test_new_ids_must_be_lower_case():
    with pytest.raises(BadRequest, match="Invalid packet id '20170818-164847-7574883B'"):
        check_new_packet_id("20170818-164847-7574883B")
    with pytest.raises(BadRequest, match="Invalid packet id '../../etc/x'"):
        check_new_packet_id("../../etc/x")
