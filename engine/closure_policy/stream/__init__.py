"""Streaming mode: account events in, decisions out, one account's state per account."""
from __future__ import annotations

from .processor import Output, StreamError, StreamProcessor

__all__ = ["Output", "StreamError", "StreamProcessor"]
