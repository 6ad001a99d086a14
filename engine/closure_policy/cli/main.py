"""Entry point: parse the command line, run one subcommand, turn errors into exit codes.

Exit codes: 0 any decision or clean check; 2 a user's mistake (bad facts, bad
rules, bad arguments, an output that cannot be written), reported on stderr;
1 a fault: of the machine mid-run (one line, e.g. a full disk) or a bug (with its trace).
"""
from __future__ import annotations

import argparse
import sys
import traceback
from typing import Sequence

from .. import __version__
from ..errors import ClosurePolicyError, EngineLimit, MachineFault
from .commands import (
    batch,
    bundle,
    check,
    compile,
    diff,
    doc,
    fmt,
    init,
    log,
    lsp,
    prove,
    reference,
    review,
    sample,
    serve,
    stream,
    test,
)
from .commands import eval as eval_cmd

EXIT_OK, EXIT_INTERNAL, EXIT_USER = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> "NoReturn":  # type: ignore[name-defined]  # noqa: F821
        self.print_usage(sys.stderr)
        raise ClosurePolicyError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="closure-policy", description="Decide partner-account closures from declarative rules.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    eval_cmd.add_parser(sub)
    check.add_parser(sub)
    init.add_parser(sub)
    compile.add_parser(sub)
    test.add_parser(sub)
    fmt.add_parser(sub)
    stream.add_parser(sub)
    serve.add_parser(sub)
    bundle.add_parser(sub)
    log.add_parser(sub)
    batch.add_parser(sub)
    diff.add_parser(sub)
    review.add_parser(sub)
    sample.add_parser(sub)
    reference.add_parser(sub)
    doc.add_parser(sub)
    prove.add_parser(sub)
    lsp.add_parser(sub)
    parser.set_defaults(cli=parser)  # the whole command line, for the command that documents it
    return parser


def _command_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The parser of the (sub)command the arguments chose: ``eval``'s, ``bundle build``'s..."""
    while True:
        sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
        chosen = getattr(args, sub.dest, None) if sub is not None else None
        if sub is None or chosen not in sub.choices:
            return parser
        parser = sub.choices[chosen]


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if extra:  # said by the command's own parser, with its own usage (not the top level's)
            _command_parser(parser, args).error(f"unrecognized arguments: {' '.join(extra)}")
        code: int = args.run(args)
        return code
    except (ClosurePolicyError, EngineLimit) as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_USER
    except BrokenPipeError:
        return EXIT_OK
    except MachineFault as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        return 130
    except Exception:  # a bug of ours, not the user's: say so, with the trace
        print("closure-policy: internal error; please report it with this trace:", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
