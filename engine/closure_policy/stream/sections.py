"""Checking what an event changed, not the whole document: one top-level section of an account's facts.

An account's facts were valid as a whole before an event (each state is checked
when it comes in: a snapshot, a migration, a state file read back), and an
event changes a few top-level sections. When the facts schema judges its
sections one by one (its root holds only ``type: object``, ``properties``,
``required``, ``additionalProperties`` and annotations: no keyword relates two
sections), the document is valid after the change exactly when each changed
section is valid against its own property schema and passes the checks a
decision makes of it (``codegen.checker``: what JSON Schema cannot judge). A
schema whose root says more is checked whole after every change.
"""
from __future__ import annotations

from typing import Any, Callable

import jsonschema_rs

from ..evaluate.compiled.codegen import checker
from ..evaluate.compiled.runtime import Unreadable
from ..facts.types import FactType

Check = Callable[[Any], bool]

#: Root keywords that judge no section against another (the rest, ``allOf``, ``if``, ``dependentRequired``...,
#: may: a schema with any of them is checked whole).
_LOCAL_ROOT = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default",
                         "deprecated", "readOnly", "writeOnly", "type", "properties", "required",
                         "additionalProperties"})
#: Keywords that would change how a section's schema, lifted out of the root, resolves its references.
_RESOLVING = frozenset({"$schema", "$id", "$defs", "$anchor", "$dynamicAnchor", "$vocabulary"})
_UNJUDGED = (ValueError, TypeError, OverflowError, Unreadable)  # a value JSON cannot hold, or a check's refusal


class Sections:
    """A check of each section of one facts schema, and of the whole document."""

    def __init__(self, schema: Any, types: FactType):
        self._schema, self._types = schema, types
        self.whole: Check = _judge(jsonschema_rs.validator_for(schema), checker(types))
        self.local = _local(schema)
        self._made: dict[str, Check | None] = {}

    def check(self, name: str) -> Check | None:
        """The check of section ``name`` alone, made once; None when only the whole document can be judged."""
        if name not in self._made:
            self._made[name] = self._make(name)
        return self._made[name]

    def _make(self, name: str) -> Check | None:
        if not self.local:
            return None
        sub = self._schema.get("properties", {}).get(name)
        t = self._types.properties.get(name)
        if t is None or not isinstance(sub, (dict, bool)) or (isinstance(sub, dict) and _RESOLVING & sub.keys()):
            return None
        lifted = sub if isinstance(sub, bool) else {
            **sub, "$defs": self._schema.get("$defs", {}),
            **({"$schema": self._schema["$schema"]} if "$schema" in self._schema else {})}
        return _judge(jsonschema_rs.validator_for(lifted), checker(t))


def _local(schema: Any) -> bool:
    return (isinstance(schema, dict) and schema.get("type") == "object" and _LOCAL_ROOT.issuperset(schema)
            and isinstance(schema.get("properties", {}), dict))


def _judge(validator: Any, check: Callable[[Any], None]) -> Check:
    def valid(value: Any) -> bool:
        try:
            if not validator.is_valid(value):
                return False
            check(value)
        except _UNJUDGED:
            return False
        return True
    return valid
