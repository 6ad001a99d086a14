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
    options.add_backend(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ...serve.config import ServeConfig

    config = ServeConfig(rules=args.rules, backend=args.backend, decision_log=args.decision_log,
                         log_facts=args.log_facts == "all", mask=tuple(args.mask), max_body=args.max_body,
                         max_batch=args.max_batch, timeout=args.timeout, watch=args.watch)
    return serve(config, host=args.host, port=args.port, workers=args.workers)


def serve(config: Any, host: str = "127.0.0.1", port: int = 8181, workers: int = 1) -> int:
    """Serve until SIGTERM or SIGINT; in-flight requests finish and the decision log is flushed."""
    from ...decisionlog import open_log
    from ...serve.config import CONFIG_VARIABLE, config_for_workers
    from ...serve.metrics import SHARED_FOLDER

    _check_address(host, port)  # a busy port: exit 2 before anything is announced or created
    policy = load_policy(config.rules, backend=config.backend)  # bad rules: exit 2 before binding
    if config.decision_log not in (None, "-"):
        log = open_log(config.decision_log)  # a log that cannot be written: exit 2 before binding, too
        assert log is not None
        log.close()
    os.environ[CONFIG_VARIABLE] = config_for_workers(config)
    with contextlib.ExitStack() as cleanup:
        if workers > 1 and not os.environ.get(SHARED_FOLDER):  # the workers' metrics in one folder,
            os.environ[SHARED_FOLDER] = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="closure-policy-"))
        _run(config, host, port, workers, policy)  # added up by whichever worker answers /metrics
    return 0


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
          f"{workers} worker{'s' if workers != 1 else ''}; docs at /docs)", file=sys.stderr, flush=True)
    target: Any = "closure_policy.serve.app:app_from_environment" if workers > 1 else app_from_environment
    # uvicorn shuts down gracefully on SIGTERM/SIGINT (in-flight requests finish,
    # the decision log is flushed), then raises the signal again for the handler
    # it found: this one, so that a clean shutdown exits 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_cleanly)
    uvicorn.run(target, factory=True, host=host, port=port, workers=workers, log_level="warning",
                timeout_graceful_shutdown=int(config.timeout) + 1, access_log=False, http=GuardedProtocol,
                timeout_keep_alive=math.ceil(limits.KEEP_ALIVE_SECONDS))


def _exit_cleanly(signum: int, frame: Any) -> None:
    raise SystemExit(0)
