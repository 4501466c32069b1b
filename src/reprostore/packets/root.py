"""The outpack root: `.outpack/config.json` and the directories it implies.

The root on disk is the truth; everything the server knows is read from here or written here.
"""

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from .errors import RootError
from .hashing import ALGORITHMS

SCHEMA_VERSION = "0.1.1"
# Our own files (database, secret key) live beside .outpack; a directory holding only these
# is still "empty" for `init_root`.
OWN_ENTRIES = {".reprostore"}


@dataclass(frozen=True)
class Core:
    hash_algorithm: str
    path_archive: str | None
    use_file_store: bool
    require_complete_tree: bool


@dataclass(frozen=True)
class Root:
    path: Path
    core: Core
    locations: tuple[str, ...]

    @property
    def outpack_dir(self):
        return self.path / ".outpack"

    @property
    def metadata_dir(self):
        return self.outpack_dir / "metadata"

    @property
    def location_dir(self):
        return self.outpack_dir / "location"

    @property
    def files_dir(self):
        return self.outpack_dir / "files"

    @property
    def archive_dir(self):
        archive = self.core.path_archive
        return None if archive is None else self.path / archive

    @property
    def accepts_pushes(self):
        """Only a file store can hold files uploaded before the packet that names them."""
        return self.core.use_file_store

    def archive_path(self, name, packet_id, file_path):
        """Where a client keeps a readable copy of a packet's file, or None if it can't be.

        `name` and `file_path` come from metadata that any tool may have written, so anything
        that could leave `<archive>/<name>/<id>/` is refused here rather than read.
        """
        if self.archive_dir is None or not is_plain_name(name) or not is_relative_path(file_path):
            return None
        return self.archive_dir / name / packet_id / file_path


def is_plain_name(name):
    if not isinstance(name, str) or name in ("", ".", ".."):
        return False
    return "/" not in name and "\0" not in name


def is_relative_path(path):
    """A path that stays inside the directory it is joined to, whatever that is."""
    if not isinstance(path, str) or not path or "\0" in path or "\\" in path:
        return False
    parts = PurePosixPath(path).parts
    return not PurePosixPath(path).is_absolute() and all(p not in ("..", ".") for p in parts)


def open_root(path):
    """Read and check the root at `path`; RootError says in one sentence what is wrong."""
    path = Path(path).absolute()
    if not (path / ".outpack").is_dir():
        raise RootError(
            f"Outpack root not found at '{path}': there is no .outpack directory "
            f"(create one with `reprostore init {path}`)"
        )
    config = read_config(path)
    root = Root(path, parse_core(config, path), location_names(config, path))
    if not root.core.use_file_store and root.core.path_archive is None:
        raise RootError(
            f"Outpack root at '{path}' keeps no files: its config has use_file_store false "
            "and no path_archive"
        )
    return root


def preflight(path):
    """The root to serve at `path`, or RootError saying in one sentence why it can't be served."""
    root = open_root(path)
    for directory in (root.metadata_dir, root.location_dir):
        if directory.exists() and not directory.is_dir():
            raise RootError(f"Outpack root at '{root.path}' is broken: '{directory}' is a file")
    return root


def describe_root(root):
    """One sentence saying what the server can do with this root."""
    core = root.core
    if core.use_file_store:
        storage = f"a file store ({core.hash_algorithm})"
        if core.path_archive is not None:
            storage += f" and a path archive '{core.path_archive}'"
        pushes = "accepts pushes"
    else:
        storage = f"only a path archive '{core.path_archive}' ({core.hash_algorithm})"
        pushes = "can be pulled from but not pushed to, as it has no file store"
    tree = "requires" if core.require_complete_tree else "does not require"
    return f"Outpack root at '{root.path}' has {storage}, {tree} a complete tree and {pushes}."


def read_config(path):
    config_path = Path(path) / ".outpack" / "config.json"
    try:
        config = json.loads(config_path.read_bytes())
    except FileNotFoundError:
        raise RootError(f"Outpack config '{config_path}' does not exist") from None
    except (OSError, ValueError) as e:
        raise RootError(f"Outpack config '{config_path}' is not readable JSON: {e}") from None
    if not isinstance(config, dict):
        raise RootError(f"Outpack config '{config_path}' is not a JSON object")
    return config


