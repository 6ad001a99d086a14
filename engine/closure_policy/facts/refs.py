"""The one place a facts schema's ``$ref`` is followed.

A facts schema refers to its own ``$defs`` (``#/$defs/money``): the engine reads
no other kind, and the facts stage refuses any other with its pointer. Every
reader of the schema (the fact types, the fields the catalog and the editor
show, the prover's constraints) follows a reference here, by ``referencing``,
the library python-jsonschema resolves with.
"""
from __future__ import annotations

from typing import Any

from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

#: The only references a facts schema may hold: to an entry of its own ``$defs``.
PREFIX = "#/$defs/"
_BASE = "urn:closure-policy:facts-schema"


class Refs:
    """The references of one facts schema."""

    def __init__(self, root: Any):
        resource = DRAFT202012.create_resource(root if isinstance(root, dict) else {})
        self._resolver = Registry().with_resource(_BASE, resource).resolver(base_uri=_BASE)

    @staticmethod
    def name(ref: Any) -> str | None:
        """The ``$defs`` entry a reference names; None for any other reference."""
        if not isinstance(ref, str) or not ref.startswith(PREFIX):
            return None
        name = ref[len(PREFIX):]
        return name if name and "/" not in name else None  # an entry, not a part of one

    def target(self, ref: Any) -> Any:
        """What ``ref`` refers to; :class:`LookupError` when it names nothing of this schema."""
        if self.name(ref) is None:
            raise LookupError(f"a $ref names an entry of this schema's $defs ({PREFIX}NAME), not {ref!r}")
        try:
            return self._resolver.lookup(ref).contents
        except Unresolvable:
            raise LookupError(f"a $ref names an entry of this schema's $defs ({PREFIX}NAME), not {ref!r}") from None
