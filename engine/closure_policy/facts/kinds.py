"""The kinds of value a facts schema marks with ``x-kind``: the checks JSON Schema cannot make, in one table.

Each kind says how a value is read for the rules (exact, from :mod:`closure_policy.scalars`)
and what the compiled backend's generated code calls to do the same as it reads
(``evaluate/compiled/runtime.py``'s names): the normaliser, the code generator
and the schema reader all take the kinds from here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..scalars import time_zone, to_instant, to_money


@dataclass(frozen=True)
class ValueKind:
    name: str  #: the ``x-kind`` value
    convert: Callable[[Any], Any]  #: the value rules compare; raises ``ScalarError`` for one that is not
    converts: bool  #: whether that value differs from the JSON one (False: the JSON value is only checked)
    reader: str  #: the generated code's name that converts while it reads
    checker: str  #: the generated code's name that only checks (a fact no rule of the query reads)
    meaning: str


def _zone(value: Any) -> Any:
    time_zone(value)
    return value


KINDS: dict[str, ValueKind] = {k.name: k for k in (
    ValueKind("money", to_money, True, "_money", "_money",
              "an exact decimal amount: a decimal string or a JSON number, never a float"),
    ValueKind("timestamp", to_instant, True, "_instant", "_instant_checked",
              "an RFC 3339 instant with an offset, compared exactly"),
    ValueKind("timezone", _zone, False, "_zone", "_zone", "an IANA time-zone name the time-zone database knows"),
)}
