"""The facts documents the playground starts from: the policy's example files and its suites' decision cases."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import limits
from ..errors import ClosurePolicyError
from ..jsondoc import parse
from ..policy import Policy
from ..tester.session import collect
from ..tester.suite import Case


def examples(policy: Policy) -> list[dict[str, Any]]:
    """Each decision case of the suites beside the rule folder (``tests/policy``): name, query, lang, facts."""
    folder = policy.directory.parent / "tests" / "policy"
    if not folder.is_dir():
        return []
    try:
        cases, problems = collect([str(folder)], policy)
    except (ClosurePolicyError, OSError):
        return []
    if problems:
        return []
    found = [{"name": c.name, "query": c.query, "lang": c.lang, "facts": c.facts}
             for c in cases if isinstance(c, Case) and isinstance(c.facts, dict)]
    return found[:limits.MAX_PLAYGROUND_EXAMPLES]


def example_files(policy: Policy) -> list[dict[str, str]]:
    """The policy's example documents (``examples/*.json`` beside the rule folder), each as written: its file
    name and text. A file that is not a facts document the service would read, or is larger than
    ``MAX_PLAYGROUND_EXAMPLE_BYTES``, is left out, not offered."""
    folder = policy.directory.parent / "examples"
    found: list[dict[str, str]] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if len(found) == limits.MAX_PLAYGROUND_EXAMPLES:
            break
        text = _read(path)
        if text is not None:
            found.append({"name": path.name, "text": text})
    return found


def _read(path: Path) -> str | None:
    try:
        with open(path, "rb") as fh:
            data = fh.read(limits.MAX_PLAYGROUND_EXAMPLE_BYTES + 1)
    except OSError:
        return None
    if len(data) > limits.MAX_PLAYGROUND_EXAMPLE_BYTES:
        return None
    document, problems = parse(data)
    return data.decode("utf-8") if not problems and isinstance(document, dict) else None
