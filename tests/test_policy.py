"""``Policy.decide_many``: in order, one result per document, a bad document never stops its neighbours."""
from __future__ import annotations

import json

import pytest

from closure_policy import UnknownQuery, UnsupportedLanguage
from closure_policy.errors import InvalidFacts, UnreadableDocument
from tests.conftest import document


def test_every_document_is_decided_in_order_as_one_by_one(fixture_policy):
    documents = [document(account={"id": f"P-{i}"}, balance={"pending": str(i % 2)}) for i in range(6)]
    results = list(fixture_policy.decide_many("gate", documents, lang="zh"))
    assert [r.index for r in results] == list(range(6))
    assert [r.decision for r in results] == [fixture_policy.decide("gate", d, lang="zh") for d in documents]
    assert all(r.error is None and r.seconds >= 0 for r in results)


def test_a_bad_document_is_its_own_error_and_its_neighbours_are_decided(fixture_policy):
    good = document()
    bad_facts = document(balance={"pending": "-1"})
    documents = [good, bad_facts, b'{"account": {}, "account": {}}', json.dumps(good).encode(), "[", good]
    results = list(fixture_policy.decide_many("gate", documents))
    assert [r.decision is not None for r in results] == [True, False, False, True, False, True]
    assert isinstance(results[1].error, InvalidFacts) and results[1].error.pointers == ["/balance/pending"]
    assert isinstance(results[2].error, UnreadableDocument) and "duplicate key" in str(results[2].error)
    assert results[2].facts is None
    assert results[3].decision == fixture_policy.decide("gate", good)  # JSON text is read as strictly as a file


def test_the_query_and_language_are_checked_before_any_document(fixture_policy):
    never = (pytest.fail("a document was read") for _ in range(1))
    with pytest.raises(UnknownQuery):
        fixture_policy.decide_many("no_such_query", never)
    with pytest.raises(UnsupportedLanguage):
        fixture_policy.decide_many("gate", never, lang="fr")


def test_an_error_a_reader_met_stands_for_its_document(fixture_policy):
    from closure_policy.jsondoc import overlong

    results = list(fixture_policy.decide_many("gate", [document(), overlong(), document()]))
    assert [r.decision is not None for r in results] == [True, False, True]
    assert isinstance(results[1].error, UnreadableDocument) and results[1].facts is None
    assert "the line is longer than" in str(results[1].error)
