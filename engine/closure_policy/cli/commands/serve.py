"""``closure-policy serve``: the decision service other applications call (HTTP, ``/v1``).

The options become a :class:`~closure_policy.serve.app.ServeConfig`; the app
loads the policy before the port is bound, so bad rules are exit 2, not a
service that answers 503. ``--workers N`` runs N processes (uvicorn), each with
its own copy of the policy, all writing the same decision log.
"""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import signal
import socket
import sys
import tempfile
from typing import Any

from ... import limits
from ...decisionlog.postgres import shown
from ...errors import ClosurePolicyError
from ...policy import load_policy
from .. import options


def add_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the decision service (HTTP API under /v1)")
    options.add_rules(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: loopback only)")
    p.add_argument("--port", type=options.whole(0, 65535), default=8181, help="port (default 8181)")
    p.add_argument("--workers", type=options.whole(1), default=1, help="processes, for several cores (default 1)")
    p.add_argument("--decision-log", metavar="PATH|-", help="record every decision: a SQLite file, or - for "
                                                            "JSON Lines on standard output")
    p.add_argument("--log-facts", choices=("all", "none"), default="all", help="keep the facts in the log (all)")
    p.add_argument("--mask", action="append", default=[], metavar="POINTER",
                   help="a JSON pointer of facts the log keeps as *** (repeatable; - for every list item, "
                        "as in /contracts/-/brand)")
    p.add_argument("--max-body", type=options.whole(1), default=limits.MAX_REQUEST_BYTES,
                   help="largest request body, bytes")
    p.add_argument("--max-batch", type=options.whole(1), default=limits.MAX_BATCH_DOCUMENTS,
                   help="most documents in a batch")
    p.add_argument("--timeout", type=options.seconds, default=limits.REQUEST_TIMEOUT_SECONDS,
                   help="request timeout, seconds")
    p.add_argument("--watch", action="store_true", help="reload when a file of the rules folder changes")
    fleet = p.add_argument_group("a fleet", "the policy from a signed bundle, the decision log shipped "
                                            "(docs/fleet.md)")
    fleet.add_argument("--bundle", metavar="URL", help="poll this URL for a bundle (closure-policy bundle build) "
                                                      "and serve it instead of --rules")
    fleet.add_argument("--bundle-key", metavar="PUB.pem", help="the Ed25519 public key a bundle must be signed "
                                                               "with (required with --bundle)")
    fleet.add_argument("--bundle-poll", type=options.seconds, default=limits.BUNDLE_POLL_SECONDS,
                       metavar="SECONDS", help=f"how often to ask for a new bundle (default "
                                               f"{limits.BUNDLE_POLL_SECONDS:g})")
    fleet.add_argument("--bundle-cache", metavar="DIR", help="keep the last good bundle here, to serve it when "
                                                             "restarted while the bundle server is down "
                                                             "(default: a temporary folder, not kept)")
    fleet.add_argument("--bundle-max-age", type=options.seconds, metavar="SECONDS",
                       help="/health and /ready answer 503 when no bundle was confirmed for this long")
    fleet.add_argument("--ship-to", metavar="postgresql://...",
                       help="ship the decision log (--decision-log, a SQLite file: the outbox) to this "
                            "PostgreSQL database")
    options.add_backend(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ...serve.config import ServeConfig

    _check_fleet(args)
    config = ServeConfig(rules=args.rules, backend=args.backend, decision_log=args.decision_log,
                         log_facts=args.log_facts == "all", mask=tuple(args.mask), max_body=args.max_body,
                         max_batch=args.max_batch, timeout=args.timeout, watch=args.watch, bundle=args.bundle,
                         bundle_key=args.bundle_key, bundle_poll=args.bundle_poll, bundle_cache=args.bundle_cache,
                         bundle_max_age=args.bundle_max_age, ship_to=args.ship_to)
    return serve(config, host=args.host, port=args.port, workers=args.workers)


def _check_fleet(args: argparse.Namespace) -> None:
    from ...decisionlog.postgres import is_postgres

    if args.bundle is not None:
        if args.bundle_key is None:
            raise ClosurePolicyError("serve: --bundle needs --bundle-key (an unsigned bundle is never served)")
        if args.watch:
            raise ClosurePolicyError("serve: --watch reloads a rules folder; with --bundle, the bundle is polled")
        if not args.bundle.startswith(("http://", "https://")):
            raise ClosurePolicyError(f"--bundle {args.bundle}: give an http:// or https:// URL")
    elif any(v is not None for v in (args.bundle_key, args.bundle_cache, args.bundle_max_age)):
        raise ClosurePolicyError("serve: --bundle-key, --bundle-cache and --bundle-max-age go with --bundle")
    if args.ship_to is not None:
        if not is_postgres(args.ship_to):
            raise ClosurePolicyError(f"--ship-to: give a postgresql:// URL, not {args.ship_to[:40]!r}")
        if args.decision_log in (None, "-"):
            raise ClosurePolicyError("serve: --ship-to ships the decision log: give --decision-log a SQLite file "
                                     "(the outbox)")


def serve(config: Any, host: str = "127.0.0.1", port: int = 8181, workers: int = 1) -> int:
    """Serve until SIGTERM or SIGINT; in-flight requests finish and the decision log is flushed."""
    from ...decisionlog import open_log
    from ...serve.config import CONFIG_VARIABLE, config_for_workers
    from ...serve.metrics import SHARED_FOLDER

    _check_address(host, port)  # a busy port: exit 2 before anything is announced or created
    if config.decision_log not in (None, "-"):
        log = open_log(config.decision_log)  # a log that cannot be written: exit 2 before binding, too
        assert log is not None
        log.close()
    with contextlib.ExitStack() as cleanup:
        if config.bundle is not None and config.bundle_cache is None:
            config.bundle_cache = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="closure-policy-bundle-"))
        policy = _first_policy(config)  # bad rules, or no bundle to serve: exit 2 before binding
        os.environ[CONFIG_VARIABLE] = config_for_workers(config)
        if workers > 1 and not os.environ.get(SHARED_FOLDER):  # the workers' metrics in one folder,
            os.environ[SHARED_FOLDER] = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="closure-policy-"))
        _run(config, host, port, workers, policy)  # added up by whichever worker answers /metrics
    return 0


