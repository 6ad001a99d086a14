"""The input of a batch: files cut into partitions that workers read by themselves.

A partition names where its rows are (a byte range of a JSON Lines file, a
row group of a Parquet file, or the documents themselves for a decision log)
and the input position of its first row, so every output row keeps its place
(``row``) however the partitions are scheduled. Workers open the files
themselves: a remote cluster needs the input on storage it shares with the
client, as with any Dask job; a decision log is shipped in partitions.

JSON Lines: one document a line; blank lines are not rows. Parquet: one
document a row, its columns the root facts.
"""
from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .. import limits
from ..errors import ClosurePolicyError

PARQUET = (".parquet", ".pq")
OVERLONG = b"\0"  # a line too long to be a document, drained and given as this (not JSON)
JSON_LINES = (".jsonl", ".ndjson", ".json")


@dataclass(frozen=True)
class Partition:
    """Rows ``first`` to ``first + rows - 1`` of the input, and where to read them."""

    number: int
    first: int
    rows: int
    path: str = ""
    start: int = 0  # JSON Lines: the byte range [start, end)
    end: int = 0
    group: int = -1  # Parquet: the row group
    documents: tuple[Any, ...] = ()  # a decision log's documents, shipped

    def read(self) -> Iterator[Any]:
        """The partition's documents: JSON text (bytes) or mappings, one per row, in order."""
        if self.documents:
            return iter(self.documents)
        if self.group >= 0:
            return _parquet_rows(self.path, self.group)
        return _lines(self.path, self.start, self.end)


def input_files(given: str) -> list[Path]:
    """The files of ``given``: a file, a folder (its JSON Lines and Parquet files) or a glob, sorted."""
    path = Path(given)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in PARQUET + JSON_LINES)
    elif path.is_file():
        found = [path]
    else:
        found = sorted(Path(p) for p in glob.glob(given, recursive=True) if Path(p).is_file())
    if not found:
        raise ClosurePolicyError(f"--input {given}: no such file, or no JSON Lines or Parquet files there")
    return found


def partitions(given: str, rows: int | None = None) -> Iterator[Partition]:
    """The input cut into partitions of about ``rows`` rows, in input order (read lazily, in one pass)."""
    rows = rows or limits.BATCH_PARTITION_ROWS
    first, number = 0, 0
    for path in input_files(given):
        cut = _parquet_partitions if path.suffix.lower() in PARQUET else _line_partitions
        for part in cut(path, rows, first, number):
            yield part
            first, number = part.first + part.rows, part.number + 1


def inline_partitions(documents: Iterator[Any], rows: int | None = None) -> Iterator[Partition]:
    """Documents held by the client (a decision log's facts), shipped to workers in partitions."""
    rows = rows or limits.BATCH_PARTITION_ROWS
    chunk: list[Any] = []
    first = number = 0
    for document in documents:
        chunk.append(document)
        if len(chunk) == rows:
            yield Partition(number, first, len(chunk), documents=tuple(chunk))
            first, number, chunk = first + len(chunk), number + 1, []
    if chunk:
        yield Partition(number, first, len(chunk), documents=tuple(chunk))


def _line_partitions(path: Path, rows: int, first: int, number: int) -> Iterator[Partition]:
    """Byte ranges of about ``rows`` lines each; one pass over the file to count its rows exactly."""
    with open(path, "rb") as fh:
        start = count = 0
        for _line, offset in _file_lines(fh, None):
            count += 1
            if count == rows:
                yield Partition(number, first, count, str(path), start, offset)
                first, number, start, count = first + count, number + 1, offset, 0
        if count:
            yield Partition(number, first, count, str(path), start, fh.tell())


def _file_lines(fh: Any, end: int | None) -> Iterator[tuple[bytes, int]]:
    """(line, offset after it) of each non-blank line up to ``end``, in bounded memory.

    A line longer than a document may be is drained, not held, and given as
    ``OVERLONG``, so it is one invalid row, as on every other path.
    """
    bound = limits.MAX_DOCUMENT_BYTES + 2
    while end is None or fh.tell() < end:
        line = fh.readline(bound)
        if not line:
            return
        if len(line) == bound and not line.endswith(b"\n"):
            while (rest := fh.readline(bound)) and not rest.endswith(b"\n"):
                pass
            line = OVERLONG
        if line.strip():
            yield line, fh.tell()


def _parquet_partitions(path: Path, rows: int, first: int, number: int) -> Iterator[Partition]:
    import pyarrow.parquet as pq

    try:
        metadata = pq.ParquetFile(path).metadata
    except Exception as exc:  # pyarrow.ArrowInvalid and kin: not a Parquet file
        raise ClosurePolicyError(f"{path}: not a Parquet file ({exc})") from None
    for group in range(metadata.num_row_groups):
        count = metadata.row_group(group).num_rows
        if count:
            yield Partition(number, first, count, str(path), group=group)
            first, number = first + count, number + 1


def _lines(path: str, start: int, end: int) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        fh.seek(start)
        for line, _ in _file_lines(fh, end):
            yield line


def _parquet_rows(path: str, group: int) -> Iterator[Any]:
    import pyarrow.parquet as pq

    from .arrow import from_row

    table = pq.ParquetFile(path).read_row_group(group)
    for batch in table.to_batches(max_chunksize=1000):
        yield from (from_row(row) for row in batch.to_pylist())
