"""Facts: their types (from facts.schema.json), validation and normalisation."""
from __future__ import annotations

from .checker import FactsChecker
from .types import FactType, fact_types

__all__ = ["FactsChecker", "FactType", "fact_types"]
