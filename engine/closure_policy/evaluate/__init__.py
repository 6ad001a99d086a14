"""Evaluate: backends that decide a compiled query over facts JSON Schema accepted.

Every backend implements :class:`Backend` and is registered once in
``BACKENDS``: its name, how to check that it can run here, and how to build
it from a compilation. ``available()`` is the one availability check (the
policy, the stream's lifecycle, ``test`` and the pytest plugin all use it).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol

from ..errors import BackendUnavailable

if TYPE_CHECKING:
    from typing import Any, Mapping

    from ..compile.pipeline import Compilation
    from ..compile.stream import StreamSpec
    from ..decision import Decision
    from .lifecycle import Lifecycle


class Backend(Protocol):
    """Decides a query over facts JSON Schema accepted, and runs the stream's lifecycle.

    A scalar it cannot read (see ``compiled/runtime.py``) raises ``Unreadable``;
    the policy then reports every problem of the facts.
    """

    name: str

    def decide(self, query: str, facts: Mapping[str, Any], lang: str) -> Decision: ...

    def lifecycle(self, spec: StreamSpec) -> Lifecycle:
        """A new lifecycle of ``spec`` (``stream:``), run this backend's way; every way ends where
        ``lifecycle.settle`` says."""


@dataclass(frozen=True)
class BackendSpec:
    name: str
    unavailable: Callable[[], str | None]  # why it cannot run here, or None
    build: Callable[[Compilation, dict[str, str]], Backend]


def _compiled(compilation: Compilation, info: dict[str, str]) -> Backend:
    from .compiled.backend import CompiledBackend

    return CompiledBackend(compilation, info)


def _rete_unavailable() -> str | None:
    from .rete.availability import unavailable

    return unavailable()


def _rete(compilation: Compilation, info: dict[str, str]) -> Backend:
    from .rete import ReteBackend  # durable_rules is imported only when asked for

    return ReteBackend(compilation, info)


BACKENDS: dict[str, BackendSpec] = {
    "compiled": BackendSpec("compiled", lambda: None, _compiled),
    "rete": BackendSpec("rete", _rete_unavailable, _rete),
}


def available() -> list[str]:
    """The backends this installation can run."""
    return [name for name, spec in BACKENDS.items() if spec.unavailable() is None]


def require(name: str) -> BackendSpec:
    """The backend ``name``, or :class:`BackendUnavailable` saying why and how to fix it."""
    spec = BACKENDS.get(name)
    if spec is None:
        raise BackendUnavailable(f"unknown backend {name!r}; available: {', '.join(BACKENDS)}")
    reason = spec.unavailable()
    if reason is not None:
        raise BackendUnavailable(reason)
    return spec


def create(name: str, compilation: Compilation, info: dict[str, str]) -> Backend:
    return require(name).build(compilation, info)


__all__ = ["BACKENDS", "Backend", "BackendSpec", "available", "create", "require"]
