"""Each account's state, kept compact: compressed JSON, a few hundred bytes an account.

A stream may see millions of accounts. Kept as Python dicts, one account's
facts cost about 6 KB; kept here as Zstandard-compressed JSON (with a preset
dictionary of the facts schema's keys and values, so that even a small
document compresses well) they cost a few hundred bytes, and writing or
reading them back is a few microseconds (measured: about twice as fast as
zlib at the same size). The most recently used accounts are also held
decoded (``HotStates``): a busy account is neither decoded nor compressed on
each event, only when it leaves the hot set. One store belongs to one stream:
its compressor objects are not shared between threads. Limits: ``MAX_STREAM_ACCOUNTS`` accounts and
``MAX_ACCOUNT_STATE_BYTES`` per account (see ``closure_policy.limits``).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Iterator, Protocol

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


class StateCodec:
    """A state's compact form: JSON text (exact amounts) compressed with the policy's own words.

    Not shared between threads (its compressor objects are not).
    """

    def __init__(self, facts_schema: Any) -> None:
        self._use(_preset(facts_schema))

    @classmethod
    def from_preset(cls, preset: str) -> StateCodec:
        """The codec of a state file written with another facts schema (its preset, as stored)."""
        codec = cls.__new__(cls)
        codec._use(preset.encode("utf-8"))
        return codec

    def _use(self, words: bytes) -> None:
        self.preset = words.decode("utf-8")  #: the preset dictionary, as a state file stores it
        preset = zstandard.ZstdCompressionDict(words, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        self._deflate = zstandard.ZstdCompressor(level=1, dict_data=preset, write_checksum=False)
        self._inflate = zstandard.ZstdDecompressor(dict_data=preset)

    def text(self, state: Any) -> bytes:
        """The state as JSON, once its compact form is known to be within ``MAX_ACCOUNT_STATE_BYTES``.

        A text that fits even uncompressed (with zstd's worst-case growth) is not
        compressed here: a hot account is compressed only when it leaves memory.
        """
        text = dump(state)
        if len(text) + (len(text) >> 7) + 1024 > limits.MAX_ACCOUNT_STATE_BYTES:
            self.compress(text)
        return text

    def compress(self, text: bytes) -> bytes:
        # The copy gives the blob a block of its own size: zstandard's is as large as
        # the worst case, and kept whole it doubled the memory an account costs (measured).
        blob = bytes(memoryview(self._deflate.compress(text)))
        if len(blob) > limits.MAX_ACCOUNT_STATE_BYTES:
            raise StateLimit(f"account state of {len(blob):,} bytes compressed; the limit is "
                             f"{limits.MAX_ACCOUNT_STATE_BYTES:,}")
        return blob

    def encode(self, state: Any) -> bytes:
        """A state in its compact form, within ``MAX_ACCOUNT_STATE_BYTES``."""
        return self.compress(dump(state))

    def decode(self, blob: bytes) -> Any:
        return load_trusted(self._inflate.decompress(blob))


class HotStates:
    """The most recently used accounts' states, decoded, each with its JSON text while not yet kept elsewhere.

    A state given to :meth:`put` or returned by :meth:`get` is shared, never
    copied: the stream's changes build new facts and never change these.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._states: OrderedDict[str, tuple[Any, bytes | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._states)

    def __contains__(self, account: str) -> bool:
        return account in self._states

    def get(self, account: str) -> Any:
        held = self._states.get(account)
        if held is None:
            return None
        self._states.move_to_end(account)
        return held[0]

    def hold(self, account: str, state: Any, text: bytes | None) -> None:
        """``text``: the state's JSON when nowhere else keeps it yet; None when it is kept."""
        self._states[account] = (state, text)
        self._states.move_to_end(account)

    def text(self, account: str) -> bytes | None:
        held = self._states.get(account)
        return None if held is None else held[1]

    def kept(self, account: str) -> None:
        """The account's state is now kept elsewhere: its text is dropped (its place in the order stays)."""
        self._states[account] = (self._states[account][0], None)

    def over(self) -> Iterator[tuple[str, bytes | None]]:
        """Drop the least recently used past ``size``: (account, its text when nowhere else keeps it)."""
        while len(self._states) > self.size:
            account, (_, text) = self._states.popitem(last=False)
            yield account, text


class Inner(Protocol):
    """Where a :class:`CachingStore` keeps the states that leave memory, compressed: a dict, a SQLite file..."""

    def read(self, account: str) -> bytes | None: ...

    def write(self, rows: list[tuple[str, bytes]]) -> None: ...

    def __contains__(self, account: str) -> bool: ...

    def count(self) -> int: ...


class MemoryStates:
    """The compressed states in a dict: a stream without ``--state``."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def read(self, account: str) -> bytes | None:
        return self._blobs.get(account)

    def write(self, rows: list[tuple[str, bytes]]) -> None:
        self._blobs.update(rows)

    def __contains__(self, account: str) -> bool:
        return account in self._blobs

    def count(self) -> int:
        return len(self._blobs)


class CachingStore:
    """account id -> a JSON-able state: the recently used decoded in memory, over any :class:`Inner` store.

    Like Kafka Streams' caching store: a state changed in memory reaches the inner
    store when it leaves the hot set (write-back) or at :meth:`flush`, compressed
    once. ``left`` is told of each account that leaves memory (the stream's
    lifecycle forgets it: its place is in the kept state).
    """

    def __init__(self, inner: Inner, codec: StateCodec, hot: int = limits.STATE_CACHE_ACCOUNTS,
                 bounded: bool = False):
        """``bounded``: past ``MAX_STREAM_ACCOUNTS`` accounts, a new one is refused (:class:`StateLimit`)."""
        self.inner, self.codec = inner, codec
        self._hot = HotStates(hot)
        self._bounded = bounded
        self._count = inner.count()
        self._changed: set[str] = set()  # held in memory with a text the inner store has not
        self.left: Callable[[str], None] = lambda account: None
        #: Told each state read back from the inner store, before it is used; raises to refuse it.
        self.admit: Callable[[str, Any], None] | None = None

    def __len__(self) -> int:
        return self._count

    def __contains__(self, account: str) -> bool:
        return account in self._hot or account in self.inner

    def get(self, account: str) -> Any:
        state = self._hot.get(account)
        if state is None:
            blob = self.inner.read(account)
            if blob is None:
                return None
            state = self.decode(account, blob)
            if self.admit is not None:
                self.admit(account, state)
            self._hot.hold(account, state, None)
            self._spill()
        return state

    def decode(self, account: str, blob: bytes) -> Any:
        """A kept state read back (an inner store that can hold broken states checks them here)."""
        return self.codec.decode(blob)

    def put(self, account: str, state: Any) -> None:
        text = self.codec.text(state)  # the limit, checked before anything is kept
        if account not in self:
            if self._bounded and self._count >= limits.MAX_STREAM_ACCOUNTS:
                raise StateLimit(f"the stream already holds {limits.MAX_STREAM_ACCOUNTS:,} accounts")
            self._count += 1
        self._hot.hold(account, state, text)
        self._changed.add(account)
        self._spill()

    def _spill(self) -> None:
        for account, text in list(self._hot.over()):
            if text is not None:
                self.inner.write([(account, self.codec.compress(text))])
                self._changed.discard(account)
            self.left(account)

    def flush(self) -> None:
        """Every state changed in memory written to the inner store (it stays in memory)."""
        rows = [(account, self.codec.compress(text)) for account in self._changed
                if (text := self._hot.text(account)) is not None]  # a changed state always has its text
        self.inner.write(rows)
        for account in self._changed:
            self._hot.kept(account)
        self._changed.clear()

    def stored_bytes(self, account: str) -> int:
        """What one account's state costs compressed (0 for an unknown account)."""
        text = self._hot.text(account)
        return len(self.codec.compress(text)) if text is not None else len(self.inner.read(account) or b"")


class AccountStore(CachingStore):
    """The states in memory: the hot ones decoded, every other compressed (at most ``MAX_STREAM_ACCOUNTS``)."""

    def __init__(self, facts_schema: Any, hot: int = limits.STATE_CACHE_ACCOUNTS) -> None:
        """``facts_schema``: the policy's, whose keys and values make the compressor's preset dictionary;
        ``hot``: how many recently used accounts are held decoded."""
        super().__init__(MemoryStates(), StateCodec(facts_schema), hot, bounded=True)
