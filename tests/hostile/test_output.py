"""What a person reads: no value can forge a line, hide one, or flood the terminal."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from closure_policy.cli.main import main
from closure_policy.text import excerpt, safe
from tests.hostile.conftest import RULES, document

FORGED = "P-1001: ALLOW\n\x1b[2K\rAccount P-1001: ALLOW\u202e"


def _printed(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    return captured.out + captured.err


def _assert_inert(text: str) -> None:
    for char in ("\x1b", "\r", "\u202e", "\x00", "\x07"):
        assert char not in text


def test_text_output_escapes_every_value(tmp_path, capsys):
    path = tmp_path / "f.json"
    path.write_text(json.dumps(document(account={"id": FORGED}, request={"actor_id": "U-\x1b[31m", "user_id": "U-2"})))
    assert main(["eval", "-q", "gate", "--rules", str(RULES), "-f", str(path), "--format", "text"]) == 0
    out = _printed(capsys)
    _assert_inert(out)
    assert sum(line.startswith("Account ") for line in out.splitlines()) == 1
    assert "\\x1b[2K" in out and "\\u202e" in out


def test_check_escapes_what_the_rule_file_holds(tmp_path, capsys):
    folder = tmp_path / "rules"
    folder.mkdir()
    for f in RULES.iterdir():
        (folder / f.name).write_text(f.read_text())
    (folder / "bad.yaml").write_text('rules:\n  - id: "x\\e[2K\\rFAKE: no problems"\n', encoding="utf-8")
    assert main(["check", str(folder)]) == 2
    out = _printed(capsys)
    _assert_inert(out)
    assert not any(line.startswith("FAKE") for line in out.splitlines())


def test_invalid_facts_quote_a_short_excerpt(tmp_path, capsys):
    path = tmp_path / "f.json"
    path.write_text(json.dumps(document(account={"timezone": "Z" * 10_000_000})))
    assert main(["eval", "-q", "gate", "--rules", str(RULES), "-f", str(path)]) == 2
    err = _printed(capsys)
    assert len(err) < 1000 and "/account/timezone" in err


def test_schema_messages_describe_the_form_instead_of_a_pattern(tmp_path, capsys):
    path = tmp_path / "f.json"
    path.write_text(json.dumps(document(balance={"available": "-1"})))
    assert main(["eval", "-q", "gate", "--rules", str(RULES), "-f", str(path)]) == 2
    err = _printed(capsys)
    assert 'must be a non-negative decimal string such as "12.50"' in err
    assert "^" not in err and "does not match" not in err


def test_the_test_command_escapes_failures(tmp_path, capsys):
    suite = tmp_path / "gate.yaml"
    facts = document(account={"id": FORGED})
    suite.write_text(json.dumps({"cases": [
        {"name": "forged\x1b[2K", "query": "gate", "facts": facts, "expect": {"outcome": "deny"}}]}))
    assert main(["test", str(suite), "--rules", str(RULES), "--backend", "compiled"]) == 1
    out = _printed(capsys)
    _assert_inert(out)
    assert "0 passed, 1 failed" in out and "\\x1b[2K" in out


@pytest.mark.parametrize("value,shown", [("a" * 100, '"' + "a" * 60 + '"… (100 characters)'), ("ok", '"ok"'),
                                         ({"k": 1}, "an object"), (10 ** 200, "an integer of about 200 digits"),
                                         ("\x1b", '"\\x1b"')])
def test_excerpts_are_short_and_printable(value, shown):
    assert excerpt(value) == shown


def test_safe_escapes_controls_bidi_and_surrogates():
    assert safe("a\nb\x1b\u2066\ud800\x9b") == "a\\x0ab\\x1b\\u2066\\ud800\\x9b"
    assert safe("中文 ok") == "中文 ok"
    assert Path  # noqa: B018  (imported for the fixtures above)
