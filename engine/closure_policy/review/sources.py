"""The base revision of a review: a rule folder, or the same folder at a git ref of the current repository.

At a ref, the rule folder and the facts schema its ``policy.yaml`` names are
read with ``git archive`` into a temporary folder, at the same places relative
to the repository's top, so the schema's relative path resolves as it did.
"""
from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

from ..errors import ClosurePolicyError
from ..load import load_yaml_file


def _git(*args: str, cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ClosurePolicyError(f"--base: git cannot run ({exc})") from None
    if done.returncode != 0:
        raise ClosurePolicyError(f"--base: git {args[0]}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _extract(ref: str, top: Path, paths: list[str], into: Path) -> None:
    data = _git("archive", "--format=tar", ref, "--", *paths, cwd=top)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")  # the data filter refuses links out, absolute paths and devices


def rules_at(ref: str, rules: str) -> tuple[str, tempfile.TemporaryDirectory[str]]:
    """The rule folder ``rules`` as it was at ``ref``, in a temporary folder (kept while the handle lives)."""
    folder = Path(rules).resolve()
    top = Path(_git("rev-parse", "--show-toplevel", cwd=folder).decode().strip())
    relative = os.path.relpath(folder, top)
    if relative.startswith(".."):
        raise ClosurePolicyError(f"--base: {rules} is not inside the repository at {top}")
    _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=top)
    scratch = tempfile.TemporaryDirectory(prefix="closure-policy-base-")
    into = Path(scratch.name)
    _extract(ref, top, [relative], into)
    base = into / relative
    schema = _schema_named(base / "policy.yaml")
    if schema is not None:
        named = os.path.normpath(os.path.join(relative, schema))
        if not named.startswith("..") and not (into / named).exists():
            _extract(ref, top, [named], into)
    return str(base), scratch


def _schema_named(policy: Path) -> str | None:
    source, problems = load_yaml_file(policy, str(policy))  # within the limits, as every rule file is read
    data = source.data if not problems else None  # a broken one: the base's check says what is wrong
    named = data.get("policy", {}).get("facts_schema") if isinstance(data, dict) else None
    return named if isinstance(named, str) else None
