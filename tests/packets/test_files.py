"""GET and POST /outpack/file/<hash>, and POST /outpack/files/missing."""

import hashlib
import os

import pytest

from .conftest import JSON, failure, success

STORED = "sha256:b189579a9326f585d308304bd9e03326be5d395ac71b31df359ab8bac408d248"
DATA = b"Testing 123."
DATA_HASH = "sha256:" + hashlib.sha256(DATA).hexdigest()


def upload(client, hash, data):
    return client.generic("POST", f"/outpack/file/{hash}", data)


def test_download_a_stored_file(client, example):
    response = client.get(f"/outpack/file/{STORED}", HTTP_ACCEPT_ENCODING="gzip, deflate")
    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert hashlib.sha256(body).hexdigest() == STORED[7:] and len(body) == 115
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Length"] == "115"
    assert response["Content-Disposition"] == f'attachment; filename="{STORED}"'
    assert not response.has_header("Content-Encoding")


@pytest.mark.parametrize("hash", ["sha256:123456", "sha256:a", "sha256:ab", "md5:" + "0" * 32])
def test_download_an_unknown_hash(client, example, hash):
    failure(client.get(f"/outpack/file/{hash}"), 404, f"hash '{hash}' not found")


@pytest.mark.parametrize(
    ("hash", "detail"),
    [
        ("badhash", "Invalid hash format 'badhash'"),
        ("sha666:abcd", "Invalid hash algorithm 'sha666'"),
        ("sha256:..%2F..%2Fconfig.json", "Invalid hash format 'sha256:../../config.json'"),
    ],
)
def test_download_a_malformed_hash(client, example, hash, detail):
    failure(client.get(f"/outpack/file/{hash}"), 400, detail)


def test_upload_a_file(client, example):
    assert success(upload(client, DATA_HASH, DATA), "null-response.json") is None
    path = example / ".outpack" / "files" / "sha256" / DATA_HASH[7:9] / DATA_HASH[9:]
    assert path.read_bytes() == DATA
    assert b"".join(client.get(f"/outpack/file/{DATA_HASH}").streaming_content) == DATA


def test_upload_is_idempotent(client, example):
    success(upload(client, DATA_HASH, DATA))
    success(upload(client, DATA_HASH, DATA))
    assert os.listdir(example / ".outpack" / "files" / "tmp") == []


def test_upload_with_a_hash_mismatch_stores_nothing(client, example):
    failure(
        upload(client, "md5:bad4a54", b"test"),
        400,
        "Expected hash 'md5:bad4a54' but found 'md5:098f6bcd4621d373cade4e832627b4f6'",
    )
    assert not (example / ".outpack" / "files" / "md5").exists()


@pytest.mark.parametrize(
    ("hash", "detail"),
    [("badhash", "Invalid hash format 'badhash'"), ("sha1:00", None), ("sha666:00", None)],
)
def test_upload_with_a_bad_hash(client, example, hash, detail):
    failure(upload(client, hash, b"test"), 400, detail)


def test_upload_to_a_root_without_a_file_store_is_refused(client, settings, tmp_path, db):
    from reprostore.packets.root import init_root

    from .conftest import serve

    serve(settings, init_root(tmp_path / "r", use_file_store=False, path_archive="archive"))
    error = failure(upload(client, DATA_HASH, DATA), 400)
    assert "has no file store" in error["detail"]


def test_files_missing_keeps_order_and_duplicates(client, example):
    hashes = [DATA_HASH, STORED, DATA_HASH, "sha256:123456"]
    response = client.post("/outpack/files/missing", {"hashes": hashes}, content_type=JSON)
    assert success(response) == [DATA_HASH, DATA_HASH, "sha256:123456"]


def test_files_missing_with_nothing_asked(client, example):
    response = client.post("/outpack/files/missing", {"hashes": []}, content_type=JSON)
    assert success(response, "hashes.json") == []


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"hashes": ["badhash"]}, "Invalid hash format 'badhash'"),
        ({"hashes": [STORED, "sha666:00"]}, "Invalid hash algorithm 'sha666'"),
        (
            {"ids": []},
            "Failed to deserialize the JSON body into the target type: missing field `hashes`",
        ),
        (
            {"hashes": "sha256:00"},
            "Failed to deserialize the JSON body into the target type: "
            "`hashes` must be an array of strings",
        ),
    ],
)
def test_files_missing_with_a_bad_body(client, example, body, detail):
    failure(client.post("/outpack/files/missing", body, content_type=JSON), 400, detail)


def test_files_missing_needs_json(client, example):
    response = client.post("/outpack/files/missing", "hashes=1", content_type="text/plain")
    failure(response, 400, "Expected request with `Content-Type: application/json`")


def test_files_missing_with_an_empty_body(client, example):
    # The test client drops the Content-Type of an empty body unless it is given as extra.
    response = client.generic("POST", "/outpack/files/missing", b"", CONTENT_TYPE=JSON)
    error = failure(response, 400)
    assert error["detail"].startswith("Failed to parse the request body as JSON: ")
