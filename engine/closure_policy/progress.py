"""Progress bars on standard error for the long commands (batch, diff, sample, test --mutate): tqdm.

``batch`` and ``diff`` show theirs unless ``--quiet`` (their users watch
them, in a terminal or a log); ``sample`` and ``test --mutate`` show theirs to
a person only, when standard error is a terminal.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Iterable, Iterator, TextIO, TypeVar

T = TypeVar("T")


def bar(total: int | None, what: str, unit: str = "it", log: TextIO | None = None) -> Any:
    """A bar counting to ``total`` on ``log`` (none when ``log`` is None): a context manager with ``update(n)``."""
    from tqdm import tqdm

    columns, lines = _size(log)
    return tqdm(total=total, unit=unit, unit_scale=True, desc=what, file=log, disable=log is None,
                mininterval=0.5, smoothing=0.1, ncols=columns, nrows=lines)


def for_a_person() -> TextIO | None:
    """Standard error when a person watches it (a terminal), else None: no bar in a pipe, a file or CI."""
    return sys.stderr if sys.stderr.isatty() else None


def counted(items: Iterable[T], total: int, what: str, unit: str = "it") -> Iterator[T]:
    """``items``, with a bar on a person's terminal as they are taken."""
    with bar(total, what, unit, for_a_person()) as shown:
        for item in items:
            yield item
            shown.update(1)


def _size(log: TextIO | None) -> tuple[int | None, int | None]:
    """A terminal's size, 80 by 24 where it says 0 (a fresh pseudo-terminal: tqdm would draw nothing)."""
    try:
        size = os.get_terminal_size(log.fileno()) if log is not None and log.isatty() else None
    except (OSError, ValueError, AttributeError):  # not a real file (a test's StringIO)
        size = None
    return (size.columns or 80, size.lines or 24) if size is not None else (None, None)
