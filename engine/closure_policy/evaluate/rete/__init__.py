"""The rete backend: the same compiled rules, decided by durable_rules' Rete engine."""
from __future__ import annotations

from .backend import ReteBackend

__all__ = ["ReteBackend"]
