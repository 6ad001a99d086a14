from __future__ import annotations

import pytest

from tests.conftest import closed, facts

Q = "resolve_link"


def _click(link_id: str, at: str) -> dict:
    return {"link_id": link_id, "clicked_at": at}


def test_open_account_redirects_and_tracks(decide):
    d = decide(Q, facts(click=_click("L-1", "2030-01-01T00:00:00Z")))
    assert (d.outcome, d.track, d.response) == ("redirect", True, {"type": "redirect", "link_id": "L-1"})


@pytest.mark.parametrize("link_id,outcome", [("L-1", "link_expired"), ("L-2", "link_expired"),
                                             ("L-404", "invalid_page")])
def test_closed_account_links_are_dead_and_untracked(decide, link_id, outcome):
    d = decide(Q, closed(click=_click(link_id, "2026-11-27T00:00:00Z")))
    assert d.outcome == outcome
    assert d.track is False
    assert d.response == {"type": "error", "error": outcome, "link_id": link_id}
    assert d.rule_ids == ["links.dead-after-closure"]


@pytest.mark.parametrize("clicked_at,outcome", [
    ("2026-11-26T15:29:59.999999Z", "redirect"),
    ("2026-11-26T15:30:00Z", "link_expired"),          # at the moment of deactivation
    ("2026-11-26T23:30:00+08:00", "link_expired"),     # the same instant in another offset
    ("2026-11-26T23:29:59+08:00", "redirect"),
])
def test_clicks_compare_as_instants(decide, clicked_at, outcome):
    d = decide(Q, closed(closed_at="2026-11-26T15:30:00Z", click=_click("L-1", clicked_at)))
    assert d.outcome == outcome
    assert d.track is (outcome == "redirect")
