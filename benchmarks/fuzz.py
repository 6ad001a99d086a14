"""A longer fuzzing run of the three parsers (facts, rule files, stream lines).

    python benchmarks/fuzz.py [--examples 20000]

Runs the property tests of ``tests/hostile/test_fuzz.py`` with many more
examples than the normal test budget allows. Exit 0 when every property held.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=20_000, help="examples per property (default 20,000)")
    args = parser.parse_args(argv)
    env = {**os.environ, "FUZZ_EXAMPLES": str(args.examples)}
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            str(ROOT / "tests/hostile/test_fuzz.py")], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
