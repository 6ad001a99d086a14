"""What ``serve/connections.py`` relies on in uvicorn's httptools protocol, checked by name.

uvicorn offers no public setting for a deadline on a request's head, its size or
the number of connections, so :class:`GuardedProtocol` subclasses its protocol,
in that one file. An uvicorn release that renames a hook or a field it uses
fails here, saying which, instead of leaving the guard silently off.
"""
from __future__ import annotations

import inspect

import pytest
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from closure_policy.serve.connections import GuardedProtocol

#: Every method the guard overrides, with the parameters it is called with.
HOOKS = {"connection_made": ["transport"], "on_message_begin": [], "data_received": ["data"],
         "on_header": ["name", "value"], "on_headers_complete": [], "send_400_response": ["msg"],
         "on_response_complete": [], "connection_lost": ["exc"]}
#: The fields of the protocol the guard reads.
FIELDS = ("connections", "loop", "transport", "cycle")


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_every_hook_the_guard_overrides_is_uvicorns_with_the_same_parameters(name):
    theirs = getattr(HttpToolsProtocol, name, None)
    assert callable(theirs), f"uvicorn's HttpToolsProtocol has no {name} any more"
    assert list(inspect.signature(theirs).parameters)[1:] == HOOKS[name], f"{name}'s parameters changed"
    assert name in GuardedProtocol.__dict__  # the list above is the guard's own


def test_the_guard_overrides_nothing_else():
    ours = {n for n, v in GuardedProtocol.__dict__.items() if callable(v) and n in dir(HttpToolsProtocol)}
    assert ours == set(HOOKS) | {"__init__"}


@pytest.mark.parametrize("field", FIELDS)
def test_every_field_the_guard_reads_is_set_by_uvicorn(field):
    source = inspect.getsource(HttpToolsProtocol.__init__) + inspect.getsource(HttpToolsProtocol.connection_made)
    assert f"self.{field} =" in source or f"self.{field}:" in source, f"uvicorn no longer sets self.{field}"


def test_a_request_cycle_still_says_whether_more_body_is_coming():
    assert "self.more_body" in inspect.getsource(RequestResponseCycle.__init__)
