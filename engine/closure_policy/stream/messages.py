"""What the parent of ``stream --workers N`` and its partitions say to each other: one struct a message.

Sent over ``multiprocessing`` pipes (pickled), read by type, so a message's
fields are named and checked (mypy) where bare tuples were read by position.
"""
from __future__ import annotations

from typing import Any, Union

import msgspec

# --- the parent to a partition --------------------------------------------------------------------


class Lines(msgspec.Struct, frozen=True):
    """Lines to take: (the line's number in the input, its bytes; None for a line that was not read)."""

    batch: list[tuple[int, bytes | None]]


class Commit(msgspec.Struct, frozen=True):
    """Commit the partition's states with this input position: every line up to it is written."""

    position: int


class Stop(msgspec.Struct, frozen=True):
    """No more lines: make the last commit and stop."""


ToPartition = Union[Lines, Commit, Stop]

# --- a partition to the parent ---------------------------------------------------------------------


class Ready(msgspec.Struct, frozen=True):
    """The partition loaded its rules: this revision."""

    revision: str


class Answers(msgspec.Struct, frozen=True):
    """What each line of a ``Lines`` gave, in order (the fields of ``run.Taken``)."""

    taken: list[tuple[Any, ...]]


class Stopped(msgspec.Struct, frozen=True):
    """The last commit is made; the partition ends."""


class Failed(msgspec.Struct, frozen=True):
    """The partition stopped on a user's mistake (``fault`` False: exit 2) or a fault of the machine (exit 1)."""

    report: str
    fault: bool


class Gone(msgspec.Struct, frozen=True):
    """The partition's pipe closed without a word: its process died."""


FromPartition = Union[Ready, Answers, Stopped, Failed, Gone]
#: The messages after which a partition says nothing more.
LAST = (Stopped, Failed, Gone)
