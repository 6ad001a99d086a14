"""``closure-policy lsp``: a Language Server Protocol server over stdio (pygls) for rule files, suites and
property files. It only routes: the answers are :mod:`.check` (diagnostics) and :mod:`.features`.

Diagnostics are published on open and save at once, and on change after a short
pause (``limits.LSP_DEBOUNCE_SECONDS``), for every file whose problems the
change decides (the whole rule folder for a rule file), so a problem another
file caused is cleared where it was shown once it is fixed.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls import uris
from pygls.lsp.server import LanguageServer

from .. import __version__, limits
from ..errors import Problem
from .actions import code_actions
from .check import Checker
from .completion import Completion
from .documents import Documents
from .formatting import formatting as format_buffer
from .hover import Hover
from .navigation import Navigation


def path_of(uri: str) -> Path:
    """The file a ``file:`` URI names (pygls' reading of it); another scheme's path as it stands."""
    return Path(uris.to_fs_path(uri) or unquote(urlparse(uri).path))


def diagnostic(problem: Problem, text: str | None) -> lsp.Diagnostic:
    """A problem as the editor shows it: its line and column (1-based, made 0-based here, once) to the end of
    the word there, its check id as the code."""
    row, column = max(problem.line - 1, 0), max(problem.column - 1, 0)
    lines = (text or "").split("\n")
    line = lines[row] if row < len(lines) else ""
    end = column
    while end < len(line) and line[end] not in " \t,}]":
        end += 1
    end = max(end, column + 1)
    return lsp.Diagnostic(range=lsp.Range(lsp.Position(row, column), lsp.Position(row, end)),
                          message=problem.message, severity=lsp.DiagnosticSeverity.Error, code=problem.check,
                          source="closure-policy")


class WorkspaceBuffers:
    """The open buffers as pygls's workspace holds them (it applies the editor's edits before a handler runs)."""

    def __init__(self, server: LanguageServer):
        self._server = server

    def buffer(self, path: Path) -> str | None:
        documents = self._server.workspace.text_documents
        document = documents.get(path.as_uri())  # an editor may spell a URI otherwise: then by the path it names
        if document is None:
            document = next((d for uri, d in documents.items() if path_of(uri).absolute() == path), None)
        return None if document is None else document.source

    def paths(self) -> set[Path]:
        return {path_of(uri) for uri in self._server.workspace.text_documents}


class PolicyServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("closure-policy", __version__)
        self.documents = Documents(WorkspaceBuffers(self))
        self.checker = Checker(self.documents)
        self.completion, self.hover = Completion(self.checker), Hover(self.checker)
        self.navigation = Navigation(self.checker)
        self._pending: asyncio.TimerHandle | None = None
        self._shown: dict[Path, list[Problem]] = {}  # what each file's diagnostics last were

    def publish(self, path: Path) -> None:
        try:
            found = self.checker.diagnose(path)
        except Exception as exc:  # noqa: BLE001 - a bug of ours is said in the editor's log, never a dead server
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error,
                                                         message=f"closure-policy: cannot check {path}: {exc!r}"))
            return
        # The file changed first; then only the files whose problems changed (a folder's other files mostly not).
        for file in sorted(found, key=lambda f: f != path):
            problems = found[file]
            if file != path and self._shown.get(file) == problems:
                continue
            self._shown[file] = problems
            text = self.documents.text(file) if problems else None
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                uri=file.as_uri(), diagnostics=[diagnostic(p, text) for p in problems]))

    def later(self, path: Path) -> None:
        if self._pending is not None:
            self._pending.cancel()
        self._pending = asyncio.get_event_loop().call_later(limits.LSP_DEBOUNCE_SECONDS, self.publish, path)


def create_server() -> PolicyServer:
    server = PolicyServer()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PolicyServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.publish(path_of(params.text_document.uri))

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PolicyServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.later(path_of(params.text_document.uri))

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PolicyServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.publish(path_of(params.text_document.uri))

    _features(server)
    return server


def _features(server: PolicyServer) -> None:
    def where(ls: PolicyServer, params: Any) -> tuple[Path, str, int, int]:
        """The buffer and position of a request (every positional request's params have both)."""
        path = path_of(params.text_document.uri)
        text = ls.documents.text(path) or ""
        if len(text) > limits.MAX_RULE_FILE_BYTES:  # a buffer over the limit is one problem, and nothing else
            text = ""
        return path, text, params.position.line, params.position.character

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[".", ":", " ", "{", "["]))
    def completion(ls: PolicyServer, params: lsp.CompletionParams) -> lsp.CompletionList:
        return lsp.CompletionList(is_incomplete=False, items=ls.completion(*where(ls, params)))

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: PolicyServer, params: lsp.HoverParams) -> lsp.Hover | None:
        return ls.hover(*where(ls, params))

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: PolicyServer, params: lsp.DefinitionParams) -> list[lsp.Location]:
        return ls.navigation.definition(*where(ls, params))

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    def references(ls: PolicyServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
        return ls.navigation.references(*where(ls, params))

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: PolicyServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit]:
        return format_buffer(ls.documents.text(path_of(params.text_document.uri)) or "")

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION)
    def code_action(ls: PolicyServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        return code_actions(params.text_document.uri, list(params.context.diagnostics))
