"""The OpenAPI document's extension keywords, read by a validator of their own: what the service refuses
that JSON Schema cannot say, as the document says it (``x-unique-by``, ``x-fraction-digits``,
``x-earliest``/``x-latest``). Written apart from the engine, so that a test comparing the two compares two
readings of the document, not the engine with itself."""
from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any, Iterator

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))")


def _seconds(text: str) -> int | None:
    """Whole seconds from 0001-01-01T00:00:00Z (a fraction of a second cannot cross a day), or None."""
    found = _RFC3339.fullmatch(text)
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(found.group(i)) for i in range(1, 7))
    try:
        days = datetime.date(year, month, day).toordinal() - 1
    except ValueError:
        return None
    offset = (int(found.group(8)) * 3600 + int(found.group(9)) * 60) * (-1 if found.group(7) == "-" else 1) \
        if found.group(7) else 0
    return days * 86_400 + hour * 3600 + minute * 60 + second - offset


def _earliest(validator: Any, bound: str, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    at, least = _seconds(instance) if isinstance(instance, str) else None, _seconds(bound)
    if at is not None and least is not None and at < least:
        yield jsonschema.ValidationError(f"{instance!r} is before {bound}")


def _latest(validator: Any, bound: str, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    at, most = _seconds(instance) if isinstance(instance, str) else None, _seconds(bound)
    if at is not None and most is not None and at > most:
        yield jsonschema.ValidationError(f"{instance!r} is after {bound}")


def _fraction_digits(validator: Any, most: int, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    if isinstance(instance, (int, float)) and not isinstance(instance, bool):
        exponent = Decimal(repr(instance)).as_tuple().exponent  # as JSON writes it (json.dumps uses repr)
        if isinstance(exponent, int) and -exponent > most:
            yield jsonschema.ValidationError(f"{instance!r} has {-exponent} digits after the point")


def _unique_by(validator: Any, key: str, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    if isinstance(instance, list):
        seen = [item[key] for item in instance if isinstance(item, dict) and key in item]
        if len(seen) != len({repr(v) for v in seen}):
            yield jsonschema.ValidationError(f"two items share a {key}")


Documented = jsonschema.validators.extend(jsonschema.Draft202012Validator, {
    "x-earliest": _earliest, "x-latest": _latest, "x-fraction-digits": _fraction_digits, "x-unique-by": _unique_by})


def request_validator(document: dict[str, Any], path: str) -> Any:
    """A validator of the JSON body ``POST path`` takes, by the document's schema and its extension keywords."""
    registry = Registry().with_resource("urn:openapi", Resource(contents=document, specification=DRAFT202012))
    escaped = path.replace("~", "~0").replace("/", "~1")
    pointer = f"/paths/{escaped}/post/requestBody/content/application~1json/schema"
    return Documented({"$ref": "urn:openapi#" + pointer}, registry=registry,
                      format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
