"""A decision log record: what the service keeps of each decision, typed, and how it is made.

The record's shape is written once, here: the SQLite sink's columns, the JSON
Lines sink's keys and what both readers give back are its fields.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..clock import now_text
from ..decision import Decision
from ..jsondoc import canonical
from ..pointers import parts as _parts

MASK = "***"


@dataclass(frozen=True)
class Record:
    """One logged decision."""

    decision_id: str  #: a UUIDv7: ids sort by time
    time: str  #: UTC to the millisecond (:func:`log_time`)
    query: str
    outcome: str
    violations: list[str]  #: the ids of the rules that fired
    account_id: str | None  #: the decision's subject (``***`` when masked)
    lang: str
    policy_name: str
    revision: str
    facts_sha256: str  #: of the canonical facts as kept (masked)
    backend: str
    latency_ms: float
    source: str  #: who asked, as the request said (:data:`SOURCES`): the playground's decisions are told apart
    facts: Any  #: the facts as kept: JSON text as bytes when written, the document when read; None when not kept

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


#: The record's fields, in order: the SQLite log's columns.
FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Record))

#: What may ask for a decision: an application (the default), or the service's own playground page.
SOURCES: tuple[str, ...] = ("api", "playground")

#: Fields added after logs were first written, with the value a record written before them holds: a log
#: file is brought up to date when the service opens it, and read as it is.
ADDED: dict[str, str] = {"source": SOURCES[0]}


def decision_id() -> str:
    """A UUIDv7 (RFC 9562): milliseconds since the epoch, then random bits; ids sort by time."""
    # uuid.uuid7 arrives in Python 3.14; this is its layout.
    millis = time.time_ns() // 1_000_000
    value = (millis & (2**48 - 1)) << 80 | int.from_bytes(os.urandom(10), "big") & (2**80 - 1)
    value = value & ~(0xF << 76) | (0x7 << 76)  # version 7
    value = value & ~(0x3 << 62) | (0x2 << 62)  # the RFC 9562 variant
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass
class Masking:
    """What of the facts the log keeps: all of them, none, or all but the JSON pointers given.

    A mask covers what is derived from the facts it hides too: the
    ``account_id`` column when a pointer names the policy's subject (or what
    holds it), and the hash, which is of the facts as kept.
    """

    keep_facts: bool = True
    pointers: tuple[str, ...] = ()

    def hides(self, pointer: str) -> bool:
        """Whether a mask covers the fact at ``pointer`` (a pointer naming it, or what holds it)."""
        parts = _parts(pointer)
        return any(_covers(_parts(mask), parts) for mask in self.pointers)

    def apply(self, facts: Any) -> Any:
        """The facts with every masked value replaced by ``***`` (the same object when nothing is masked)."""
        if not self.pointers:
            return facts
        masked = copy.deepcopy(facts)
        for pointer in self.pointers:
            _mask(masked, pointer)
        return masked


def _covers(mask: list[str], parts: list[str]) -> bool:
    """A mask's parts cover a path's when they are a prefix of it (``-`` matching any list index)."""
    return len(mask) <= len(parts) and all(m == p or (m == "-" and p.isdigit())
                                           for m, p in zip(mask, parts[:len(mask)], strict=True))


def _mask(document: Any, pointer: str) -> None:
    """Replace what ``pointer`` names with ``***``; ``-`` in a list means every item (``/contracts/-/brand``)."""
    parts = _parts(pointer)
    targets = [document]
    for i, part in enumerate(parts):
        following = []
        for target in targets:
            for key in _keys(target, part):
                if i == len(parts) - 1:
                    target[key] = MASK
                else:
                    following.append(target[key])
        targets = following


def _keys(target: Any, part: str) -> list[Any]:
    """The keys of ``target`` a pointer's ``part`` names (none when it names nothing there)."""
    if isinstance(target, dict):
        return [part] if part in target else []
    if isinstance(target, list):
        if part == "-":
            return list(range(len(target)))
        return [int(part)] if part.isdigit() and int(part) < len(target) else []
    return []


def log_time(moment: datetime) -> str:
    """A moment as the log writes it: UTC to the millisecond, so that text order is time order."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def log_now() -> str:
    """The present as :func:`log_time` writes it, from one clock read."""
    return now_text(3)


def record_of(decision: Decision, decision_id_: str, facts: Any, backend: str, latency_ms: float,
              masking: Masking, subject: str | None = None, source: str = SOURCES[0]) -> Record:
    """One log record: the decision's summary, a SHA-256 of the canonical facts as masked, and those facts.

    ``subject``: the pointer of the fact the decision's ``account_id`` echoes
    (``Policy.subject_pointer``); a mask that covers it masks the column too.
    The hash is of the masked facts: one of the facts as given would confirm
    a guess of the masked value.
    """
    text = canonical(masking.apply(facts))
    return Record(decision_id=decision_id_, time=log_now(), query=decision.query, outcome=decision.outcome,
                  violations=list(decision.rule_ids),
                  account_id=MASK if subject is not None and masking.hides(subject) else decision.account_id,
                  lang=decision.lang, policy_name=decision.policy["name"], revision=decision.policy["revision"],
                  facts_sha256=hashlib.sha256(text).hexdigest(), backend=backend, latency_ms=round(latency_ms, 3),
                  source=source, facts=text if masking.keep_facts else None)  # JSON, as bytes
