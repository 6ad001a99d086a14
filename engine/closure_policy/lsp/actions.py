"""``textDocument/codeAction``: a problem that says "did you mean 'x'?" offers to write x in its place."""
from __future__ import annotations

import re

from lsprotocol import types as lsp

_DID_YOU_MEAN = re.compile(r"did you mean '([^']+)'\?")


def code_actions(uri: str, diagnostics: list[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    actions = []
    for d in diagnostics:
        meant = _DID_YOU_MEAN.search(d.message)
        if meant is None:
            continue
        edit = lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(range=d.range, new_text=meant.group(1))]})
        actions.append(lsp.CodeAction(title=f"Change to '{meant.group(1)}'", kind=lsp.CodeActionKind.QuickFix,
                                      diagnostics=[d], edit=edit, is_preferred=True))
    return actions
