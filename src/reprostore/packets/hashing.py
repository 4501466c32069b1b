"""Hashes written `alg:hex`, as outpack uses them for files and metadata."""

import hashlib
import re
from dataclasses import dataclass

from .errors import BadRequest

ALGORITHMS = ("md5", "sha1", "sha256", "sha384", "sha512")
HASH_FORMAT = re.compile(r"\s*([A-Za-z0-9]+):([0-9A-Fa-f]+)\s*")
CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class Hash:
    algorithm: str
    value: str

    def __str__(self):
        return f"{self.algorithm}:{self.value}"

    @property
    def is_canonical(self):
        """Whether this could name a stored file: lower-case hex of the algorithm's full length.

        Anything else (`sha256:123456`, upper case, one hex digit) is well formed but can never
        match a digest, so it is "not found" rather than a path to build.
        """
        expected = hashlib.new(self.algorithm).digest_size * 2
        return len(self.value) == expected and self.value == self.value.lower()


def check_algorithm(algorithm):
    if algorithm not in ALGORITHMS:
        raise BadRequest(f"Invalid hash algorithm '{algorithm}'")
    return algorithm


def parse_hash(text):
    """Parse `alg:hex` (surrounding whitespace allowed) or raise BadRequest quoting `text`."""
    match = HASH_FORMAT.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise BadRequest(f"Invalid hash format '{text}'")
    algorithm, value = match.groups()
    return Hash(check_algorithm(algorithm), value)


def hash_bytes(data, algorithm):
    return Hash(algorithm, hashlib.new(algorithm, data).hexdigest())


def hash_file(path, algorithm):
    with open(path, "rb") as f:
        return Hash(algorithm, hashlib.file_digest(f, algorithm).hexdigest())


def check_hash(expected, found):
    """Raise the protocol's mismatch error unless the two hashes are equal."""
    if found != expected:
        raise BadRequest(f"Expected hash '{expected}' but found '{found}'")


def copy_and_hash(source, destination, algorithm, chunk_size=CHUNK_SIZE):
    """Copy a readable stream to a writable one in chunks; return the hash and size copied.

    Memory stays at one chunk whatever the size of the stream.
    """
    digest = hashlib.new(algorithm)
    size = 0
    while chunk := source.read(chunk_size):
        digest.update(chunk)
        destination.write(chunk)
        size += len(chunk)
    return Hash(algorithm, digest.hexdigest()), size
