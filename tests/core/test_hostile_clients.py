"""Property: whatever record document or packet metadata a client sends, the answer is a 2xx or a
4xx, and afterwards every page and listing of the store still answers 200 (issue 12).

Documents start from real ones and are broken by hypothesis in the ways clients broke them:
extreme numbers (1e400, NaN, 2^64, -0.0), odd text (lone surrogates, NUL, byte-order marks,
right-to-left overrides), deep nesting, and fields of the wrong shape.
"""

import json
import math

import pytest
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reprostore.packets import index
from reprostore.packets.models import Packet
from reprostore.packets.root import init_root
from reprostore.records.models import Record
from tests.conftest import basic_auth
from tests.packets.conftest import packet_metadata, sha256
from tests.support.packet_access import grant_packets
from tests.support.records import record_document

PROPERTY_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Raw JSON number texts: Python's json reads each of these (some as infinity).
NUMBERS = st.sampled_from(
    ["1e400", "-1e999", "NaN", "Infinity", "-Infinity", "1" + "0" * 400, "18446744073709551616",
     "-0.0", "5e-324", "1.7976931348623157e308", "0", "-1", "9007199254740993"]
)  # fmt: skip
TEXTS = st.sampled_from(
    ['"\\ud800"', '"a\\udfffb"', '"\\u0000"', '"\\ufeffbom"', '"\\u202eevil"', '"\\u0007"',
     '"../../etc"', '"a/b"', '""', '"."', '".."', '"😀\\u0301"', '"x"']
)  # fmt: skip
SHAPES = st.sampled_from(["{}", "[]", "null", "true", "1", '"text"', '[{"a": []}]'])


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


HOSTILE = st.one_of(NUMBERS, TEXTS, SHAPES, st.integers(min_value=30, max_value=3000).map(nested))

RECORD_PLACES = [
    ("duration",), ("timestamp",), ("reason",), ("label",), ("tags",), ("tags", 0),
    ("executable",), ("executable", "version"), ("repository",), ("main_file",),
    ("parameters",), ("parameters", "content"), ("parameters", "type"), ("launch_mode",),
    ("launch_mode", "parameters"), ("datastore", "parameters", "root"), ("input_datastore",),
    ("output_data",), ("output_data", 0, "metadata"), ("output_data", 0, "creation"),
    ("output_data", 0, "metadata", "size"), ("dependencies", 0, "module"), ("platforms", 0),
    ("platforms", 0, "ip_addr"), ("repeats",), ("stdout_stderr",), ("user",), ("extra",),
]  # fmt: skip
PACKET_PLACES = [
    ("name",), ("id",), ("time", "start"), ("time", "end"), ("time",), ("parameters",),
    ("parameters", "n"), ("parameters", "s"), ("files",), ("files", 0, "size"),
    ("files", 0, "path"), ("files", 0, "hash"), ("depends",), ("custom",), ("custom", "x"),
    ("git",), ("extra",),
]  # fmt: skip
YAML_PARAMETERS = st.sampled_from(
    ["a: &a [1, 2, 3]\nb: [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]", "day: 2024-05-06",
     "x: .nan\ny: .inf", "[1, 2]", "{", "a: !!python/object:os.system ls"]
)  # fmt: skip

PLACEHOLDER = "@@HOSTILE@@"


def with_hostile(document: dict, place: tuple, json_text: str) -> bytes:
    """`document` as JSON text with the value at `place` replaced by `json_text` (raw JSON)."""
    target = document
    for key in place[:-1]:
        if isinstance(target, dict):
            target = target.setdefault(key, {})
        elif isinstance(target, list) and isinstance(key, int) and key < len(target):
            target = target[key]
        else:
            return json.dumps(document).encode()
    if isinstance(target, dict) or (isinstance(target, list) and place[-1] < len(target)):
        target[place[-1]] = PLACEHOLDER
    return json.dumps(document).replace(f'"{PLACEHOLDER}"', json_text, 1).encode()


