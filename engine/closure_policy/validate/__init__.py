"""Validate: rule files against rules.schema.json, then the checks a schema cannot make."""
from __future__ import annotations
