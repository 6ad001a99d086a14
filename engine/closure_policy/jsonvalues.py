"""Engine values as JSON: amounts as exact decimal strings, instants as RFC 3339."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .scalars import Instant


def to_json(value: Any) -> Any:
    """Engine values as JSON: amounts as exact decimal strings, instants as RFC 3339."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (Instant, datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((to_json(v) for v in value), key=str)
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value
