"""Fixtures for the page tests: records in the cast's projects, an outpack root with packets."""

import pytest

from tests.support.records import record_body
from tests.web.support import add_packet, png_chart


@pytest.fixture(autouse=True)
def empty_cache():
    # Rolled-back tests reuse ids on SQLite, so a cache key of one test could meet another's.
    from django.core.cache import cache

    cache.clear()


def save(user, project, label, **changes):
    from reprostore.records.operations import do_save_record

    do_save_record(user, project, label, record_body(label, **changes))


NEWER_PARAMETERS = {"type": "SimpleParameterSet", "content": 'a = 3\nname = "ring"\nfast = True'}
NEWER_NUMPY = {
    "name": "numpy",
    "path": "/usr/lib/numpy",
    "version": "2.0.0",
    "module": "python",
    "diff": "",
    "source": None,
}


@pytest.fixture
def records(cast):
    """Three records in the private project, differing in parameters, outcome and numpy."""
    save(
        cast.owner,
        cast.project,
        "run-a",
        timestamp="2024-05-06 07:00:00+0000",
        outcome="fine",
        duration=3.0,
        tags=["_finished_", "baseline"],
    )
    save(
        cast.owner,
        cast.project,
        "run-b",
        timestamp="2024-05-06 08:00:00+0000",
        outcome="diverged",
        duration=1.0,
        tags=["_finished_"],
        parameters=NEWER_PARAMETERS,
        dependencies=[NEWER_NUMPY],
    )
    save(cast.owner, cast.project, "run-c", timestamp="2024-05-06 09:00:00+0000", duration=None)
    return cast.project.records.order_by("label")


@pytest.fixture
def html(client):
    """GET a page the way a browser asks for it."""

    def get(url, **extra):
        return client.get(url, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8", **extra)

    return get


@pytest.fixture
def outpack_root(settings, tmp_path):
    """An empty outpack root served by the in-process site."""
    from reprostore.packets.index import forget_sync_state
    from reprostore.packets.root import init_root, open_root

    settings.REPROSTORE_ROOT = init_root(tmp_path / "root")
    forget_sync_state()
    yield open_root(settings.REPROSTORE_ROOT)
    forget_sync_state()


class Packets:
    def __init__(self, root):
        self.data = add_packet(
            root,
            "incoming-data",
            {"data.csv": b"region,cases\nnorth,12\nsouth,30\n", "blob.bin": b"\x00\x01\x02"},
            parameters={"year": 2024},
        )
        self.fit = add_packet(
            root,
            "model-fit",
            {"log.txt": b"converged after 12 steps\n", "plots/fit.png": png_chart()},
            parameters={"tolerance": 0.001, "disease": "YF"},
            depends=[(self.data, {"inputs/data.csv": "data.csv"})],
        )


@pytest.fixture
def packets(db, outpack_root):
    return Packets(outpack_root)
