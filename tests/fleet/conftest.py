from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from ..conftest import FIXTURE_RULES


def keypair(folder: Path, name: str) -> tuple[Path, Path]:
    """An Ed25519 key pair as openssl writes it (``genpkey``, ``pkey -pubout``)."""
    private, public = folder / f"{name}.pem", folder / f"{name}.pub.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(private)], check=True,
                   capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", str(private), "-pubout", "-out", str(public)], check=True,
                   capture_output=True)
    return private, public


@pytest.fixture(scope="session")
def keys(tmp_path_factory: Any) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("keys")
    signing, public = keypair(folder, "signing")
    other, other_public = keypair(folder, "other")
    return {"signing": signing, "public": public, "other": other, "other_public": other_public}


def rules_copy(folder: Path, message: str | None = None) -> Path:
    """The fixture rules in ``folder``/rules; ``message``: one rule's English message changed (a new revision)."""
    target = folder / "rules"
    shutil.copytree(FIXTURE_RULES, target)
    if message is not None:
        gate = target / "gate.yaml"
        old = '"Account {account.id} is closed."'
        gate.write_text(gate.read_text(encoding="utf-8").replace(old, f'"{message}"', 1), encoding="utf-8")
    return target


def retarred(data: bytes, change: Any) -> bytes:
    """The tarball with its members as ``change(list of (TarInfo, bytes))`` returns them."""
    members = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar:
            handle = tar.extractfile(member)
            members.append((member, handle.read() if handle is not None else b""))
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for member, content in change(members):
            member.size = len(content) if member.isfile() else 0
            tar.addfile(member, io.BytesIO(content) if member.isfile() else None)
    return out.getvalue()