def _first_policy(config: Any) -> Any:
    """The policy to start with: the rules folder's, or the bundle's (downloaded, else cached: it is kept in
    the cache folder, where each worker reads it)."""
    if config.bundle is None:
        return load_policy(config.rules, backend=config.backend)
    from pathlib import Path

    from ...bundle.poll import BundleSource
    from ...bundle.signing import public_key

    source = BundleSource(config.bundle, public_key(config.bundle_key), Path(config.bundle_cache), config.backend)
    try:
        policy = source.first()
    finally:
        source.close()
    if source.status.failures:
        print(f"closure-policy serve: {source.status.last_error}; serving the cached bundle "
              f"{source.status.label}", file=sys.stderr, flush=True)
    return policy


def _check_address(host: str, port: int) -> None:
    """Bind ``host:port`` once, as uvicorn will, and let go: a port in use is one line, exit 2.

    (uvicorn would report it after the service had announced itself and
    created its log, and exit 3.)
    """
    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ClosurePolicyError(f"--host {host}: {exc.strerror}") from None
    with socket.socket(family, kind) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise ClosurePolicyError(f"--port {port}: cannot listen on {host}:{port} "
                                     f"({exc.strerror or exc})") from None


def _run(config: Any, host: str, port: int, workers: int, policy: Any) -> None:
    import uvicorn

    from ...serve.app import app_from_environment
    from ...serve.connections import GuardedProtocol

    print(f"closure-policy serve: http://{host}:{port} ({policy.name} {policy.revision[:19]}…, "
          f"{workers} worker{'s' if workers != 1 else ''}; docs at /docs; {_logging(config)})", file=sys.stderr,
          flush=True)
    target: Any = "closure_policy.serve.app:app_from_environment" if workers > 1 else app_from_environment
    # uvicorn shuts down gracefully on SIGTERM/SIGINT (in-flight requests finish,
    # the decision log is flushed), then raises the signal again for the handler
    # it found: this one, so that a clean shutdown exits 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_cleanly)
    uvicorn.run(target, factory=True, host=host, port=port, workers=workers, log_level="warning",
                timeout_graceful_shutdown=int(config.timeout) + 1, access_log=False, http=GuardedProtocol,
                timeout_keep_alive=math.ceil(limits.KEEP_ALIVE_SECONDS))


def _logging(config: Any) -> str:
    """Where the decisions go, said at start: an operator should not have to guess whether they are kept."""
    if config.decision_log is None:
        return "decisions not logged (--decision-log PATH to keep them)"
    where = "standard output" if config.decision_log == "-" else config.decision_log
    shipped = f", shipped to {shown(config.ship_to)}" if config.ship_to else ""
    return f"decisions logged to {where}{shipped}"


def _exit_cleanly(signum: int, frame: Any) -> None:
    raise SystemExit(0)
