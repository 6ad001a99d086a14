"""Compile: validated rule files into queries of Python callables, once per load."""
from __future__ import annotations

from .pipeline import STAGES, Compilation, compile_policy

__all__ = ["STAGES", "Compilation", "compile_policy"]
