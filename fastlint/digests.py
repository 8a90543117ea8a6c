"""Content digests for the cache: of bytes, and of plain data whatever its object identity."""

from __future__ import annotations

try:  # what hashlib.blake2b is; importing hashlib also loads OpenSSL (2 ms of a warm run)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b


def digest(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


def file_digest(path: str, block: int = 1 << 16) -> tuple[str, int]:
    """``digest`` of a file's bytes, and their number, read a block at a time: a file too
    big to analyse is hashed without holding it (its 20 MB read at once also made the
    allocator keep every later block up to that size on its heap, never given back)."""
    hasher = blake2b(digest_size=16)
    size = 0
    buffer = bytearray(block)
    view = memoryview(buffer)
    with open(path, "rb") as file:
        while count := file.readinto(buffer):
            hasher.update(view[:count])
            size += count
    return hasher.hexdigest(), size


def value_digest(value: object) -> str:
    """The digest of plain, acyclic data (summaries, registries), equal for equal values.

    A plain pickle is not: it writes an object seen twice as a back-reference, so equal
    summaries built in two processes (a pool worker, then the main process), whose strings
    are shared differently, would differ, and every finding resting on them would be
    recomputed. The pickler's fast mode keeps no memo, so only the values count.
    """
    import io
    import pickle

    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: no back-references (the data holds no cycles)
    pickler.dump(value)
    return digest(buffer.getvalue())