def parse_core(config, path):
    core = config.get("core")
    where = f"Outpack config '{Path(path) / '.outpack' / 'config.json'}'"
    if not isinstance(core, dict):
        raise RootError(f"{where} has no 'core' object")
    if core.get("hash_algorithm") not in ALGORITHMS:
        raise RootError(f"{where} has an unknown hash_algorithm '{core.get('hash_algorithm')}'")
    archive = core.get("path_archive")
    if archive is not None and not is_relative_path(archive):
        raise RootError(f"{where} has a path_archive '{archive}' that is not a relative path")
    for flag in ("use_file_store", "require_complete_tree"):
        if not isinstance(core.get(flag, False), bool):
            raise RootError(f"{where} has a {flag} '{core.get(flag)}' that is not true or false")
    return Core(
        hash_algorithm=core["hash_algorithm"],
        path_archive=archive,
        use_file_store=core.get("use_file_store", False),
        require_complete_tree=core.get("require_complete_tree", False),
    )


def location_names(config, path):
    locations = config.get("location", [])
    if not isinstance(locations, list) or not all(
        isinstance(x, dict) and isinstance(x.get("name"), str) for x in locations
    ):
        raise RootError(
            f"Outpack config '{Path(path) / '.outpack' / 'config.json'}' has a 'location' that is "
            "not a list of objects with a 'name'"
        )
    return tuple(x["name"] for x in locations)


def init_root(
    path,
    *,
    use_file_store=True,
    require_complete_tree=True,
    path_archive=None,
    hash_algorithm="sha256",
):
    """Create an outpack root at `path`, or check that the one there has this configuration.

    Our defaults (file store, complete tree, no archive) make a root that both pyorderly and
    this server accept; the outpack CLI's defaults do not.
    """
    path = Path(path).absolute()
    core = new_core(use_file_store, require_complete_tree, path_archive, hash_algorithm)
    if (path / ".outpack").exists():
        check_same_core(open_root(path), core)
    else:
        check_can_create(path)
        write_new_root(path, core)
    return path


def new_core(use_file_store, require_complete_tree, path_archive, hash_algorithm):
    if hash_algorithm not in ALGORITHMS:
        raise RootError(
            f"Unknown hash algorithm '{hash_algorithm}': use one of {', '.join(ALGORITHMS)}"
        )
    if path_archive is not None and not is_relative_path(path_archive):
        raise RootError(f"Invalid path archive '{path_archive}': give a relative directory name")
    if path_archive is not None and PurePosixPath(path_archive).parts[0] == ".outpack":
        raise RootError(f"Invalid path archive '{path_archive}': it can't be inside .outpack")
    if not use_file_store and path_archive is None:
        raise RootError(
            "A root needs somewhere to keep files: use a file store, a path archive, or both"
        )
    return Core(hash_algorithm, path_archive, bool(use_file_store), bool(require_complete_tree))


def check_same_core(root, core):
    old, new = asdict(root.core), asdict(core)
    changes = [
        f"{key} is {json.dumps(old[key])}, not {json.dumps(new[key])}"
        for key in old
        if old[key] != new[key]
    ]
    if changes:
        raise RootError(
            f"Trying to change config on reinitialisation of '{root.path}': " + "; ".join(changes)
        )


def check_can_create(path):
    if path.exists() and not path.is_dir():
        raise RootError(f"Can't create an outpack root at '{path}': it is a file")
    if path.is_dir():
        others = sorted(set(os.listdir(path)) - OWN_ENTRIES)
        if others:
            raise RootError(
                f"Can't create an outpack root at '{path}': the directory is not empty and is "
                f"not an outpack root (it has no .outpack but has '{others[0]}'); "
                "choose a new or empty directory"
            )


def write_new_root(path, core):
    outpack = path / ".outpack"
    (outpack / "location" / "local").mkdir(parents=True, exist_ok=True)
    (outpack / "metadata").mkdir(exist_ok=True)
    if core.use_file_store:
        (outpack / "files").mkdir(exist_ok=True)
    if core.path_archive is not None:
        (path / core.path_archive).mkdir(parents=True, exist_ok=True)
    config = {
        "schema_version": SCHEMA_VERSION,
        "core": asdict(core),
        "location": [{"name": "local", "type": "local", "args": {}}],
    }
    # Written last and atomically, so a crash never leaves a config without its directories.
    write_atomically(outpack / "config.json", json.dumps(config, indent=2).encode() + b"\n")


def write_atomically(destination, data):
    fd, temp = tempfile.mkstemp(dir=destination.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temp, destination)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_once(root, destination, data):
    """Create `destination` with `data` atomically unless it exists; True if created.

    A hard link from a complete temporary file either creates the name with all of its bytes
    or fails because the name exists, so no reader ever sees a half-written file and no
    concurrent writer's file is replaced. The temporary file is made in `.outpack/` itself
    because every entry of `metadata/` and `location/*/` counts for clients and `/checksum`.
    """
    fd, temp = tempfile.mkstemp(dir=root.outpack_dir, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.link(temp, destination)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(temp)
