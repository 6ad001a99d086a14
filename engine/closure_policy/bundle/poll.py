"""A fleet instance's bundle: fetched over HTTP with conditional requests, kept on disk, swapped in whole.

Any static file server or object store serves bundles: an ``ETag`` is sent
back as ``If-None-Match``; without one, a ``Last-Modified`` as
``If-Modified-Since``, but only when it is at least a second older than the
response's ``Date`` (RFC 9110 §8.8.2.2: a time within the second it was
written may be shared by the next version, whose 304 would hide it). A
download is limited in size and time; a bundle is accepted whole
(``verify.py``) or refused whole, and the last good one keeps serving. The
last good bundle is kept in the cache folder (``bundle.tar.gz`` and
``bundle.json``, written aside and renamed), so an instance started while the
bundle server is down serves it.
"""
from __future__ import annotations

import email.utils
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .. import limits
from ..clock import now_text
from ..errors import ClosurePolicyError
from ..jsondoc import dump_text, load_trusted
from ..policy import Policy
from .archive import BundleError
from .verify import Verified, load_bundle, verify

CACHED, CACHED_META = "bundle.tar.gz", "bundle.json"


@dataclass
class BundleStatus:
    """What ``GET /v1/status`` says of the bundle (this process's)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    digest: str | None = None  #: of the active bundle's manifest
    label: str | None = None  #: the active bundle's revision as its authors name it
    last_download: str | None = None  #: the last time a new bundle was downloaded
    last_activation: str | None = None  #: the last time a bundle was swapped in
    last_confirmed: str | None = None  #: the last time the server said the active bundle is current
    last_error: str | None = None
    last_error_at: str | None = None
    failures: int = 0
    confirmed_at: float = field(default_factory=time.monotonic, repr=False)  #: monotonic; start counts

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "confirmed_at"}

    def stale(self, max_age: float | None) -> bool:
        return max_age is not None and time.monotonic() - self.confirmed_at > max_age

    def confirmed(self) -> None:
        self.confirmed_at, self.last_confirmed = time.monotonic(), now_text(3)

    def failed(self, why: str) -> None:
        self.last_error, self.last_error_at, self.failures = why, now_text(3), self.failures + 1


class BundleSource:
    """One URL's bundles for one instance: :meth:`first` at start, then :meth:`poll` again and again."""

    def __init__(self, url: str, key: Ed25519PublicKey, cache: Path, backend: str = "compiled",
                 install: Callable[[Policy, Verified], None] = lambda policy, verified: None):
        self.url, self.key, self.cache, self.backend, self.install = url, key, cache, backend, install
        self.status = BundleStatus(url)
        self._client = httpx.Client(timeout=limits.BUNDLE_DOWNLOAD_SECONDS, follow_redirects=True)

    def first(self) -> Policy:
        """The policy to start with: the server's bundle, else the cached one; :class:`BundleError` for neither."""
        try:
            found = self._download()
            if found is not None:
                return found[0]
        except (BundleError, httpx.HTTPError) as exc:
            self.status.failed(_why(exc))
        cached = self.cached()
        if cached is None:
            raise BundleError(f"--bundle {self.url}: {self.status.last_error or 'nothing to download'}; and no "
                              f"bundle is cached in {self.cache}")
        return cached

    def cached(self) -> Policy | None:
        """The last good bundle kept in the cache folder (None: none, or not for this URL, or no longer good)."""
        meta_path, data_path = self.cache / CACHED_META, self.cache / CACHED
        try:
            meta = load_trusted(meta_path.read_bytes())
            data = data_path.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("url") != self.url:
            return None
        try:
            policy, verified = self._accept(data)
        except BundleError as exc:
            self.status.failed(f"the cached bundle is refused: {exc}")
            return None
        self.status.etag, self.status.last_modified = meta.get("etag"), meta.get("last_modified")
        self._activated(policy, verified)
        return policy

    def poll(self) -> None:
        """Ask once; a new good bundle is installed, a bad one reported while the current one stays."""
        try:
            found = self._download()
        except (BundleError, httpx.HTTPError) as exc:
            self.status.failed(_why(exc))
            return
        if found is not None:
            self.install(*found)

    def close(self) -> None:
        self._client.close()

    def _download(self) -> tuple[Policy, Verified] | None:
        """A new bundle's policy; None when the server says the active one is current (or sends it again)."""
        got = self._get()
        if got is None:
            self.status.confirmed()
            return None
        headers, data = got
        etag, modified = headers.get("etag"), _strong_last_modified(headers)
        self.status.last_download = now_text(3)
        verified = verify(data, self.key)
        if verified.digest == self.status.digest:  # the same bundle again (no validator, or a new one)
            self.status.etag, self.status.last_modified = etag, modified
            self.status.confirmed()
            return None
        policy, verified = self._accept(data, verified)
        self.status.etag, self.status.last_modified = etag, modified
        self._keep(data)
        self._activated(policy, verified)
        return policy, verified

    def _get(self) -> tuple[httpx.Headers, bytes] | None:
        """The response's headers and body, or None for 304 Not Modified."""
        headers = {}
        if self.status.digest is not None and self.status.etag:
            headers["If-None-Match"] = self.status.etag
        elif self.status.digest is not None and self.status.last_modified:
            headers["If-Modified-Since"] = self.status.last_modified
        with self._client.stream("GET", self.url, headers=headers) as response:
            if response.status_code == 304:
                return None
            if response.status_code != 200:
                raise BundleError(f"the server answered {response.status_code} {response.reason_phrase}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limits.MAX_BUNDLE_BYTES:
                raise BundleError(f"the bundle is {int(declared):,} bytes; the limit is "
                                  f"{limits.MAX_BUNDLE_BYTES:,}")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limits.MAX_BUNDLE_BYTES:
                    raise BundleError(f"the bundle is over {limits.MAX_BUNDLE_BYTES:,} bytes")
                chunks.append(chunk)
            return response.headers, b"".join(chunks)

    def _accept(self, data: bytes, verified: Verified | None = None) -> tuple[Policy, Verified]:
        verified = verified or verify(data, self.key)
        try:
            return load_bundle(verified, self.cache / "unpacked", self.backend), verified
        except ClosurePolicyError as exc:
            raise BundleError(exc.report()) from None

    def _activated(self, policy: Policy, verified: Verified) -> None:
        self.status.digest, self.status.label = verified.digest, verified.manifest.label
        self.status.last_activation = now_text(3)
        self.status.confirmed()

    def _keep(self, data: bytes) -> None:
        """The bundle and its validators, for a restart while the server is down (written aside, renamed)."""
        self.cache.mkdir(parents=True, exist_ok=True)
        meta = dump_text({"url": self.url, "etag": self.status.etag, "last_modified": self.status.last_modified})
        for name, content in ((CACHED, data), (CACHED_META, meta.encode("utf-8"))):
            scratch = self.cache / f".{name}.{os.getpid()}"
            scratch.write_bytes(content)
            os.replace(scratch, self.cache / name)


def _strong_last_modified(headers: httpx.Headers) -> str | None:
    """``Last-Modified`` when it may be sent back as ``If-Modified-Since``: a second or more before ``Date``."""
    modified, date = headers.get("last-modified"), headers.get("date")
    if modified is None or date is None:
        return None
    try:
        if email.utils.parsedate_to_datetime(date).timestamp() - \
                email.utils.parsedate_to_datetime(modified).timestamp() < 1:
            return None
    except (TypeError, ValueError):
        return None
    return str(modified)


def _why(exc: Exception) -> str:
    if isinstance(exc, httpx.HTTPError):
        return f"cannot download the bundle ({type(exc).__name__}: {exc})"
    return str(exc)
