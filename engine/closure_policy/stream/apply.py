"""What an event (or an effect) does to an account's facts, as ``stream:`` declares it.

A small interpreter of a fixed vocabulary of operations (``replace``,
``merge``, ``set``, ``append``, ``update``) over facts sections and payload
fields. Every function returns new facts and leaves the given ones untouched,
copying only the section it changes, so a change the facts' validation then
refuses costs nothing to drop.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..text import excerpt

Facts = dict[str, Any]


class ApplyError(ValueError):
    """The event does not fit the account's facts (an unknown contract, a missing field, say)."""


def _field(payload: Mapping[str, Any], name: str) -> Any:
    if not isinstance(payload, Mapping) or name not in payload:
        raise ApplyError(f"the payload has no field {name!r}")
    return payload[name]


def _value(spec: Any, payload: Mapping[str, Any]) -> Any:
    return spec["value"] if isinstance(spec, dict) else _field(payload, spec)


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ApplyError(f"{what} is not an object")
    return value


def _list(facts: Facts, section: str) -> list[Any]:
    value = facts.get(section, [])
    if not isinstance(value, list):
        raise ApplyError(f"the facts' {section!r} is not a list")
    return value


def change(facts: Facts, spec: Mapping[str, Any], payload: Mapping[str, Any]) -> Facts:
    """``facts`` changed by the operations of ``spec``, reading ``payload``'s fields."""
    if "replace" in spec:
        facts = dict(_object(_field(payload, spec["replace"]), "the replacement facts"))
    for section, name in spec.get("merge", {}).items():
        facts = {**facts, section: {**_object(facts.get(section, {}), section),
                                    **_object(_field(payload, name), name)}}
    for target, value in spec.get("set", {}).items():
        section, _, key = target.partition(".")
        facts = {**facts, section: {**_object(facts.get(section, {}), section), key: _value(value, payload)}}
    for section, name in spec.get("append", {}).items():
        facts = {**facts, section: [*_list(facts, section), _field(payload, name)]}
    if "update" in spec:
        facts = _update(facts, spec["update"], payload)
    return facts


def _update(facts: Facts, spec: Mapping[str, Any], payload: Mapping[str, Any]) -> Facts:
    section, key = spec["in"], spec["key"]
    wanted = _field(payload, spec["match"])
    items = _list(facts, section)
    if not any(isinstance(i, dict) and i.get(key) == wanted for i in items):
        raise ApplyError(f"the account has no {section} item with {key} {excerpt(wanted)}")
    sets = {name: _value(value, payload) for name, value in spec.get("set", {}).items()}
    merged = _object(_field(payload, spec["merge"]), spec["merge"]) if "merge" in spec else {}
    return {**facts, section: [{**i, **merged, **sets} if isinstance(i, dict) and i.get(key) == wanted else i
                               for i in items]}


def apply_effects(facts: Facts, effects: Sequence[Mapping[str, Any]], by: str | None,
                  changes: Mapping[str, Mapping[str, Any]]) -> Facts:
    """Carry out the effects a query decided, each by the change declared for its type."""
    for effect in effects:
        kind = effect.get(by) if by is not None else None
        spec = changes.get(kind) if isinstance(kind, str) else None
        if spec is None:
            raise ApplyError(f"no change is declared for the effect type {excerpt(kind)} (stream.effects.apply)")
        facts = change(facts, spec, effect)
    return facts


def asked(spec: Mapping[str, Any], facts: Facts, payload: Mapping[str, Any]) -> Facts:
    """The facts an ``ask`` event's query is decided over: the account's, with the payload's fields added."""
    return {**facts, **{fact: _field(payload, name) for fact, name in spec.get("add", {}).items()}}


def kept(facts: Facts, keep: frozenset[str] | None) -> Facts:
    """What an account in a final state keeps: the ``keep`` sections; other lists emptied, the rest dropped.

    The compiler checked that every required section not kept is a list.
    """
    if keep is None:
        return facts
    return {k: (v if k in keep else []) for k, v in facts.items() if k in keep or isinstance(v, list)}
