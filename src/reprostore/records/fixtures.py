"""Reading stores in the format of Sumatra's Django record store (`smt export`-era fixtures and
the original sumatra-server's demo data) into record documents of API version 4."""

import ast
import json
from collections import defaultdict
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent / "demo"


def literal(text, default):
    """Old stores keep dicts as `str(dict)` text, sometimes with Python 2 u'' prefixes."""
    if not isinstance(text, str) or not text.strip():
        return default
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return default


def sumatra_timestamp(text: str) -> str:
    return text if text[-5:-4] in "+-" else f"{text}+0000"


class DjangoStoreFixture:
    """A Django fixture of sumatra's django_store app, indexed by model and primary key."""

    def __init__(self, objects: list[dict]):
        self.rows = defaultdict(dict)
        for obj in objects:
            self.rows[obj["model"]][obj["pk"]] = obj["fields"]

    def projects(self) -> list[tuple[str, dict]]:
        return list(self.rows["django_store.project"].items())

    def tags_by_record(self) -> dict:
        tags = defaultdict(set)
        names = self.rows["tagging.tag"]
        for item in self.rows["tagging.taggeditem"].values():
            tags[item["object_id"]].add(names[item["tag"]]["name"])
        for pk, record in self.rows["django_store.record"].items():
            tags[pk].update(tag for tag in record.get("tags", "").split(",") if tag.strip())
        return tags

    def records(self) -> list[tuple[str, dict]]:
        """(project id, record document) for every record."""
        tags = self.tags_by_record()
        return [
            (fields["project"], self.document(pk, fields, sorted(tags[pk])))
            for pk, fields in self.rows["django_store.record"].items()
        ]

    def component(self, model: str, pk) -> dict:
        fields = self.rows[f"django_store.{model}"].get(pk)
        if fields is None:
            return {"type": "FileSystemDataStore", "parameters": {"root": "/"}}
        return {"type": fields["type"], "parameters": literal(fields["parameters"], {})}

    def data_key(self, fields: dict) -> dict:
        return {
            "path": fields["path"],
            "digest": fields["digest"],
            "metadata": literal(fields.get("metadata"), {}),
            "creation": fields.get("creation"),
        }

    def document(self, pk, record: dict, tags: list[str]) -> dict:
        executable = self.rows["django_store.executable"][record["executable"]]
        repository = self.rows["django_store.repository"][record["repository"]]
        parameters = self.rows["django_store.parameterset"][record["parameters"]]
        datakeys = self.rows["django_store.datakey"]
        return {
            "label": record["label"],
            "timestamp": sumatra_timestamp(record["timestamp"]),
            "reason": record.get("reason", ""),
            "duration": record.get("duration"),
            "executable": {
                key: executable.get(key, "") for key in ("path", "version", "name", "options")
            },
            "repository": {
                "url": repository["url"],
                "type": repository["type"],
                "upstream": repository.get("upstream"),
            },
            "main_file": record.get("main_file", ""),
            "version": record.get("version", ""),
            "parameters": {"type": parameters["type"], "content": parameters["content"]},
            "input_data": [self.data_key(datakeys[key]) for key in record.get("input_data", [])],
            "script_arguments": record.get("script_arguments", ""),
            "launch_mode": self.component("launchmode", record.get("launch_mode")),
            "datastore": self.component("datastore", record.get("datastore")),
            "input_datastore": self.component("datastore", record.get("input_datastore")),
            "outcome": record.get("outcome", ""),
            "stdout_stderr": record.get("stdout_stderr", ""),
            "output_data": [
                self.data_key(key)
                for key in datakeys.values()
                if key.get("output_from_record") == pk
            ],
            "tags": tags,
            "diff": record.get("diff", ""),
            "user": record.get("user", ""),
            "dependencies": [
                dict(self.rows["django_store.dependency"][dep], source=None)
                for dep in record.get("dependencies", [])
            ],
            "platforms": [
                self.rows["django_store.platforminformation"][platform]
                for platform in record.get("platforms", [])
            ],
            "repeats": None,
        }


def load_fixture(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text())
