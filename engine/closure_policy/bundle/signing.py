"""Ed25519 keys as ``openssl genpkey -algorithm ed25519`` writes them (PEM), and the manifest's signature.

The signature file (``.signature``) is JSON: the algorithm, the signing key's
id (the SHA-256 of its raw public key, so an operator can tell keys apart) and
the signature itself, base64. It covers the manifest's bytes exactly.
"""
from __future__ import annotations

import base64
import hashlib
from typing import Any, Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .. import limits
from ..jsondoc import canonical, parse
from .archive import BundleError

ALGORITHM = "Ed25519"


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:16]


def private_key(path: str) -> Ed25519PrivateKey:
    key = _load(path, lambda pem: serialization.load_pem_private_key(pem, password=None))
    if not isinstance(key, Ed25519PrivateKey):
        raise BundleError(f"{path}: not an Ed25519 private key (openssl genpkey -algorithm ed25519)")
    return key


def public_key(path: str) -> Ed25519PublicKey:
    key = _load(path, serialization.load_pem_public_key)
    if not isinstance(key, Ed25519PublicKey):
        raise BundleError(f"{path}: not an Ed25519 public key in PEM (openssl pkey -pubout)")
    return key


def _load(path: str, reader: Callable[[bytes], Any]) -> Any:
    """The key a PEM file holds (None: none the reader takes, or one under a passphrase)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(limits.MAX_KEY_BYTES + 1)  # never more: a path to a device or a huge file is no key
    except OSError as exc:
        raise BundleError(f"{path}: cannot read the key ({exc.strerror or exc})") from None
    if b"-----BEGIN" not in data or len(data) > limits.MAX_KEY_BYTES:
        raise BundleError(f"{path}: not a PEM key")
    try:
        return reader(data)
    except (ValueError, TypeError):
        return None


def sign(manifest: bytes, key: Ed25519PrivateKey) -> bytes:
    signature = base64.b64encode(key.sign(manifest)).decode("ascii")
    return canonical({"algorithm": ALGORITHM, "key_id": key_id(key.public_key()), "signature": signature})


def check(manifest: bytes, signature: bytes | None, key: Ed25519PublicKey) -> str:
    """The key id that signed the manifest, or :class:`BundleError` (unsigned, another key, a changed manifest)."""
    if signature is None:
        raise BundleError("the bundle is not signed (no .signature)")
    document, problems = parse(signature)
    if problems or not isinstance(document, dict) or document.get("algorithm") != ALGORITHM or \
            not isinstance(document.get("signature"), str):
        raise BundleError(f".signature: not an {ALGORITHM} signature of this tool")
    try:
        key.verify(base64.b64decode(document["signature"], validate=True), manifest)
    except (InvalidSignature, ValueError):
        signed_by = document.get("key_id")
        hint = f" (signed by {signed_by}, not {key_id(key)})" if signed_by != key_id(key) else ""
        raise BundleError(f".signature: does not verify with the given key{hint}") from None
    return key_id(key)
