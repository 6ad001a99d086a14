"""The language server: the policy's checks and names, in the editor (``closure-policy lsp``)."""
