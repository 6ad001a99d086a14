"""A bundle's ``.manifest``: the policy, its revision, where its rules are, and the digest of every file.

The manifest is what a bundle's signature covers; every other file is covered
through its digest here, so one signature over a few hundred bytes vouches for
the whole bundle.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..jsondoc import canonical, parse
from .archive import BundleError

NAME = ".manifest"
SIGNATURE = ".signature"
FORMAT = "closure-policy-bundle/1"


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Manifest:
    policy: str  #: the policy's name
    revision: str  #: the policy's revision (the digest of its rules and facts schema, as the engine computes it)
    label: str  #: the revision as its authors name it (``--revision``: a tag, a commit); the revision if none
    rules: str  #: the rule folder's path inside the bundle
    files: dict[str, str]  #: path -> digest, every file of the bundle but the manifest and its signature

    def to_bytes(self) -> bytes:
        return canonical({"format": FORMAT, "policy": self.policy, "revision": self.revision,
                          "label": self.label, "rules": self.rules, "files": self.files})

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        document, problems = parse(data)
        if problems or not isinstance(document, dict) or document.get("format") != FORMAT:
            raise BundleError(f"{NAME}: not a closure-policy bundle manifest ({FORMAT})")
        try:
            files = document["files"]
            strings = [document[k] for k in ("policy", "revision", "label", "rules")]
        except KeyError as exc:
            raise BundleError(f"{NAME}: no {exc.args[0]!r}") from None
        if not all(isinstance(v, str) for v in strings) or not isinstance(files, dict) or \
                not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
            raise BundleError(f"{NAME}: its fields are strings, and files maps each path to its digest")
        policy, revision, label, rules = strings
        return cls(policy, revision, label, rules, dict(files))

    def check_files(self, files: dict[str, bytes]) -> None:
        """Every file the manifest names is there with its digest, and there is no other."""
        extra = sorted(set(files) - set(self.files))
        if extra:
            raise BundleError(f"{extra[0]}: a file the manifest does not name")
        for path, expected in sorted(self.files.items()):
            if path not in files:
                raise BundleError(f"{path}: named by the manifest, missing from the bundle")
            if digest(files[path]) != expected:
                raise BundleError(f"{path}: its digest is not the manifest's (the file was changed)")

