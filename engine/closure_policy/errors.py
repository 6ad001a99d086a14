"""Every error the engine raises, and the one place they are formatted.

A check produces a :class:`Problem` holding where and what; the formatting
into ``file:line:col: message (check)`` or ``/json/pointer: message`` happens
here and nowhere else.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterable

from .checks import CHECKS
from .limits import MAX_PROBLEMS, MAX_PROBLEMS_COUNTED
from .text import bounded, excerpt, safe, writable


@dataclass(frozen=True, order=True)
class Problem:
    """A mistake in a rule file, at a 1-based line and column."""

    file: str
    line: int
    column: int
    message: str
    check: str  # an id of closure_policy.checks.CHECKS

    def __post_init__(self) -> None:
        if self.check not in CHECKS:
            raise ValueError(f"{self.check!r} is not a registered check (closure_policy.checks)")
        if not self.message.isascii():  # as for FactProblem: every writer can write it
            object.__setattr__(self, "message", writable(self.message))

    def format(self) -> str:
        return safe(f"{self.file}:{self.line}:{self.column}: {bounded(self.message)} ({self.check})")

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column,
                "message": bounded(self.message), "check": self.check}


@dataclass(frozen=True, order=True)
class FactProblem:
    """A mistake in the facts, at a JSON pointer (RFC 6901)."""

    pointer: str
    message: str

    def __post_init__(self) -> None:
        # A pointer names a key as it was written, and a key may hold a lone
        # surrogate, which no UTF-8 output can carry (a JSON answer, a log, a
        # terminal): it is escaped here, once, so every writer can write it.
        if not (self.pointer.isascii() and self.message.isascii()):
            object.__setattr__(self, "pointer", writable(self.pointer))
            object.__setattr__(self, "message", writable(self.message))

    def format(self) -> str:
        return safe(f"{excerpt_pointer(self.pointer) or '/'}: {bounded(self.message)}")

    def to_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": bounded(self.message)}


def excerpt_pointer(pointer: str) -> str:
    """A pointer short enough to print (a key may be a 60 KB string)."""
    return pointer if len(pointer) <= 200 else pointer[:200] + "…"


class ClosurePolicyError(Exception):
    """A user's mistake: bad rules, bad facts, an unknown name. Never a bug."""

    def report(self) -> str:
        return safe(str(self))


class InvalidRules(ClosurePolicyError):
    """A rule folder with problems; ``problems`` lists each at its file:line:col."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__(f"invalid rules: {len(self.problems)} problem(s)")

    def report(self) -> str:
        return "\n".join(p.format() for p in self.problems)


class InvalidFacts(ClosurePolicyError):
    """Facts (or a stream line) that are not valid; ``problems`` lists each at its JSON pointer.

    ``problems`` may be lazy: the first ``MAX_PROBLEMS`` are kept, further
    ones counted up to ``MAX_PROBLEMS_COUNTED`` (``omitted``; ``complete`` is
    False when counting stopped there), so a document with millions of
    mistakes costs a bounded report, not one line each.
    """

    def __init__(self, problems: Iterable[FactProblem], source: str = "facts"):
        found = iter(problems)
        self.problems = sorted(set(itertools.islice(found, MAX_PROBLEMS)))
        self.omitted = sum(1 for _ in itertools.islice(found, MAX_PROBLEMS_COUNTED - MAX_PROBLEMS))
        self.complete = next(found, None) is None
        self.source = source
        super().__init__(f"invalid {source}: " + "; ".join(p.format() for p in self.problems) + self.more())

    @property
    def pointers(self) -> list[str]:
        return [p.pointer for p in self.problems]

    @property
    def count(self) -> str:
        """How many problems, as a person reads it: ``3``, or ``1,000 or more`` when counting stopped."""
        total = len(self.problems) + self.omitted
        return f"{total:,}" if self.complete else f"{total:,} or more"

    def more(self) -> str:
        """``"; and N other problem(s)"`` when some are not listed (or ``""``)."""
        if not self.omitted and self.complete:
            return ""
        return f"; and {self.omitted:,}{'' if self.complete else ' or more'} other problem(s)"

    def report(self) -> str:
        lines = [f"{safe(self.source)}: {p.format()}" for p in self.problems]
        return "\n".join(lines + ([f"{safe(self.source)}: {self.more()[2:]}"] if self.more() else []))


class UnreadableDocument(InvalidFacts):
    """JSON text that is not a document at all (malformed, a repeated key, past a limit)."""

    def __init__(self, problems: list[FactProblem]):
        super().__init__(problems, "JSON document")


class UnknownQuery(ClosurePolicyError):
    """A query the policy does not answer; the message lists those it does."""

    def __init__(self, query: str, known: Iterable[str]):
        self.query = query
        self.known = sorted(known)
        super().__init__(f"unknown query {excerpt(query)}; the policy answers: {', '.join(self.known)}")


class UnsupportedLanguage(ClosurePolicyError):
    """A language the policy's texts are not written in."""

    def __init__(self, lang: str, known: Iterable[str]):
        self.lang = lang
        super().__init__(f"unsupported language {excerpt(lang)}; the policy speaks: {', '.join(known)}")


class BackendUnavailable(ClosurePolicyError):
    """A backend that cannot run here (durable-rules missing or broken); the message says how to fix it."""


class MachineFault(Exception):
    """The machine refused mid-run (a full disk, a file gone): not the user's input, not a bug. Exit 1, one line."""

    def report(self) -> str:
        return safe(str(self))


class EngineLimit(Exception):
    """Valid rules or facts that one backend cannot state or decide (durable_rules' own limits).

    Not a :class:`ClosurePolicyError`: nothing is wrong with the input, and
    another backend decides it. The CLI reports it with exit 2, the stream
    refuses the line, and the rete backend refuses to load a condition it
    cannot state.
    """

    def report(self) -> str:
        return safe(str(self))
