import json

from tests.conftest import basic_auth

RECORD_V4 = "application/vnd.sumatra.record-v4+json"
PROJECT_V4 = "application/vnd.sumatra.project-v4+json"


def assert_error(response, status: int, fragment: str) -> None:
    """The Sumatra API's one error shape: the status and {"error": message}."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    message = json.loads(response.content)["error"]
    assert fragment in message, message


def put(client, url: str, body: bytes, user=None, content_type: str = RECORD_V4):
    headers = basic_auth(user.username) if user else {}
    return client.put(url, body, content_type=content_type, **headers)


def get(client, url: str, user=None, accept: str = "application/json", **extra):
    headers = basic_auth(user.username) if user else {}
    return client.get(url, HTTP_ACCEPT=accept, **headers, **extra)


def delete(client, url: str, user=None):
    headers = basic_auth(user.username) if user else {}
    return client.delete(url, **headers)


def project_records(client, project: str, user, query: str = "") -> list[str]:
    response = get(client, f"/records/{project}/{query}", user)
    assert response.status_code == 200, response
    document = json.loads(b"".join(response.streaming_content))
    return [url.rstrip("/").rsplit("/", 1)[1] for url in document["records"]]
