"""Content digests for fingerprints and the lint cache.

BLAKE2b comes from `_blake2`, the module `hashlib` itself re-exports it from: importing `hashlib`
also loads OpenSSL's bindings (about 10 ms here), a cost every `improve lint` run from
pre-commit would pay for a hash function it does not use.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without its own BLAKE2
    from hashlib import blake2b

DIGEST_SIZE = 16


def digest(data: bytes) -> bytes:
    """The 16-byte BLAKE2b digest of `data` (what the cache compares)."""
    return blake2b(data, digest_size=DIGEST_SIZE).digest()


def hasher() -> blake2b:
    """An incremental BLAKE2b of the same size, for fingerprints built from many parts."""
    return blake2b(digest_size=DIGEST_SIZE)
