"""The prover's tests run over the engine tests' fixture policy (and copies of it they change)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import FIXTURE_RULES, copy_policy


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A copy of the fixture rules the test may change."""
    return copy_policy(FIXTURE_RULES, tmp_path / "rules")


def properties(folder: Path, items: list[dict[str, Any]], name: str = "props.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(items, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def edit(rules: Path, file: str, old: str, new: str) -> None:
    """One change to a rule file of the copy (it must be there exactly once)."""
    path = rules / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {file} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")
