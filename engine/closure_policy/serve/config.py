"""The service's options, and how ``serve --workers N`` hands them to each worker."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

from .. import limits
from ..jsondoc import dump_text

TOKEN_VARIABLE = "CLOSURE_POLICY_RELOAD_TOKEN"  # the bearer token POST /v1/policy/reload asks for
CONFIG_VARIABLE = "CLOSURE_POLICY_SERVE_CONFIG"  # how `serve --workers N` hands its options to each worker


@dataclass
class ServeConfig:
    rules: str | None = None
    backend: str = "compiled"
    decision_log: str | None = None  # a SQLite path, "-" for JSON Lines on stdout, None for no log
    log_facts: bool = True
    mask: tuple[str, ...] = ()  # JSON pointers of facts the log keeps as "***"
    max_body: int = limits.MAX_REQUEST_BYTES
    max_batch: int = limits.MAX_BATCH_DOCUMENTS
    timeout: float = limits.REQUEST_TIMEOUT_SECONDS
    watch: bool = False  # reload when a file of the rules folder changes
    bundle: str | None = None  # the URL of a signed policy bundle, polled (instead of a rules folder)
    bundle_key: str | None = None  # the Ed25519 public key (PEM file) a bundle must be signed with
    bundle_poll: float = limits.BUNDLE_POLL_SECONDS
    bundle_cache: str | None = None  # where the last good bundle is kept
    bundle_max_age: float | None = None  # /health and /ready say 503 past this long without a confirmed bundle
    ship_to: str | None = None  # a postgresql:// URL the decision log is shipped to


def config_for_workers(config: ServeConfig) -> str:
    return dump_text(asdict(config))


def config_from_environment() -> ServeConfig:
    """The options of one worker of ``serve --workers N``, as :func:`config_for_workers` wrote them."""
    raw = json.loads(os.environ[CONFIG_VARIABLE])  # plain floats here (the timeout), not Decimal
    raw["mask"] = tuple(raw.get("mask", ()))
    return ServeConfig(**raw)
