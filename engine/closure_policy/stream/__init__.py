"""Streaming mode: account events in, decisions out, one account's state per account."""
from __future__ import annotations

from .compiled import CompiledStream, stream_processor
from .processor import Output, StreamError, StreamProcessor

__all__ = ["CompiledStream", "Output", "StreamError", "StreamProcessor", "stream_processor"]
