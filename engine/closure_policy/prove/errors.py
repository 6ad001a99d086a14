"""What the prover refuses: a construct it cannot encode exactly, said where it is."""
from __future__ import annotations

import z3  # noqa: F401 - imported first: without the extra installed, prove says how to get it

from ..errors import ClosurePolicyError


class CannotEncode(ClosurePolicyError):
    """A rule, property or schema construct with no exact encoding: ``where`` (file:line:col or a JSON
    pointer into the facts schema) and why. The prover refuses rather than approximate."""

    def __init__(self, where: str, why: str):
        super().__init__(f"{where}: cannot be encoded ({why})")
        self.where, self.why = where, why


class ModelMismatch(Exception):
    """The model and the engine decided one document differently: a bug in one of them, never the user's."""
