"""Running a stream over numbered lines: each line taken, its outputs written, its state committed.

The one loop behind ``closure-policy stream`` (and each of its partitions,
``partitions.py``): a line is *taken* (decided, or refused with a report, or
met with an internal fault and its trace) into a :class:`Taken`, and a
:class:`Sink` writes what was taken. With a durable store, :class:`Commits`
says when the states are committed with the input position: every so many
lines or seconds, the output flushed first.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import IO, Callable, Iterable, Protocol

from .. import limits
from ..errors import MachineFault
from ..jsondoc import dump_text
from ..policy import Policy
from .compiled import stream_processor
from .durable import DurableStore, partition_path
from .processor import StreamError, StreamProcessor

Lines = Iterable[tuple[int, "bytes | None"]]  #: (position, line); None for a line over the length limit


class Source(Protocol):
    """Where a stream's lines come from, each with its position: what a consumer of a log implements.

    Here, a file or standard input (the position is the line number:
    :class:`Numbered`); for a partitioned log, one partition of a Kafka topic
    keyed by account (the position is the offset). Positions increase. The
    stream keeps the last committed position with the states, so a source
    needs only to read again from a position; ``committed`` lets it tell the
    log too (a consumer group's offset), after the states are kept.
    """

    def lines(self, after: int) -> Lines:
        """The lines after position ``after`` (0: from the start), in order, each with its position."""
        ...

    def committed(self, position: int) -> None:
        """Every line up to ``position`` is decided, its output written and its state kept."""
        ...


class Numbered:
    """A file or standard input as a :class:`Source`: the position is the line number, from 1."""

    def __init__(self, lines: Iterable[bytes | None]):
        self._lines = lines

    def lines(self, after: int) -> Lines:
        return ((number, line) for number, line in enumerate(self._lines, start=1) if number > after)

    def committed(self, position: int) -> None:
        """Nothing to tell: the file is read again from its start, and the position is in the state file."""


@dataclass(frozen=True)
class Durability:
    """Where and how often a stream keeps its state (``--state``, ``--commit-lines``, ``--commit-ms``...)."""

    path: str
    lines: int = 1000  #: commit at least every so many lines
    seconds: float = 0.2  #: and at least every so many seconds
    cache: int = limits.STATE_CACHE_ACCOUNTS  #: accounts held in memory
    migrate: bool = False  #: a state file of another policy revision is re-read, not refused


@dataclass
class Taken:
    """What one line gave: its outputs as JSON Lines, or why it was refused, or an internal fault's trace."""

    line: int
    outputs: list[str] = field(default_factory=list)
    refused: str | None = None
    fault: str | None = None


def take(processor: StreamProcessor, number: int, line: bytes | None) -> Taken:
    try:
        if line is None:
            raise StreamError(f"line {number}: longer than {limits.MAX_DOCUMENT_BYTES:,} bytes")
        outputs = processor.feed(line, number)
    except StreamError as exc:  # reported and skipped; the stream goes on
        return Taken(number, refused=exc.report())
    except MachineFault:  # the state file cannot be written: the stream stops, its last commit intact
        raise
    except Exception:  # a bug of ours: reported with its trace, and the stream goes on
        return Taken(number, fault=f"line {number}: internal error; please report it with this trace:\n"
                                   f"{traceback.format_exc()}")
    return Taken(number, [dump_text(output.to_dict()) + "\n" for output in outputs])


def blank(line: bytes | None) -> bool:
    return line is not None and not line.strip()


class Sink:
    """Where taken lines go: outputs to ``out``, reports to ``err``; the exit status counts them."""

    def __init__(self, out: IO[str], err: IO[str]):
        self.out, self.err = out, err
        self.refused = self.faults = 0

    def write(self, taken: Taken) -> None:
        for text in taken.outputs:
            self.out.write(text)
        if taken.refused is not None:
            self.refused += 1
            print(taken.refused, file=self.err)
        if taken.fault is not None:
            self.faults += 1
            self.err.write(taken.fault)

    def flush(self) -> None:
        self.out.flush()

    def status(self) -> int:
        """0 when every line was taken, 2 when any was refused, 1 when any met an internal fault."""
        if self.refused or self.faults:
            print(f"{self.refused + self.faults} line(s) skipped", file=self.err)
        return 1 if self.faults else 2 if self.refused else 0


def open_store(policy: Policy, durable: Durability | None, partition: tuple[int, int] = (0, 1),
               report: Callable[[str], None] | None = None) -> DurableStore | None:
    """The durable store of a partition (index, count), migrated to ``policy`` when asked; None for memory."""
    if durable is None:
        return None
    store = DurableStore(partition_path(durable.path, partition[0]), policy.facts_schema.document,
                         policy.revision, durable.cache, migrate=durable.migrate, partition=partition)
    if report is not None and store.position:
        report(f"{store.path}: resuming after line {store.position:,} (the last commit)")
    old = store.stale
    if old is not None:
        processor = StreamProcessor(policy, store=store)
        accounts, changed = store.migrate(processor.restate, policy.revision)
        if report is not None:
            report(f"{store.path}: migrated {accounts:,} subject(s) from policy revision {old[:19]} to "
                   f"{policy.revision[:19]}; {changed:,} changed state")
    return store


class Commits:
    """When a durable stream commits: every so many lines or seconds, its output flushed first."""

    def __init__(self, store: DurableStore | None, durable: Durability | None, flush: Callable[[], None],
                 source: Source | None = None):
        self.store, self.durable, self.flush, self.source = store, durable, flush, source
        self.resumed = store.position if store is not None else 0  #: the lines an earlier run took
        self._last, self._since, self._count = self.resumed, time.monotonic(), 0

    def taken(self, position: int) -> None:
        self._last = position
        self._count += 1

    def due(self) -> None:
        """Commit what the lines taken so far changed, when a group is full or old enough."""
        if self.store is None or self.durable is None:
            return
        if self._count >= self.durable.lines or time.monotonic() - self._since >= self.durable.seconds:
            self.commit(self._last)

    def close(self) -> None:
        if self.store is not None:
            self.commit(self._last)
            self.store.close()

    def commit(self, position: int) -> None:
        if self.store is None:
            return
        self.flush()  # what the committed lines wrote is out before their states are kept
        self.store.commit(max(position, self.store.position))
        self._since, self._count = time.monotonic(), 0
        if self.source is not None:
            self.source.committed(self.store.position)


def wire(policy: Policy, durable: Durability | None, flush: Callable[[], None], *,
         partition: tuple[int, int] = (0, 1), report: Callable[[str], None] | None = None,
         source: Source | None = None, interpret: bool = False) -> tuple[StreamProcessor, Commits]:
    """One partition's parts, wired as both loops (one process, ``--workers``) use them: its store (migrated
    when asked), the processor over it (``interpret``: the interpreter, not the generated handlers), and the
    commits that keep it."""
    store = open_store(policy, durable, partition, report)
    return stream_processor(policy, store=store, interpret=interpret), Commits(store, durable, flush, source)


def run(policy: Policy, source: Source, sink: Sink, durable: Durability | None = None,
        interpret: bool = False) -> int:
    """One process: every line after the last commit taken in order; the exit status."""
    processor, commits = wire(policy, durable, sink.flush, report=lambda text: print(text, file=sink.err),
                              source=source, interpret=interpret)
    for number, line in source.lines(commits.resumed):
        if blank(line):
            continue
        commits.due()
        commits.taken(number)  # a refused line is done with too: a restart does not report it again
        sink.write(take(processor, number, line))
    commits.close()
    return sink.status()


__all__ = ["Commits", "Durability", "Numbered", "Sink", "Source", "Taken", "run", "take", "wire"]
