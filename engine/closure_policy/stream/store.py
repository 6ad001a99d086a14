"""Each account's state, kept compact: compressed JSON, a few hundred bytes an account.

A stream may see millions of accounts. Kept as Python dicts, one account's
facts cost about 6 KB; kept here as Zstandard-compressed JSON (with a preset
dictionary of the facts schema's keys and values, so that even a small
document compresses well) they cost a few hundred bytes, and writing or
reading them back is a few microseconds (measured: about twice as fast as
zlib at the same size). One store belongs to one stream: its compressor
objects are not shared between threads. Limits: ``MAX_STREAM_ACCOUNTS`` accounts and
``MAX_ACCOUNT_STATE_BYTES`` per account (see ``closure_policy.limits``).
"""
from __future__ import annotations

from typing import Any, Iterator

import zstandard

from .. import limits
from ..errors import ClosurePolicyError
from ..jsondoc import dump, load_trusted


class StateLimit(ClosurePolicyError):
    """An account's state, or the number of accounts, would pass its limit."""


def _words(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                yield from value
            if key == "enum" and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str))
            yield from _words(value)
    elif isinstance(node, list):
        for value in node:
            yield from _words(value)


def _preset(facts_schema: Any) -> bytes:
    words = sorted(set(_words(facts_schema)))
    return " ".join(f'"{w}": "{w}"' for w in words).encode("utf-8")


class AccountStore:
    """account id -> a JSON-able state, stored compressed."""

    def __init__(self, facts_schema: Any) -> None:
        """``facts_schema``: the policy's, whose keys and values make the compressor's preset dictionary."""
        self._states: dict[str, bytes] = {}
        preset = zstandard.ZstdCompressionDict(_preset(facts_schema), dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        self._deflate = zstandard.ZstdCompressor(level=1, dict_data=preset, write_checksum=False)
        self._inflate = zstandard.ZstdDecompressor(dict_data=preset)

    def __len__(self) -> int:
        return len(self._states)

    def __contains__(self, account: str) -> bool:
        return account in self._states

    def get(self, account: str) -> Any:
        blob = self._states.get(account)
        return None if blob is None else self.decode(blob)

    def put(self, account: str, state: Any) -> None:
        if account not in self._states and len(self._states) >= limits.MAX_STREAM_ACCOUNTS:
            raise StateLimit(f"the stream already holds {limits.MAX_STREAM_ACCOUNTS:,} accounts")
        self._states[account] = self.encode(state)

    def encode(self, state: Any) -> bytes:
        """A state in its compact form, within ``MAX_ACCOUNT_STATE_BYTES``."""
        # Amounts as exact JSON numbers, read back as Decimal. The copy gives the
        # blob a block of its own size: zstandard's is as large as the worst
        # case, and kept whole it doubled the memory an account costs (measured).
        blob = bytes(memoryview(self._deflate.compress(dump(state))))
        if len(blob) > limits.MAX_ACCOUNT_STATE_BYTES:
            raise StateLimit(f"account state of {len(blob):,} bytes compressed; the limit is "
                             f"{limits.MAX_ACCOUNT_STATE_BYTES:,}")
        return blob

    def decode(self, blob: bytes) -> Any:
        return load_trusted(self._inflate.decompress(blob))

    def stored_bytes(self, account: str) -> int:
        """What one account's state costs here, compressed (0 for an unknown account)."""
        return len(self._states.get(account, b""))
