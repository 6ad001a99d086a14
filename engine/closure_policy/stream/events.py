"""The JSON Schema of a policy's stream events, made from its ``stream:`` declaration.

Every line is an envelope (``account_id``, ``type``, ``payload``); the types are
the events the policy declares, and each type's payload holds exactly the
fields its declaration reads (a ``replace``'s document, a ``merge``'s or an
``append``'s object, a ``set``'s value, an ``update``'s ``match``, an ``ask``'s
``add``). Nothing here names an event of the bundled policy: a second policy's
stream gets its own schema. ``closure-policy reference`` prints it.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping

from .. import limits
from ..compile.stream import StreamSpec

_OBJECT = {"type": "object"}
_ANY: dict[str, Any] = {}


def events_schema(spec: StreamSpec) -> dict[str, Any]:
    """The schema every line of the stream is checked against before it is applied."""
    return {**_envelope(list(spec.events)),
            "allOf": [_payload(kind, event) for kind, event in spec.events.items()]}


def event_schema(spec: StreamSpec, kind: str) -> dict[str, Any]:
    """The schema of the events of one type: an event of that type is valid under it exactly when it is
    valid under :func:`events_schema` (whose other types' conditions do not apply to it)."""
    envelope = _envelope([kind])
    payload = _payload(kind, spec.events[kind])["then"]["properties"]["payload"]
    envelope["properties"]["payload"] = {**envelope["properties"]["payload"], **payload}
    return envelope


def _envelope(kinds: list[str]) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Stream event",
        "description": "One line of `closure-policy stream`'s input: something that happened to one subject.",
        "type": "object",
        "additionalProperties": False,
        "required": ["account_id", "type", "payload"],
        "properties": {
            "account_id": {"description": "What the event is about (the policy's subject).", "type": "string",
                           "minLength": 1, "maxLength": limits.MAX_ID_LENGTH},
            "type": {"description": "What happened: an event the policy's stream declares.", "enum": kinds},
            "payload": {"description": "What the event carries; its fields depend on type.", "type": "object"},
        },
    }


def _payload(kind: str, event: Mapping[str, Any]) -> dict[str, Any]:
    fields = dict(_fields(event))
    return {"if": {"properties": {"type": {"const": kind}}},
            "then": {"properties": {"payload": {"description": f"The payload of {kind}.", "required": list(fields),
                                                "additionalProperties": False, "properties": fields}}}}


def _fields(event: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(payload field, its schema) of each field the event's declaration reads."""
    if "replace" in event:
        yield event["replace"], _OBJECT
    for name in event.get("merge", {}).values():
        yield name, _OBJECT
    yield from _set(event.get("set", {}))
    for name in event.get("append", {}).values():
        yield name, _ANY
    update = event.get("update")
    if update is not None:
        yield update["match"], _ANY
        yield from _set(update.get("set", {}))
        if "merge" in update:
            yield update["merge"], _OBJECT
    for name in event.get("add", {}).values():
        yield name, _ANY


def _set(fields: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for value in fields.values():
        if isinstance(value, str):  # a payload field; {value: ...} is a literal of the declaration
            yield value, _ANY
