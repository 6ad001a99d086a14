"""A policy's facts schema: read from the file its ``policy.yaml`` names, checked, and made a checker.

The schema is part of the policy (``policy: {facts_schema: PATH}``, relative to
the rule folder), so every mistake in it is a ``check`` problem at its place
(``file:line:col``), like a mistake in a rule. A schema the engine has read once
is not read again in the same process (``test --mutate`` compiles the same
folder hundreds of times): the cache is keyed by the file's bytes.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from .. import limits
from ..errors import Problem
from ..load import SourceFile
from .checker import FactsChecker
from .types import UnsupportedSchema

CHECK = "facts-schema"


@dataclass(frozen=True)
class FactsSchema:
    """A facts schema the engine can use: the document, its checker and its digest (part of the revision)."""

    file: str  #: as shown in problems and in ``reference``
    document: dict[str, Any]
    checker: FactsChecker
    digest: str
    data: bytes  #: the file as read (what ``batch`` ships to its workers)


def read_facts_schema(directory: Path, named: str, policy: SourceFile) -> tuple[FactsSchema | None, list[Problem]]:
    """The schema ``named`` (relative to the rule folder ``directory``), or the problems that stop its use.

    A file that cannot be read is a problem at ``facts_schema:`` in ``policy`` (the file that names it);
    a file that can, at its own line and column.
    """
    path = directory / named
    shown = os.path.normpath(path)
    if path.exists() and not path.is_file():  # a folder or a FIFO: reading it would fail or never end
        return None, [policy.problem(("policy", "facts_schema"), f"the facts schema {shown} is not a file", CHECK)]
    try:
        with open(path, "rb") as fh:
            data = fh.read(limits.MAX_RULE_FILE_BYTES + 1)
    except OSError as exc:
        return None, [policy.problem(("policy", "facts_schema"),
                                     f"cannot read the facts schema {shown}: {exc.strerror or exc}", CHECK)]
    if len(data) > limits.MAX_RULE_FILE_BYTES:
        return None, [Problem(shown, 1, 1, f"the facts schema is over {limits.MAX_RULE_FILE_BYTES} bytes", "limit")]
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    cached = _CACHE.get((shown, digest))
    if cached is not None:
        return cached, []
    try:
        found, problems = _build(shown, data, digest)
    except RecursionError:
        found, problems = None, [_too_deep(shown)]
    if found is not None:
        _CACHE[(shown, digest)] = found
    return found, problems


_CACHE: dict[tuple[str, str], FactsSchema] = {}


def _build(shown: str, data: bytes, digest: str) -> tuple[FactsSchema | None, list[Problem]]:
    try:
        document = json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys)
    except UnicodeDecodeError as exc:
        return None, [Problem(shown, 1, 1, f"the facts schema is not UTF-8 (byte {exc.start})", CHECK)]
    except json.JSONDecodeError as exc:
        return None, [Problem(shown, exc.lineno, exc.colno, f"the facts schema is not JSON: {exc.msg}", CHECK)]
    except _DuplicateKey as exc:
        return None, [Problem(shown, 1, 1, f"the facts schema has the key {exc.args[0]!r} twice in one object", CHECK)]
    if _depth(document) > limits.MAX_FACTS_SCHEMA_DEPTH:
        return None, [_too_deep(shown)]
    problem = _usable(document)
    if problem is not None:
        return None, [Problem(shown, 1, 1, f"the facts schema {problem}", CHECK)]
    try:
        checker = FactsChecker(document)
    except UnsupportedSchema as exc:
        return None, [Problem(shown, 1, 1, f"the facts schema at {exc.pointer or '/'}: {exc.reason}", CHECK)]
    return FactsSchema(shown, document, checker, digest, data), []


def _usable(document: Any) -> str | None:
    """Why the engine cannot use ``document`` as a facts schema (None when it can)."""
    if not isinstance(document, dict) or document.get("type") != "object":
        return 'must be an object schema ({"type": "object", ...}): a facts document is a JSON object'
    try:
        jsonschema.Draft202012Validator.check_schema(document)
    except jsonschema.SchemaError as exc:
        where = "/" + "/".join(str(p) for p in exc.absolute_path)
        return f"is not a valid JSON Schema (draft 2020-12) at {where}: {exc.message}"
    return None


def _too_deep(shown: str) -> Problem:
    return Problem(shown, 1, 1, f"the facts schema nests deeper than {limits.MAX_FACTS_SCHEMA_DEPTH} levels", "limit")


def _depth(document: Any) -> int:
    deepest, todo = 0, [(document, 1)]
    while todo:
        node, level = todo.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level)
            todo.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result
