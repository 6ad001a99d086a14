"""Read a facts document from a file or standard input, the same strict way for both."""
from __future__ import annotations

import sys
from typing import Any

from .. import limits
from ..errors import ClosurePolicyError, InvalidFacts
from ..jsondoc import parse


def _read_bytes(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read(limits.MAX_DOCUMENT_BYTES + 1)
    try:
        with open(path, "rb") as fh:
            return fh.read(limits.MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:  # the file, not a place in a document: no pointer
        raise ClosurePolicyError(f"{path}: cannot read the facts ({exc.strerror or exc})") from None


def read_facts(path: str) -> Any:
    """Facts from a file, or from standard input for ``-``: strict UTF-8, exact decimals, within the limits."""
    source = "<stdin>" if path == "-" else path
    document, problems = parse(_read_bytes(path))
    if problems:
        raise InvalidFacts(problems, source)
    return document
