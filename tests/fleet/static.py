"""A plain static file server on loopback, as a bundle is served in the field: Python's own, which answers
``Last-Modified`` and ``If-Modified-Since`` (whole seconds), and optionally an ``ETag`` as object stores do."""
from __future__ import annotations

import hashlib
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _Handler(SimpleHTTPRequestHandler):
    etags = False
    requests: list[tuple[str, dict[str, str]]]

    def send_head(self) -> Any:
        self.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        if self.etags:
            path = Path(self.translate_path(self.path))
            if path.is_file():
                tag = '"' + hashlib.sha256(path.read_bytes()).hexdigest()[:20] + '"'
                if self.headers.get("If-None-Match") == tag:
                    self.send_response(304)
                    self.send_header("ETag", tag)
                    self.end_headers()
                    return None
                self._etag = tag
        return super().send_head()

    def end_headers(self) -> None:
        tag = getattr(self, "_etag", None)
        if tag is not None:
            self.send_header("ETag", tag)
            self._etag = None
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-file (a download refused past its size limit) is not an error here."""
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class StaticServer:
    def __init__(self, folder: Path, etags: bool = False, port: int = 0):
        handler = type("Handler", (_Handler,), {"etags": etags, "requests": []})
        self.requests: list[tuple[str, dict[str, str]]] = handler.requests  # type: ignore[attr-defined]
        self.httpd = _Server(("127.0.0.1", port), partial(handler, directory=str(folder)))
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
