"""``closure-policy bundle build|verify``: a policy folder as one signed tarball for a fleet (``serve --bundle``)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ...paths import output_file, writing
from .. import options


def add_parser(sub: Any) -> None:
    p = sub.add_parser("bundle", help="build or verify a signed policy bundle (what serve --bundle fetches)")
    actions = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    build = actions.add_parser("build", help="write a rule folder, its facts schema and a manifest as a tarball")
    build.add_argument("rules", metavar="RULES_DIR", help="the rule folder (checked first)")
    build.add_argument("--output", required=True, metavar="FILE.tar.gz", help="where the bundle is written")
    build.add_argument("--signing-key", metavar="KEY.pem",
                       help="an Ed25519 private key (openssl genpkey -algorithm ed25519): the manifest is signed")
    build.add_argument("--revision", metavar="TEXT", help="the revision's name for people (a tag, a commit); "
                                                        "default: the policy's own revision")
    build.set_defaults(run=run_build)
    verify = actions.add_parser("verify", help="check a bundle as serve --bundle does: signature, digests, paths, "
                                               "limits and rules")
    verify.add_argument("file", metavar="FILE", help="the bundle")
    verify.add_argument("--key", required=True, metavar="PUB.pem", help="the Ed25519 public key it must be "
                                                                        "signed with")
    options.add_backend(verify)
    verify.set_defaults(run=run_verify)


def run_build(args: argparse.Namespace) -> int:
    from ...bundle import build_bundle

    output = output_file(args.output)
    data, manifest = build_bundle(args.rules, signing_key=args.signing_key, label=args.revision)
    with writing(output):  # written aside and renamed: a server never serves half a bundle
        scratch = output.with_name(f".{output.name}.writing")
        scratch.write_bytes(data)
        os.replace(scratch, output)
    print(f"{args.output}: {manifest.policy} {manifest.label} ({len(manifest.files)} files, {len(data):,} bytes"
          f"{', signed' if args.signing_key else ', not signed'})", file=sys.stderr)
    return 0


def run_verify(args: argparse.Namespace) -> int:
    import tempfile

    from ...bundle import BundleError
    from ...bundle.signing import public_key
    from ...bundle.verify import load_bundle, verify

    key = public_key(args.key)
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise BundleError(f"{args.file}: cannot read ({exc.strerror or exc})") from None
    try:
        verified = verify(data, key)
        with tempfile.TemporaryDirectory(prefix="closure-policy-bundle-") as scratch:
            load_bundle(verified, Path(scratch), args.backend)
    except BundleError as exc:
        raise BundleError(f"{args.file}: refused: {exc}") from None
    m = verified.manifest
    print(f"{args.file}: {m.policy} {m.label} (revision {m.revision[:19]}…, {len(m.files)} files), "
          f"signed by {verified.key_id}")
    return 0
