"""A policy shipped to workers as the contents of its files, loaded once per worker process.

A remote worker needs nothing but the installed package: it gets the rule
files' texts and the facts schema's, not a path on the client's disk, and the
revision it computes is the client's (a revision depends on the contents, not
on where they lie).
"""
from __future__ import annotations

import hashlib
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from ..policy import Policy, load_policy
from ..resources import rules_dir

_loaded: dict[str, Policy] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class PolicyBundle:
    files: tuple[tuple[str, str], ...]  #: (file name, text) of each rule file
    facts_schema: tuple[str, bytes]  #: (the path policy.facts_schema names, the file's bytes)
    backend: str = "compiled"

    @classmethod
    def of(cls, directory: str | None, backend: str = "compiled") -> PolicyBundle:
        """The rule files of ``directory`` (default: the bundled rules), once the loader has taken them.

        Loading first means a rule folder is read only within the loader's limits
        and refusals (size, UTF-8, links out of the folder, FIFOs), and a broken
        one is reported with ``file:line:col`` before anything is shipped; the
        texts shipped are those the loader read and checked, not a second read.
        """
        folder = Path(directory) if directory is not None else rules_dir()
        policy = load_policy(folder, backend=backend)
        named = policy.compilation.ruleset.facts_schema
        bundle = cls(tuple(sorted((s.path.name, s.text) for s in policy.compilation.sources)),
                     (named, policy.facts_schema.data), backend)
        with _lock:  # the client's own copy: what it checked is what it ships, compiled once here
            _loaded.setdefault(bundle.digest, policy)
        return bundle

    @property
    def digest(self) -> str:
        h = hashlib.sha256(self.backend.encode())
        for name, text in self.files:
            h.update(b"\0" + name.encode("utf-8") + b"\0" + text.encode("utf-8"))
        h.update(b"\0" + self.facts_schema[0].encode("utf-8") + b"\0" + self.facts_schema[1])
        return h.hexdigest()

    def load(self) -> Policy:
        """The policy, compiled once per process however many partitions ask for it."""
        key = self.digest
        with _lock:
            if key not in _loaded:
                with tempfile.TemporaryDirectory(prefix="closure-policy-rules-") as root:
                    _loaded[key] = load_policy(self._unpacked(Path(root)), backend=self.backend)
            return _loaded[key]

    def _unpacked(self, root: Path) -> Path:
        """The files laid out under ``root`` as they lay on the client: the schema where the rules name it.

        The rule folder sits as many levels down as the schema's path climbs (``../``), so that the
        schema stays inside ``root``.
        """
        named, data = self.facts_schema
        climbs = Path(named).parts.count("..")
        folder = root.joinpath(*(f"up{i}" for i in range(climbs)), "rules")
        folder.mkdir(parents=True)
        for name, text in self.files:
            (folder / name).write_text(text, encoding="utf-8")
        schema = folder / named
        schema.parent.mkdir(parents=True, exist_ok=True)
        schema.write_bytes(data)
        return folder
