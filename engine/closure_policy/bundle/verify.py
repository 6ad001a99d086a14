"""A bundle accepted whole or refused whole: unpacked within the limits, its signature and every digest
checked, then its rules checked and compiled as ``check`` and ``serve`` do.

Nothing of a bundle is written before its signature and digests hold; a
bundle's folder is written beside its final place and renamed into it, so a
folder of that name is always a whole, verified bundle.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..errors import ClosurePolicyError
from ..policy import Policy, load_policy
from .archive import BundleError, read_tarball
from .manifest import NAME, SIGNATURE, Manifest, digest
from .signing import check


@dataclass(frozen=True)
class Verified:
    manifest: Manifest
    files: dict[str, bytes]  #: every file but the manifest and its signature
    key_id: str | None  #: the key that signed it (None: not asked to check a signature)
    digest: str  #: of the manifest: one bundle, one digest

    @property
    def folder_name(self) -> str:
        return self.digest.removeprefix("sha256:")[:32]


def verify(data: bytes, key: Ed25519PublicKey | None) -> Verified:
    """The bundle's manifest and files, once its signature (with ``key``) and every digest hold."""
    files = read_tarball(data)
    manifest_bytes = files.pop(NAME, None)
    signature = files.pop(SIGNATURE, None)
    if manifest_bytes is None:
        raise BundleError(f"no {NAME}: not a closure-policy bundle")
    signed_by = check(manifest_bytes, signature, key) if key is not None else None
    manifest = Manifest.from_bytes(manifest_bytes)
    manifest.check_files(files)
    if not any(p.startswith(manifest.rules + "/") for p in files):
        raise BundleError(f"{NAME}: its rule folder {manifest.rules!r} holds no file")
    return Verified(manifest, files, signed_by, digest(manifest_bytes))


def unpack(verified: Verified, under: Path) -> Path:
    """The bundle's files under ``under/<its digest>/`` (written once; a folder already there is this bundle);
    the rule folder's path."""
    final = under / verified.folder_name
    if not final.is_dir():
        under.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=under))
        try:
            for path, data in verified.files.items():
                target = scratch / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            os.replace(scratch, final)
        except OSError:
            shutil.rmtree(scratch, ignore_errors=True)
            if not final.is_dir():  # another process unpacked the same bundle first: that one is whole
                raise
    return final / verified.manifest.rules


def load_bundle(verified: Verified, under: Path, backend: str = "compiled") -> Policy:
    """The bundle's policy, checked and compiled; :class:`BundleError` naming its first problems otherwise, and
    when its revision is not the one its manifest states."""
    rules = unpack(verified, under)
    try:
        policy = load_policy(rules, backend=backend)
    except ClosurePolicyError as exc:
        raise BundleError(f"its rules do not pass check: {exc.report().splitlines()[0]}") from None
    if policy.revision != verified.manifest.revision:
        raise BundleError(f"{NAME}: states revision {verified.manifest.revision[:19]}…; its rules are "
                          f"{policy.revision[:19]}…")
    return policy
