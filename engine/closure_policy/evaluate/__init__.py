"""Evaluate: backends that decide a compiled query over normalised facts."""
from __future__ import annotations

from .compiled import CompiledBackend

__all__ = ["CompiledBackend"]
