"""A real LSP client (pygls') driving ``closure-policy lsp`` over stdio, as an editor would."""
from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any, Callable

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient


class Editor:
    def __init__(self, root: Path):
        self.root = root
        self.client = LanguageClient("closure-policy-tests", "1")
        self.diagnostics: dict[str, list[lsp.Diagnostic]] = {}
        self.published: list[tuple[float, str]] = []  # when, which uri
        self.versions: dict[str, int] = {}

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.diagnostics[params.uri] = list(params.diagnostics)
            self.published.append((time.perf_counter(), params.uri))

    async def __aenter__(self) -> "Editor":
        await self.client.start_io(sys.executable, "-m", "closure_policy.cli.main", "lsp")
        self.capabilities = (await self.client.initialize_async(lsp.InitializeParams(
            capabilities=lsp.ClientCapabilities(), root_uri=self.root.as_uri()))).capabilities
        self.client.initialized(lsp.InitializedParams())
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()

    def open(self, path: Path, text: str | None = None) -> str:
        uri = path.absolute().as_uri()
        self.versions[uri] = 1
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(
            uri=uri, language_id="yaml", version=1, text=path.read_text(encoding="utf-8") if text is None else text)))
        return uri

    def change(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))

    async def until(self, test: Callable[[], bool], seconds: float = 20.0) -> None:
        deadline = time.monotonic() + seconds
        while not test():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting; diagnostics: {self.diagnostics}")
            await asyncio.sleep(0.02)

    def codes(self, uri: str) -> list[str]:
        return [str(d.code) for d in self.diagnostics.get(uri, [])]

    def at(self, uri: str, line: int, character: int) -> dict[str, Any]:
        return {"text_document": lsp.TextDocumentIdentifier(uri=uri), "position": lsp.Position(line, character)}


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
