"""JSON Pointers (RFC 6901), written and read in one place: ``~`` is ``~0`` and ``/`` is ``~1`` in a key."""
from __future__ import annotations

from typing import Iterable


def escape(key: object) -> str:
    """One key (or list index) as it stands in a pointer."""
    return str(key).replace("~", "~0").replace("/", "~1")


def json_pointer(path: Iterable[object]) -> str:
    """The pointer of a path of keys and indexes (``""`` for the whole document)."""
    return "".join("/" + escape(p) for p in path)


def parts(pointer: str) -> list[str]:
    """The keys of a pointer, unescaped (``"/a~1b/0"`` -> ``["a/b", "0"]``)."""
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
