"""For the export tests: packets as orderly writes them, reading PROV back with `prov`'s own
readers, and checking RO-Crates with `roc-validator`."""

import hashlib
import io
import time
from pathlib import Path

GIT = {
    "sha": "6b1f0c1c2ee3a6e3d8cfd1fb0c4f2ee1a1f3b0a9",
    "branch": "main",
    "url": ["https://example.org/reports.git"],
}
PROCESS_RUN_CRATE = "process-run-crate"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def add_packet(root, name, files, *, roles=None, git=GIT, at=None, **options):
    """Add a packet holding `files` ({path: bytes}) to `root` through the same code as a push,
    as orderly writes it: `roles` is orderly's {path: role}; `depends` and `parameters` as
    `tests.web.support.packet_metadata` takes them. Its id."""
    from tests.web import support

    orderly = {
        "role": [{"path": path, "role": role} for path, role in (roles or {}).items()],
        "artefacts": [],
        "description": {"display": None, "long": None, "custom": None},
    }
    at = time.time() - 60 if at is None else at
    return support.add_packet(root, name, files, at=at, git=git, orderly=orderly, **options)


def served_root(settings, tmp_path):
    """A new outpack root served by the in-process site (a generator for a fixture)."""
    from reprostore.packets.index import forget_sync_state
    from reprostore.packets.root import init_root, open_root

    settings.REPROSTORE_ROOT = init_root(tmp_path / "root")
    forget_sync_state()
    yield open_root(settings.REPROSTORE_ROOT)
    forget_sync_state()


DATA = b"region,cases\nnorth,12\nsouth,30\n"
STARTED = 1714979289.0  # 2024-05-06 07:08:09 UTC


class Packets:
    """`incoming-data` made a CSV; `model-fit` copied it and fitted a model to it."""

    def __init__(self, root):
        self.data = add_packet(
            root,
            "incoming-data",
            {"orderly.py": b"print('data')\n", "data.csv": DATA},
            roles={"orderly.py": "orderly"},
            parameters={"year": 2024},
            at=STARTED,
        )
        self.fit = add_packet(
            root,
            "model-fit",
            {
                "script.R": b"fit <- lm(cases ~ region)\n",
                "orderly.yml": b"script: script.R\n",
                "inputs/data.csv": DATA,
                "fit output.txt": b"converged\n",
            },
            roles={"script.R": "script", "orderly.yml": "orderly_yml"},
            depends=[(self.data, {"inputs/data.csv": "data.csv"})],
            parameters={"tolerance": 0.001, "disease": "YF"},
            at=STARTED + 3600,
        )


# PROV


def read_prov(content: bytes | str, format_name: str):
    """The document an export holds, read back by `prov`: PROV-JSON and PROV-O (Turtle) have
    readers; PROV-N has none."""
    from prov.model import ProvDocument

    text = content.decode() if isinstance(content, bytes) else content
    if format_name == "prov-json":
        return ProvDocument.deserialize(content=text, format="json")
    assert format_name == "prov-o", format_name
    return ProvDocument.deserialize(content=text, format="rdf", rdf_format="turtle")


def uri(value) -> str | None:
    return None if value is None else str(getattr(value, "uri", value))


def elements(document, kind: str) -> dict:
    """{identifier URI: {attribute URI: [values]}} of the activities, entities or agents."""
    from prov.model import ProvActivity, ProvAgent, ProvEntity

    classes = {"activity": ProvActivity, "entity": ProvEntity, "agent": ProvAgent}
    found = {}
    for record in document.get_records(classes[kind]):
        attributes = found.setdefault(uri(record.identifier), {})
        for name, value in record.attributes:
            attributes.setdefault(uri(name), []).append(
                uri(value) if hasattr(value, "uri") else value
            )
    return found


def relations(document) -> set[tuple]:
    """(relation, first URI, second URI, third URI or None) of every relation: used is
    (activity, entity), wasGeneratedBy (entity, activity), wasDerivedFrom (generated, used,
    activity), wasAssociatedWith (activity, agent, plan), hadMember (collection, entity)."""
    found = set()
    for record in document.get_records():
        if not record.is_relation():
            continue
        values = [value for _, value in record.formal_attributes]
        found.add(
            (
                record.get_type().localpart,
                uri(values[0]),
                uri(values[1]),
                uri(values[2]) if len(values) > 2 and hasattr(values[2], "uri") else None,
            )
        )
    return found


def values(element: dict, term: str) -> list:
    return element.get(f"urn:reprostore:terms:{term}", [])


def prov_term(name: str) -> str:
    return f"http://www.w3.org/ns/prov#{name}"


def provn_lines(text: str) -> list[str]:
    return sorted(line.strip() for line in text.splitlines() if line.strip())


# RO-Crate


def validator_cache(directory: Path) -> Path:
    """An HTTP cache for roc-validator that holds the RO-Crate JSON-LD context, so that it
    validates without the network (offline mode reads only this cache).

    The context is the one the `rocrate` library ships (RO-Crate 1.3's, whose terms include
    1.1's), answered for the 1.1 context's URL by a transport adapter: nothing leaves the
    machine.
    """
    import requests
    import requests_cache
    import rocrate
    from requests.adapters import BaseAdapter
    from requests.structures import CaseInsensitiveDict
    from urllib3 import HTTPResponse

    context = (Path(rocrate.__file__).parent / "data" / "ro-crate.jsonld").read_bytes()

    class ShippedContext(BaseAdapter):
        def send(self, request, **kwargs):
            raw = HTTPResponse(
                body=io.BytesIO(context),
                headers={"Content-Type": "application/ld+json"},
                status=200,
                preload_content=False,
                request_url=request.url,
            )
            response = requests.Response()
            response.status_code, response.raw, response.url = 200, raw, request.url
            response.request, response.encoding = request, "utf-8"
            response.headers = CaseInsensitiveDict(raw.headers)
            return response

        def close(self):
            pass

    cache = directory / "roc-validator-cache"
    session = requests_cache.CachedSession(cache_name=str(cache), backend="sqlite")
    session.mount("https://", ShippedContext())
    url = "https://w3id.org/ro/crate/1.1/context"
    answer = session.get(url, headers={"Accept": "application/ld+json, application/json"})
    assert answer.status_code == 200
    session.close()
    return cache


def crate_issues(crate_zip: Path, cache: Path, severity: str) -> list[tuple[str, str, str]]:
    """(severity, check, message) of what roc-validator finds in the crate, checking the Process
    Run Crate profile (and RO-Crate 1.1, which it builds on) at `severity` and above."""
    from rocrate_validator import services

    result = services.validate(
        {
            "rocrate_uri": str(crate_zip),
            "profile_identifier": PROCESS_RUN_CRATE,
            "requirement_severity": severity,
            "offline": True,
            "cache_path": str(cache),
        }
    )
    return sorted(
        (issue.severity.name, issue.check.identifier, issue.message)
        for issue in result.get_issues()
    )
