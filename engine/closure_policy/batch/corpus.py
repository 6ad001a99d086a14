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
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from .. import limits
from ..errors import ClosurePolicyError
from ..jsondoc import dump, lines, overlong
from ..paths import output_file, writing

PARQUET = (".parquet", ".pq")
JSON_LINES = (".jsonl", ".ndjson", ".json")


@dataclass(frozen=True)
class Partition:
    """Rows ``first`` to ``first + rows - 1`` of the input, and where to read them."""

    number: int
    first: int
    rows: int
    path: str = ""
    start: int = 0  # JSON Lines: the byte range [start, end); Parquet: the rows [start, end) of the group
    end: int = 0
    group: int = -1  # Parquet: the row group
    documents: tuple[Any, ...] = ()  # a decision log's documents, shipped

    def read(self) -> Iterator[Any]:
        """The partition's documents, one per row, in order: JSON text (bytes), mappings, or the error of a
        line too long to be read (what :meth:`Policy.decide_many` takes)."""
        if self.documents:
            return iter(self.documents)
        if self.group >= 0:
            return _parquet_rows(self.path, self.group, self.start, self.end)
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
        for line in lines(fh):
            if line is not None and not line.strip():
                continue  # a blank line is not a row
            count += 1
            if count == rows:
                yield Partition(number, first, count, str(path), start, fh.tell())
                first, number, start, count = first + count, number + 1, fh.tell(), 0
        if count:
            yield Partition(number, first, count, str(path), start, fh.tell())


def _parquet_partitions(path: Path, rows: int, first: int, number: int) -> Iterator[Partition]:
    import pyarrow.parquet as pq

    try:
        metadata = pq.ParquetFile(path).metadata
    except Exception as exc:  # pyarrow.ArrowInvalid and kin: not a Parquet file
        raise ClosurePolicyError(f"--input {path}: not a Parquet file ({exc})") from None
    for group in range(metadata.num_row_groups):
        size = metadata.row_group(group).num_rows
        for start in range(0, size, rows):  # a row group larger than a partition is cut too: memory stays bounded
            count = min(rows, size - start)
            yield Partition(number, first, count, str(path), start, start + count, group=group)
            first, number = first + count, number + 1


def _lines(path: str, start: int, end: int) -> Iterator[Any]:
    with open(path, "rb") as fh:
        fh.seek(start)
        for line in lines(fh, end):
            if line is None:
                yield overlong()
            elif line.strip():
                yield line


def _parquet_rows(path: str, group: int, start: int, end: int) -> Iterator[Any]:
    """Rows [start, end) of a row group, read a batch at a time (those before ``start`` are read and passed)."""
    import pyarrow.parquet as pq

    from .arrow import from_row

    at = 0
    batches = pq.ParquetFile(path).iter_batches(batch_size=1000, row_groups=[group])
    while True:
        try:
            batch = next(batches, None)
        except Exception as exc:  # pyarrow.ArrowInvalid and kin: the file is corrupt here
            raise ClosurePolicyError(f"--input {path}: row group {group} cannot be read ({exc})") from None
        if batch is None:
            return
        wanted = batch.slice(max(0, start - at), max(0, min(end, at + batch.num_rows) - max(start, at)))
        at += batch.num_rows
        yield from (from_row(row) for row in wanted.to_pylist())
        if at >= end:
            return


def write_corpus(documents: Iterable[Any], path: str, facts_schema: Mapping[str, Any]) -> None:
    """Documents as JSON Lines, or as Parquet typed from ``facts_schema`` (the policy's; by the file's suffix):
    a corpus ``batch`` reads back, one Parquet row group to a partition."""
    check_corpus_name(path)
    with writing(path):
        if Path(path).suffix.lower() in PARQUET:
            _write_parquet(documents, path, facts_schema)
        else:
            with open(path, "wb") as fh:
                for document in documents:
                    fh.write(dump(document) + b"\n")


def check_corpus_name(path: str) -> None:
    """A corpus file ``write_corpus`` can write: named .jsonl or .parquet, in a folder that takes it."""
    if Path(path).suffix.lower() not in PARQUET + JSON_LINES:
        raise ClosurePolicyError(f"--output {path}: name a .jsonl or .parquet file")
    output_file(path)


def _write_parquet(documents: Iterable[Any], path: str, facts_schema: Mapping[str, Any]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .arrow import facts_type, to_row

    kind = facts_type(facts_schema)
    arrow = pa.schema(list(kind))
    with pq.ParquetWriter(path, arrow) as writer:
        iterator = iter(documents)
        while chunk := list(itertools.islice(iterator, limits.BATCH_PARTITION_ROWS)):
            writer.write_table(pa.Table.from_pylist([to_row(d, kind) for d in chunk], schema=arrow))
