"""The policy as pages people read: a static catalog (``closure-policy doc``), the shared look of every page."""
from __future__ import annotations

from .build import build_site

__all__ = ["build_site"]