@pytest.fixture
def store(settings, tmp_path, cast, client):
    settings.REPROSTORE_ROOT = init_root(tmp_path / "store")
    settings.REPROSTORE_OUTPACK_SYNC_SECONDS = 0
    index.forget_sync_state()
    grant_packets(cast.owner, "admin")
    # The real handler closes "old" connections around each request; the test's transaction
    # must survive hypothesis's many requests (as Django's own test client arranges).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield cast
    # After all the examples: every page of everything they left behind.
    assert_every_page_answers(client)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
    index.forget_sync_state()


def assert_every_page_answers(client, records=None, packets=None):
    """Every listing, and the pages of `records` and `packets` (all of them when None)."""
    alice = basic_auth("alice")
    urls = ["/", "/records/", "/records/Private/", "/records/Private/?format=html", "/packets/"]
    labels = Record.objects.values_list("label", flat=True)
    urls += [f"/records/Private/{label}/" for label in labels if records in (None, label)]
    urls += ["/outpack/metadata/list", "/outpack/packit/metadata", "/outpack/query?q=latest"]
    for packet in Packet.objects.filter(**({} if packets is None else {"id": packets})):
        urls += [f"/packets/{packet.name}/", f"/packets/{packet.name}/{packet.id}/"]
        urls += [f"/outpack/metadata/{packet.id}/json"]
    for url in urls:
        as_page = () if url.startswith("/outpack/") else ({"HTTP_ACCEPT": "text/html"},)
        for extra in ({}, *as_page):
            response = client.get(url, **alice, **extra)
            assert response.status_code == 200, (url, response.status_code)
            if response.streaming:
                b"".join(response.streaming_content)
            elif response["Content-Type"].startswith("application/json"):
                json.loads(response.content)  # never NaN or Infinity


@given(
    place=st.sampled_from(RECORD_PLACES),
    value=HOSTILE,
    label=st.sampled_from(["run", "run2", "run3"]),
    final=st.booleans(),
)
@PROPERTY_SETTINGS
@pytest.mark.django_db
def test_hostile_record_documents_never_break_the_store(client, store, place, value, label, final):
    document = record_document(label, tags=["_finished_"] if final else ["_running_"])
    body = with_hostile(document, place, value)
    response = client.put(
        f"/records/Private/{label}/",
        body,
        content_type="application/vnd.sumatra.record-v4+json",
        **basic_auth("carol"),
    )
    assert response.status_code < 500, (place, value[:80], response.content[:300])
    assert_every_page_answers(client, records=label)


@given(content=YAML_PARAMETERS, kind=st.sampled_from(["YAMLParameterSet", "JSONParameterSet"]))
@PROPERTY_SETTINGS
@pytest.mark.django_db
def test_hostile_parameter_sets_never_break_the_store(client, store, content, kind):
    body = json.dumps(record_document("params", parameters={"type": kind, "content": content}))
    response = client.put(
        "/records/Private/params/",
        body.encode(),
        content_type="application/vnd.sumatra.record-v4+json",
        **basic_auth("carol"),
    )
    assert response.status_code < 500, response.content[:300]
    assert_every_page_answers(client, records="params")


@given(place=st.sampled_from(PACKET_PLACES), value=HOSTILE, n=st.integers(0, 2**32 - 1))
@PROPERTY_SETTINGS
@pytest.mark.django_db
def test_hostile_packet_metadata_never_breaks_the_store(client, store, place, value, n):
    packet_id = f"20240101-120000-{n:08x}"
    metadata = json.loads(
        packet_metadata(packet_id, parameters={"n": 1, "s": "x"}, custom={"x": 1})
    )
    body = with_hostile(metadata, place, value)
    response = client.generic(
        "POST", f"/outpack/packet/{sha256(body)}", body, **basic_auth("alice")
    )
    assert response.status_code < 500, (place, value[:80], response.content[:300])
    assert_every_page_answers(client, packets=packet_id)
    for packet in Packet.objects.all():
        for number in (packet.time_start, packet.time_end):
            assert math.isfinite(number)
