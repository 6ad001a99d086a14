"""The in-memory store: hot accounts decoded, the rest compressed, one limit checked when a state is put."""
from __future__ import annotations

import os
from decimal import Decimal

import pytest

from closure_policy import limits
from closure_policy.stream.store import AccountStore, StateLimit

SCHEMA = {"type": "object", "properties": {"balance": {"type": "object", "properties": {"available": {}}}}}


def _state(n: int) -> dict:
    return {"facts": {"balance": {"available": Decimal(f"{n}.10")}, "names": ["é", "账户", f"P-{n}"]},
            "last": ["deny", ["a"]], "life": "open"}


def test_an_account_leaving_the_hot_set_reads_back_equal_and_exact():
    store = AccountStore(SCHEMA, hot=2)
    for n in range(5):
        store.put(f"P-{n}", _state(n))
    assert len(store) == 5 and len(store._hot) == 2 and set(store.inner._blobs) == {"P-0", "P-1", "P-2"}
    assert store.get("P-0") == _state(0) and type(store.get("P-0")["facts"]["balance"]["available"]) is Decimal
    assert "P-0" in store._hot and len(store._hot) == 2  # read back, it is hot again, and another left
    assert store.get("P-9") is None and "P-9" not in store


def test_a_state_changed_while_hot_is_kept_when_it_leaves():
    store = AccountStore(SCHEMA, hot=1)
    store.put("P-1", _state(1))
    store.put("P-2", _state(2))
    store.get("P-1")  # back from the cold copy
    store.put("P-1", _state(7))
    store.put("P-2", _state(2))
    assert store.get("P-1") == _state(7) and len(store) == 2


def test_the_size_limit_is_checked_when_a_state_is_put_not_when_it_leaves(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ACCOUNT_STATE_BYTES", 3000)
    store = AccountStore(SCHEMA, hot=1)
    store.put("P-1", {"facts": {"text": "a" * 20_000}})  # 20 KB of text compresses far under the limit
    assert 0 < store.stored_bytes("P-1") < 3000
    noise = os.urandom(2000).hex()  # 4,000 characters that compress to about 2,000 bytes...
    store.put("P-2", {"facts": {"text": noise}})
    with pytest.raises(StateLimit, match="bytes compressed; the limit is 3,000"):
        store.put("P-3", {"facts": {"text": noise + os.urandom(1000).hex()}})  # ...and these to over 3,000
    assert "P-3" not in store and len(store) == 2


def test_the_number_of_accounts_is_bounded(monkeypatch):
    monkeypatch.setattr(limits, "MAX_STREAM_ACCOUNTS", 2)
    store = AccountStore(SCHEMA, hot=1)
    store.put("P-1", _state(1))
    store.put("P-2", _state(2))
    store.put("P-1", _state(3))  # a known account, cold or hot, is no new one
    with pytest.raises(StateLimit, match="already holds 2 accounts"):
        store.put("P-3", _state(3))
