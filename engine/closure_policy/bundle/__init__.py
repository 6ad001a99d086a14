"""Policy bundles: a rule folder and its facts schema as one signed tarball, built once and served to a fleet.

``build.py`` writes one; ``archive.py`` reads a tarball within the limits,
refusing any path or member that could land outside its folder; ``manifest.py``
says what a bundle holds (each file's digest); ``signing.py`` signs and checks
the manifest (Ed25519); ``verify.py`` accepts a bundle whole or refuses it
whole, its rules checked as ``check`` checks them; ``poll.py`` fetches one
over HTTP as a fleet's instances do.
"""
from __future__ import annotations

from .archive import BundleError
from .build import build_bundle
from .verify import Verified, unpack, verify

__all__ = ["BundleError", "Verified", "build_bundle", "unpack", "verify"]
