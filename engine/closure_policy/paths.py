"""Files a command writes or reads, checked before the work starts.

A batch that ran for an hour and then found its ``--output`` was a folder
wasted the hour, and said so with a traceback. Every command that writes a
file asks :func:`output_file` first (one line naming the option and the
reason, exit 2), and writes through :func:`writing`, which turns a fault of
the machine met on the way (a full disk) into one line with exit 1.
"""
from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import ClosurePolicyError, MachineFault


def output_file(path: str, option: str = "--output") -> Path:
    """``path`` if a file can be written there; else :class:`ClosurePolicyError` saying why."""
    target = Path(path)
    if target.is_dir():
        raise ClosurePolicyError(f"{option} {path}: is a folder; name a file")
    parent = target.parent
    if not parent.exists():
        raise ClosurePolicyError(f"{option} {path}: there is no folder {parent}")
    if not parent.is_dir():
        raise ClosurePolicyError(f"{option} {path}: {parent} is a file, not a folder")
    try:  # the one sure test of "can write here", root's permissions and read-only mounts alike
        with tempfile.NamedTemporaryFile(dir=parent, prefix=f".{target.name}.", suffix=".probe"):
            pass
    except OSError as exc:
        raise ClosurePolicyError(f"{option} {path}: cannot write in {parent} ({exc.strerror or exc})") from None
    return target


@contextlib.contextmanager
def writing(path: str | Path, option: str = "--output") -> Iterator[None]:
    """Writes to ``path`` inside: a fault of the machine (a full disk, a vanished folder) is one line, exit 1."""
    try:
        yield
    except BrokenPipeError:  # the reader went away (``| head``): not a fault
        raise
    except OSError as exc:
        raise MachineFault(f"{option} {path}: writing failed ({exc.strerror or exc})") from None
