"""A bundle's tarball, written reproducibly and read within the limits, refusing whole what it cannot trust.

Read: the compressed bytes within ``MAX_BUNDLE_BYTES``, at most
``MAX_BUNDLE_FILES`` members whose sizes add up to at most
``MAX_BUNDLE_UNPACKED_BYTES`` (checked before a member is read, and again as
it is), each a regular file (no link, device or FIFO; folders are implied by
paths) at a relative path with no ``..``, no backslash and no part twice.
Written: members sorted, owned by no one, dated 0, so one folder always makes
the same bytes.
"""
from __future__ import annotations

import gzip
import io
import posixpath
import tarfile
import zlib

from .. import limits
from ..errors import ClosurePolicyError


class BundleError(ClosurePolicyError):
    """A bundle refused whole: where (a file of it, or the bundle) and why. Exit 2."""


def write_tarball(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as zipped, \
            tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(files):
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(files[path]), 0o644, 0
            tar.addfile(info, io.BytesIO(files[path]))
    return out.getvalue()


def read_tarball(data: bytes) -> dict[str, bytes]:
    """Every file of the tarball by its path; :class:`BundleError` for anything it will not unpack."""
    if len(data) > limits.MAX_BUNDLE_BYTES:
        raise BundleError(f"the bundle is {len(data):,} bytes; the limit is {limits.MAX_BUNDLE_BYTES:,}")
    files: dict[str, bytes] = {}
    total = count = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(_unzipped(data)), mode="r:") as tar:
            for member in tar:
                count += 1  # folders and headers count too: a million of them is no bundle
                _within_limits(count, total + member.size)
                if member.isdir():
                    continue
                path = _checked_path(member)
                total += member.size
                if path in files:
                    raise BundleError(f"{path}: in the bundle twice")
                files[path] = _read_member(tar, member)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        raise BundleError(f"not a whole gzipped tarball ({exc})") from None
    return files


def _unzipped(data: bytes) -> bytes:
    """The tarball's bytes, never more than the unpacked limit (a gzip bomb is stopped as it inflates,
    headers and all, before tarfile reads any of it)."""
    bound = limits.MAX_BUNDLE_UNPACKED_BYTES + 512 * (limits.MAX_BUNDLE_FILES + 2)  # files and their headers
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipping:
        raw = unzipping.read(bound + 1)
    if len(raw) > bound:
        raise BundleError(f"its files unpack to more than {limits.MAX_BUNDLE_UNPACKED_BYTES:,} bytes")
    return raw


def _checked_path(member: tarfile.TarInfo) -> str:
    name = member.name
    if not member.isfile():
        kind = "link" if member.issym() or member.islnk() else "special file"
        raise BundleError(f"{name}: a {kind}; a bundle holds regular files only")
    if name.startswith("/") or "\\" in name or "\x00" in name or not name:
        raise BundleError(f"{name!r}: not a relative path inside the bundle")
    parts = name.split("/")
    if ".." in parts or any(p in ("", ".") for p in parts[:-1]) or parts[-1] in ("", ".", ".."):
        raise BundleError(f"{name}: a path that leaves the bundle's folder or is not plain")
    return posixpath.normpath(name)


def _within_limits(count: int, total: int) -> None:
    if count > limits.MAX_BUNDLE_FILES:
        raise BundleError(f"more than {limits.MAX_BUNDLE_FILES:,} files")
    if total > limits.MAX_BUNDLE_UNPACKED_BYTES:
        raise BundleError(f"its files unpack to more than {limits.MAX_BUNDLE_UNPACKED_BYTES:,} bytes")


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise BundleError(f"{member.name}: cannot be read")
    content = handle.read(member.size + 1)
    if len(content) != member.size:
        raise BundleError(f"{member.name}: {len(content):,} bytes where the tarball says {member.size:,}")
    return content
