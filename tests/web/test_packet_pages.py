"""The packet pages: names, one name's packets, one packet, and its files."""

import pytest

from tests.support.packet_access import grant_packets
from tests.web.support import png_chart


@pytest.fixture
def signed_in(client, cast):
    """A browser session of a user who may read every packet."""
    grant_packets(cast.reader, "read")
    client.force_login(cast.reader)
    return client


def test_packets_are_grouped_by_name(signed_in, packets):
    response = signed_in.get("/packets/")
    groups = {group["name"]: group["count"] for group in response.context["page"].object_list}
    assert groups == {"incoming-data": 1, "model-fit": 1}
    assert 'href="/packets/model-fit/"' in response.content.decode()


def test_a_name_lists_its_packets_with_parameters(signed_in, packets):
    page = signed_in.get("/packets/model-fit/").content.decode()
    assert f'href="/packets/model-fit/{packets.fit}/"' in page
    assert "<code>tolerance=0.001</code>" in page
    assert signed_in.get("/packets/no-such-name/").status_code == 404


def test_a_packet_shows_parameters_files_and_dependencies_both_ways(signed_in, packets):
    page = signed_in.get(f"/packets/model-fit/{packets.fit}/").content.decode()
    assert '<th scope="row"><code>disease</code></th><td><code>YF</code></td>' in page
    assert f'href="/packets/model-fit/{packets.fit}/download/plots/fit.png"' in page
    assert f'href="/packets/model-fit/{packets.fit}/files/log.txt"' in page
    assert f'href="/packets/incoming-data/{packets.data}/">incoming-data' in page
    assert "<code>data.csv</code> → <code>inputs/data.csv</code>" in page
    used = signed_in.get(f"/packets/incoming-data/{packets.data}/").content.decode()
    assert f'href="/packets/model-fit/{packets.fit}/">model-fit' in used


def test_a_packet_under_another_name_is_not_found(signed_in, packets):
    assert signed_in.get(f"/packets/incoming-data/{packets.fit}/").status_code == 404


def test_a_download_has_the_file_name_and_cannot_run_script(signed_in, packets):
    response = signed_in.get(f"/packets/model-fit/{packets.fit}/download/plots/fit.png")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_chart()
    assert response["Content-Disposition"] == 'attachment; filename="fit.png"'
    assert response["Content-Type"] == "image/png"
    assert "sandbox" in response["Content-Security-Policy"]


def test_images_are_shown_inline_for_previews(signed_in, packets):
    response = signed_in.get(f"/packets/model-fit/{packets.fit}/download/plots/fit.png?inline=1")
    assert response["Content-Disposition"] == 'inline; filename="fit.png"'
    text = signed_in.get(f"/packets/model-fit/{packets.fit}/download/log.txt?inline=1")
    assert text["Content-Disposition"].startswith("attachment")


def test_text_files_are_previewed(signed_in, packets):
    page = signed_in.get(f"/packets/model-fit/{packets.fit}/files/log.txt").content.decode()
    assert "converged after 12 steps" in page


def test_csv_files_are_previewed_as_tables(signed_in, packets):
    response = signed_in.get(f"/packets/incoming-data/{packets.data}/files/data.csv")
    assert response.context["table"] == [["region", "cases"], ["north", "12"], ["south", "30"]]
    assert '<th scope="col">region</th>' in response.content.decode()


def test_image_previews_use_an_img(signed_in, packets):
    page = signed_in.get(f"/packets/model-fit/{packets.fit}/files/plots/fit.png").content.decode()
    assert f'<img src="/packets/model-fit/{packets.fit}/download/plots/fit.png?inline=1"' in page


def test_binary_files_are_not_previewed(signed_in, packets):
    response = signed_in.get(f"/packets/incoming-data/{packets.data}/files/blob.bin")
    assert response.context["kind"] is None
    assert "can't be shown in the browser" in response.content.decode()


def test_an_unknown_file_is_not_found(signed_in, packets):
    assert signed_in.get(f"/packets/model-fit/{packets.fit}/files/nope.txt").status_code == 404
    assert signed_in.get(f"/packets/model-fit/{packets.fit}/download/nope.txt").status_code == 404


def test_files_this_server_lacks_are_not_linked(signed_in, packets, outpack_root):
    for stored in (outpack_root.files_dir / "sha256").rglob("*"):
        if stored.is_file():
            stored.chmod(0o644)
            stored.unlink()
    page = signed_in.get(f"/packets/model-fit/{packets.fit}/").content.decode()
    assert "/download/" not in page
    assert "not stored on this server" in page
    response = signed_in.get(f"/packets/model-fit/{packets.fit}/download/log.txt")
    assert response.status_code == 404


def test_anonymous_visitors_read_packets_when_the_location_is_open(client, packets, settings):
    settings.REPROSTORE_OUTPACK_ANONYMOUS = "read"
    assert client.get("/packets/").status_code == 200


def test_a_closed_location_asks_anonymous_visitors_to_log_in(client, packets):
    for url in ("/packets/", f"/packets/model-fit/{packets.fit}/",
                f"/packets/model-fit/{packets.fit}/download/log.txt"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


def test_a_store_without_an_outpack_root_says_so(signed_in, settings, tmp_path):
    settings.REPROSTORE_ROOT = tmp_path
    response = signed_in.get("/packets/")
    assert response.status_code == 200
    assert "This store has no outpack root" in response.content.decode()


def test_packets_are_searched_with_the_query_language(signed_in, packets):
    response = signed_in.get("/packets/?q=parameter:tolerance+%3C+0.01")
    assert [packet.id for packet in response.context["page"].object_list] == [packets.fit]


def test_a_bad_packet_query_is_explained(signed_in, packets):
    response = signed_in.get("/packets/?q=name+%3D%3D")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
