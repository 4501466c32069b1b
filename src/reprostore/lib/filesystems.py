"""Which file system a path lives on, from the kernel's mount table (`/proc/self/mountinfo`).

Several hosts can share a directory only through a network or cluster file system, and SQLite
can't be shared that way: its locks rely on the file system's, which NFS and its kind implement
late, partly or not at all, and its write-ahead log keeps a shared-memory index that only
processes on one host see (https://www.sqlite.org/wal.html, "all processes using a database
must be on the same host computer"). `reprostore serve` asks this module before it serves a
SQLite database (core/store.py `check_database_placement`).
"""

from pathlib import Path

MOUNTINFO = Path("/proc/self/mountinfo")

# File systems one host may share with others. FUSE file systems are mostly network ones
# (sshfs, s3fs, glusterfs, gcsfuse, rclone); those in LOCAL_FUSE are not.
NETWORK_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "lustre",
        "gpfs",
        "beegfs",
        "ceph",
        "glusterfs",
        "gfs2",
        "ocfs2",
        "afs",
        "9p",
    }
)
# fuse-overlayfs is the root file system of rootless containers, a local disk underneath.
LOCAL_FUSE = frozenset({"fuse.fuse-overlayfs", "fuse.lxcfs"})


def is_network_type(fs_type: str) -> bool:
    if fs_type.startswith("fuse.") and fs_type not in LOCAL_FUSE:
        return True
    return fs_type in NETWORK_TYPES


def unescape(field: str) -> str:
    """A mount point as the kernel writes it: space, tab, newline and backslash as `\\ooo`."""
    for code in ("040", "011", "012", "134"):
        field = field.replace("\\" + code, chr(int(code, 8)))
    return field


def parse_mountinfo(text: str) -> list[tuple[str, str]]:
    """(mount point, file system type) of each line, in the kernel's order.

    A line is `ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER`
    (proc(5)); the optional fields end at the lone `-`.
    """
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if "-" not in fields[5:]:
            continue
        separator = fields.index("-", 5)
        if separator + 1 < len(fields):
            mounts.append((unescape(fields[4]), fields[separator + 1]))
    return mounts


def filesystem_type(path: Path, mountinfo: str | None = None) -> str | None:
    """The type of the file system holding `path` (which need not exist yet: its nearest
    existing parent counts), or None when the mount table can't be read (not Linux)."""
    if mountinfo is None:
        try:
            mountinfo = MOUNTINFO.read_text()
        except OSError:
            return None
    path = resolved(Path(path).absolute())
    found = None
    longest = -1
    # The deepest mount point above the path holds it; of mounts on one point the last counts
    # (mounted over the others).
    for mount_point, fs_type in parse_mountinfo(mountinfo):
        if path.is_relative_to(mount_point) and len(mount_point) >= longest:
            found, longest = fs_type, len(mount_point)
    return found


def resolved(path: Path) -> Path:
    """`path` with the links of its existing part resolved (the store may be a link to a
    mount), the rest as it is."""
    missing = []
    while not path.exists() and path != path.parent:
        missing.insert(0, path.name)
        path = path.parent
    return path.resolve().joinpath(*missing)
