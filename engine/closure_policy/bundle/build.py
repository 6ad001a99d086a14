"""``closure-policy bundle build``: a rule folder, the facts schema it names and a manifest, in one tarball.

The policy is checked first (a bundle of rules with problems is never made).
Paths inside the bundle are those under the rule folder's parent: the rule
folder by its own name, the facts schema where ``policy.yaml`` says it is (it
must lie under that parent, as ``../schemas/facts.schema.json`` does).
"""
from __future__ import annotations

import os
from pathlib import Path

from ..load.yaml_source import RULE_SUFFIXES
from ..policy import load_policy
from .archive import BundleError, write_tarball
from .manifest import NAME, SIGNATURE, Manifest, digest
from .signing import private_key, sign


def build_bundle(rules: str, *, signing_key: str | None = None, label: str | None = None) -> tuple[bytes, Manifest]:
    """The bundle's bytes and its manifest; :class:`~closure_policy.errors.InvalidRules` for rules with problems."""
    key = private_key(signing_key) if signing_key is not None else None  # a bad key: said before any work
    policy = load_policy(rules)
    folder = Path(rules).resolve()
    base = folder.parent
    files = {f"{folder.name}/{p.name}": p.read_bytes() for p in sorted(folder.iterdir())
             if p.is_file() and p.suffix in RULE_SUFFIXES}
    schema = policy.compilation.ruleset.facts_schema
    if schema:
        files[_inside(base, folder / schema)] = (folder / schema).read_bytes()
    manifest = Manifest(policy.name, policy.revision, label or policy.revision, folder.name,
                        {path: digest(data) for path, data in sorted(files.items())})
    files[NAME] = manifest.to_bytes()
    if key is not None:
        files[SIGNATURE] = sign(files[NAME], key)
    return write_tarball(files), manifest


def _inside(base: Path, path: Path) -> str:
    relative = os.path.relpath(path.resolve(), base)
    if relative.startswith(".."):
        raise BundleError(f"{path}: the facts schema lies outside {base}, so a bundle cannot hold it where the "
                          "rules name it; keep it beside the rule folder")
    return Path(relative).as_posix()
