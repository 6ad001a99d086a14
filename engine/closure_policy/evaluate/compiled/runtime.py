"""The fixed vocabulary of generated code: every global name its source may use.

Generated functions read facts that JSON Schema has already accepted and turn
the scalars they read into engine values here, once, where they read them
(lazy normalisation). A scalar JSON Schema cannot judge (an amount's digits, an
instant's range, a time zone the database lacks, a lone surrogate, a repeated
id) raises :class:`Unreadable`; the caller then runs the full checker, which
names every problem with its JSON pointer. Nothing here knows the bundled policy.
"""
from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType
from typing import Any

from ...decision import Decision, Violation
from ...jsondoc import dump
from ...jsonvalues import to_json
from ...scalars import Instant, ScalarError, time_zone, to_instant, to_money


class Unreadable(Exception):
    """A fact the generated code could not read; the full checker says where and why."""


def money(value: Any) -> Any:
    if value is None:
        return None
    try:
        return to_money(value)
    except ScalarError as exc:
        raise Unreadable(f"an amount {exc}") from None


def instant(value: Any) -> Any:
    if value is None or type(value) is Instant:
        return value
    try:
        return to_instant(value)
    except ScalarError as exc:
        raise Unreadable(f"a timestamp {exc}") from None


_LAST_DAY = {"01": "31", "02": "28", "03": "31", "04": "30", "05": "31", "06": "30", "07": "31", "08": "31",
             "09": "30", "10": "31", "11": "30", "12": "31"}


def instant_checked(value: Any) -> None:
    """A timestamp no rule reads, checked: the schema's pattern fixed its form, so only a day
    the month may lack (29 February, 31 April...) or a year at the ends of the range needs a full read."""
    if type(value) is str and not ("0001" < value[:4] < "9999"
                                   and "01" <= value[8:10] <= _LAST_DAY.get(value[5:7], "")):
        instant(value)


def zone(value: Any) -> Any:
    if value is not None:
        try:
            time_zone(value)
        except ScalarError as exc:
            raise Unreadable(f"a time zone {exc}") from None
    return value


def unicode(facts: Any) -> None:
    """Every string of the document is Unicode text: one pass in C (msgspec refuses a lone surrogate)."""
    try:
        dump(facts)
    except UnicodeEncodeError:
        raise Unreadable("a string holds a lone surrogate") from None
    except TypeError:
        raise Unreadable("a value that is not JSON") from None


def not_unique(key: str) -> None:
    raise Unreadable(f"two items of a list share one {key}")


def dig(value: Any, keys: tuple[str, ...], default: Any = None) -> Any:
    """A path below a bound item, missing parts read as None (the last key's default if it has one)."""
    for key in keys[:-1]:
        if value is None:
            return None
        value = value.get(key)
    return value.get(keys[-1], default) if value is not None else None


def day(moment: Any, zone_name: Any) -> Any:
    """The calendar day of an instant in a zone (UTC when None); None for no instant."""
    return moment.day_in(zone_name) if moment is not None else None


_OBJECTS = (dict, MappingProxyType)  # concrete types: an ABC's isinstance costs a decision too much


def display(value: Any) -> str:
    """A value as a message shows it: an object as ``key: value`` pairs, a list of objects one after another."""
    if isinstance(value, _OBJECTS):
        return ", ".join(f"{key}: {display(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        separator = "; " if value and isinstance(value[0], _OBJECTS) else ", "  # a fact's list is of one kind
        return separator.join(display(v) for v in value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(to_json(value))


def shown(text: Any) -> str:
    """A text of a message, or the dash that stands for a missing value."""
    return "—" if text is None else text


def decimal_text(value: Any) -> Any:
    return None if value is None else format(value, "f")


def instant_text(value: Any) -> Any:
    return None if value is None else value.isoformat()


#: The details of a violation whose rule has none: one empty mapping, shared (it cannot be changed).
NO_DETAILS: MappingProxyType[str, Any] = MappingProxyType({})
_new_violation, _set = Violation.__new__, object.__setattr__


def violation(rule: str, step: int | None, title: str, message: str, remediation: list[str] | tuple[str, ...],
              details: dict[str, Any] | MappingProxyType[str, Any], source: MappingProxyType[str, str]) -> Violation:
    """A violation from values the generated code made fresh (so nothing is copied); a large policy makes
    thousands a decision, so its dictionary is given whole, and what is empty is shared."""
    made = _new_violation(Violation)
    _set(made, "__dict__", {"rule": rule, "step": step, "title": title, "message": message,
                            "remediation": remediation if remediation.__class__ is tuple else tuple(remediation),
                            "details": details if details is NO_DETAILS else MappingProxyType(details),
                            "source": source})
    return made


def decision(query: str, account_id: Any, outcome: str, violations: list[Violation],
             effects: list[dict[str, Any]], response: dict[str, Any] | None, track: bool | None,
             policy: MappingProxyType[str, str], lang: str) -> Decision:
    made = Decision.__new__(Decision)
    made.__dict__.update(
        query=query, account_id=account_id, outcome=outcome, violations=tuple(violations),
        effects=tuple(map(MappingProxyType, effects)),
        response=MappingProxyType(response) if response is not None else None,
        track=track, policy=policy, lang=lang, trace=None)
    return made


def collect(got: dict[int, Any], rank: tuple[int, ...], emitting: frozenset[int],
            ) -> tuple[list[Violation], list[dict[str, Any]], int | None]:
    """An outlined query's results by rule number: violations by rank (step, then id), effects in the order
    the rules are written, and the number of the first violated rule (None: none)."""
    effects: list[dict[str, Any]] = []
    for number in sorted(n for n in got if n in emitting):
        effects += got[number]
    ordered = sorted((rank[n], n) for n in got if n not in emitting)
    return [got[n] for _, n in ordered], effects, (ordered[0][1] if ordered else None)


#: The names a generated function's globals hold, besides its numbered constants (``K0``, ``K1``...).
VOCABULARY: dict[str, Any] = {
    "_Decimal": Decimal, "_money": money, "_instant": instant,
    "_instant_checked": instant_checked, "_zone": zone, "_unicode": unicode, "_not_unique": not_unique, "_dig": dig,
    "_day": day, "_display": display, "_json": to_json, "_shown": shown, "_decimal_text": decimal_text,
    "_instant_text": instant_text, "_violation": violation, "_decision": decision, "_collect": collect,
    "_NO_DETAILS": NO_DETAILS,
}
