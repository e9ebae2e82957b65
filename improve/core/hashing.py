"""Digests: fingerprints of settings and code, and content ids of documents.

The hash functions come from `_blake2` and `_sha1`, the modules `hashlib` itself re-exports them
from: importing `hashlib` also loads OpenSSL's bindings (about 10 ms here), a cost every
`improve lint` run from pre-commit would pay for functions it does not use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import blake2b, sha1
else:
    try:
        from _blake2 import blake2b
        from _sha1 import sha1
    except ImportError:  # pragma: no cover - a Python built without its own hash modules
        from hashlib import blake2b, sha1

FINGERPRINT_SIZE = 16
CONTENT_ID_SIZE = 20


def digest(data: bytes) -> bytes:
    """The 16-byte BLAKE2b digest of `data` (fingerprints of the config, code and schemas)."""
    return blake2b(data, digest_size=FINGERPRINT_SIZE).digest()


def hasher() -> blake2b:
    """An incremental BLAKE2b of the same size, for fingerprints built from many parts."""
    return blake2b(digest_size=FINGERPRINT_SIZE)


def content_id(raw: bytes) -> bytes:
    """git's id of a blob with these bytes (SHA-1 of `blob <size>\\0` and the bytes): the lint
    cache can then tell, from git's index alone, that a tracked file still holds the bytes it
    analysed, without reading or even stat-ing it."""
    hashed = sha1(b"blob %d\0" % len(raw))
    hashed.update(raw)
    return hashed.digest()
