"""A CSV file with a field larger than the csv module reads (128 KiB) is previewed as text, not
a 500 (issue 12)."""

from tests.support.packet_access import grant_packets
from tests.web.support import add_packet

BIG_FIELD = b"a," + b'"' + b"x" * 200_000 + b'"\n1,2\n'


def test_a_csv_with_a_huge_field_is_shown_as_text(client, cast, outpack_root):
    packet = add_packet(outpack_root, "big-csv", {"wide.csv": BIG_FIELD})
    grant_packets(cast.reader, "read")
    client.force_login(cast.reader)
    response = client.get(f"/packets/big-csv/{packet}/files/wide.csv")
    assert response.status_code == 200
    assert response.context["table"] is None
    assert "xxxxxxxx" in response.content.decode()
    assert client.get(f"/packets/big-csv/{packet}/").status_code == 200
