"""The files of a policy as the editor sees them: the open buffers over the files on disk.

Every check reads through :class:`Documents`, so a buffer is checked as typed,
before it is saved, and a file another buffer depends on (``policy.yaml`` for a
rule file) is read as its buffer holds it too. The buffers themselves are kept
by whoever holds them (:class:`Buffers`): the server's are pygls's workspace,
which applies each edit the editor sends.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..errors import Problem
from ..load import SourceFile
from ..load.edit import reparse
from ..load.yaml_source import load_rule_dir, load_yaml_file, load_yaml_text
from ..resources import rules_dir

YAML = (".yaml", ".yml")


class Buffers(Protocol):
    """The open buffers: each one's text by its file's absolute path."""

    def buffer(self, path: Path) -> str | None: ...

    def paths(self) -> set[Path]: ...


class HeldBuffers(dict[Path, str]):
    """Buffers held here (a client of :class:`Documents` that is not a language server)."""

    def buffer(self, path: Path) -> str | None:
        return self.get(path.absolute())

    def paths(self) -> set[Path]:
        return set(self)


@dataclass
class Documents:
    buffers: Buffers = field(default_factory=HeldBuffers)
    # Each file read once per state (a buffer's text, a file's size and time): an edit parses only its buffer.
    _read: dict[Path, tuple[Any, tuple[SourceFile, list[Problem]]]] = field(default_factory=dict)

    def text(self, path: Path) -> str | None:
        found = self.buffers.buffer(path.absolute())
        if found is not None:
            return found
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def load(self, path: Path) -> tuple[SourceFile, list[Problem]]:
        """One YAML file, from its buffer when it is open (read within the same limits as a file)."""
        path = path.absolute()
        state = self.state(path)
        cached = self._read.get(path)
        if cached is not None and cached[0] == state and state is not None:
            return cached[1]
        buffer = self.buffers.buffer(path)
        if buffer is not None:
            edited = reparse(cached[1][0], buffer) if cached is not None and not cached[1][1] else None
            found = (edited, []) if edited is not None else load_yaml_text(buffer, path, str(path))
        else:
            found = load_yaml_file(path, str(path))
        self._read[path] = (state, found)
        return found

    def state(self, path: Path) -> Any:
        """A buffer's text, or a file's time and size: equal states read alike."""
        buffer = self.buffers.buffer(path)
        if buffer is not None:
            return ("buffer", buffer)
        try:
            stat = path.stat()
        except OSError:
            return None
        return ("file", stat.st_mtime_ns, stat.st_size)

    def rule_folder(self, folder: Path) -> tuple[list[SourceFile], list[Problem]]:
        """The folder's rule files, each from its buffer when open; a new buffer not yet saved is one of them."""
        folder = folder.absolute()
        sources, problems = load_rule_dir(folder, names=lambda p: str(p.absolute()), load=self.load) \
            if folder.is_dir() else ([], [])
        on_disk = {s.path.absolute() for s in sources}
        for path in sorted(self.buffers.paths()):
            if path.parent == folder and path.suffix in YAML and path not in on_disk:
                source, found = self.load(path)
                sources.append(source)
                problems += found
        return sorted(sources, key=lambda s: s.path.name), problems


def kind_of(data: Any) -> str:
    """What a YAML document is: a rule file, a test suite, or a property file."""
    if isinstance(data, list):
        return "properties"
    if isinstance(data, dict) and ("cases" in data or "fixtures" in data):
        return "suite"
    return "rules"


def rules_near(path: Path, declared: str | None = None) -> Path:
    """The rule folder a suite or property file speaks of: its ``rules:``, else the nearest ``rules/`` folder
    above it (``tests/policy/x.yaml`` beside ``rules/``), else the bundled rules."""
    if declared:
        return (path.parent / declared).resolve()
    for folder in path.absolute().parents:
        if (folder / "rules").is_dir():
            return folder / "rules"
    return rules_dir()
