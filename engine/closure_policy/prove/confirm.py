"""The engine's word on a model's document: valid facts, decided as the model says, or :class:`ModelMismatch`.

Nothing the prover finds is reported before this: a disagreement is a bug in
the model or the engine, never an answer.
"""
from __future__ import annotations

from typing import Any

from ..errors import InvalidFacts
from ..policy import Policy
from .errors import ModelMismatch

Said = tuple[str, set[str]]  #: an outcome and the violated rules


def confirm(document: dict[str, Any], said: list[tuple[Policy, str, Said]], differ: bool = False) -> None:
    """Each (policy, query, what the model says it decides); ``differ``: the model says two revisions differ."""
    answers = []
    for policy, query, model_says in said:
        try:
            policy.validate(document)
            real = policy.decide(query, document)
        except InvalidFacts as exc:
            raise ModelMismatch(f"the model's document is not valid facts: {exc.report()}\n{document}") from None
        got = (real.outcome, {v.rule for v in real.violations})
        if model_says != got:
            raise ModelMismatch(f"{query}: the model says {model_says}, the engine {got}, of {document}")
        answers.append(got)
    if differ and answers[0] == answers[1]:
        raise ModelMismatch(f"{said[0][1]}: the model says the revisions differ; the engine decides "
                            f"{document} alike")
