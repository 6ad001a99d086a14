"""The one way a request is refused: an endpoint raises :class:`Refused`, and the guard around every
endpoint (``app.py``) answers it as a problem (``problems.py``) and counts it."""
from __future__ import annotations

from typing import Any


class Refused(Exception):
    """A request refused: answered as the problem it carries (with the headers it names, e.g. an Allow)."""

    def __init__(self, kind: str, detail: str, headers: dict[str, str] | None = None, **extensions: Any):
        super().__init__(detail)
        self.kind, self.detail, self.headers, self.extensions = kind, detail, headers, extensions
