"""``stream --workers N``: accounts split over N processes by a stable hash, output kept in input order.

Each line goes to the partition of its ``account_id`` (:func:`partition_of`:
CRC-32 of its UTF-8, modulo N: stable across runs, machines and Python
versions, unlike ``hash()``). A line no account can be read from goes to
partition 0, which refuses it as one process would. Every account's events
thus meet one worker, in input order, and each worker holds only its slice of
the state: with ``--state PATH``, partition 0 keeps it in ``PATH`` and
partition *i* in ``PATH.i`` (each file records how many partitions there are,
and a restart with another number is refused: the accounts would meet other
workers' states).

The parent reads, routes lines in batches, and writes each line's outputs in
input order as the workers answer. A commit is a barrier: every line read so
far is answered and written, the output flushed, then every worker commits
its states with that position, so a restart resumes each partition exactly
after the lines whose output was written. A partitioned log (Kafka topics
keyed by account) is the same shape across machines: see
``docs/backends-and-streaming.md``.
"""
from __future__ import annotations

import multiprocessing
import queue
import sys
import threading
import time
import zlib
from collections import deque
from dataclasses import asdict
from multiprocessing.connection import Connection
from typing import Any

import msgspec

from .. import limits
from ..errors import ClosurePolicyError, MachineFault
from ..policy import Policy, load_policy
from .durable import StateFileError, written_partitions
from .messages import LAST, Answers, Commit, Failed, FromPartition, Gone, Lines, Ready, Stop, Stopped, ToPartition
from .processor import StreamProcessor
from .run import Durability, Sink, Source, Taken, blank, take, wire


class _Envelope(msgspec.Struct):
    account_id: str


_ROUTE = msgspec.json.Decoder(_Envelope)


def partition_of(account: str, count: int) -> int:
    """The partition of an account: CRC-32 of its UTF-8 (lone surrogates kept), modulo ``count``."""
    return zlib.crc32(account.encode("utf-8", "surrogatepass")) % count


_LEAD = b'{"account_id": "'  # how most lines start (json.dumps, and our own writers)


def route(line: bytes | None, count: int) -> int:
    """The partition a line goes to: its ``account_id``'s, or 0 for a line no account can be read from."""
    if line is None or count == 1:
        return 0
    if line.startswith(_LEAD):  # the id's bytes as written are its UTF-8 when it holds no escape
        end = line.find(b'"', len(_LEAD))
        if end > 0 and b"\\" not in line[len(_LEAD):end]:
            return zlib.crc32(line[len(_LEAD):end]) % count
    try:
        return partition_of(_ROUTE.decode(line).account_id, count)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return 0


def run(policy: Policy, source: Source, sink: Sink, workers: int, durable: Durability | None = None,
        interpret: bool = False) -> int:
    """``workers`` processes, each deciding its partition's lines; the outputs written in input order."""
    written = written_partitions(durable.path) if durable is not None else None
    if durable is not None and written not in (None, workers):
        raise StateFileError(f"{durable.path}: written by {written} partition(s): give --workers {written}")
    pool = _Pool(policy, workers, durable, sink, interpret)
    try:
        return pool.run(source)
    finally:
        pool.close()


class _Pool:
    """The parent's side: the workers, the lines in flight, and their answers in input order.

    A thread per worker receives its answers, so the parent's sends never wait
    on a worker that is itself waiting to answer (each pipe holds only so much).
    """

    def __init__(self, policy: Policy, count: int, durable: Durability | None, sink: Sink, interpret: bool = False):
        self.count, self.durable, self.sink = count, durable, sink
        context = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
        # C's own queue: the loop asks it after every line, and a Queue's lock and Empty cost a line more than that
        self.inbox: queue.SimpleQueue[tuple[int, FromPartition]] = queue.SimpleQueue()
        self.pipes: list[Connection] = []
        self.procs: list[Any] = []
        for index in range(count):
            mine, theirs = context.Pipe()
            proc = context.Process(target=_work, daemon=True, name=f"closure-policy stream partition {index}",
                                   args=(str(policy.directory), policy.backend_name, interpret, index, count,
                                         None if durable is None else asdict(durable), theirs))
            proc.start()
            theirs.close()
            self.pipes.append(mine)
            self.procs.append(proc)
            threading.Thread(target=self._receive, args=(index,), daemon=True).start()
        for _ in range(count):
            index, ready = self._next()
            revision = ready.revision if isinstance(ready, Ready) else None
            if revision != policy.revision:
                raise ClosurePolicyError(f"partition {index} loaded other rules (revision {str(revision)[:19]}): "
                                         "the rule folder changed while the stream started")
        self.order: deque[int] = deque()  # the partition of each line read and not yet written
        self.answers: list[deque[Taken]] = [deque() for _ in range(count)]
        self.batches: list[list[tuple[int, bytes | None]]] = [[] for _ in range(count)]

    def _receive(self, index: int) -> None:
        while True:
            try:
                message: FromPartition = self.pipes[index].recv()
            except (EOFError, OSError):
                message = Gone()
            self.inbox.put((index, message))
            if isinstance(message, LAST):
                return

    def _next(self, block: bool = True) -> tuple[int, FromPartition]:
        """The next message of any partition; a partition's fatal error raised here, as one process would."""
        index, message = self.inbox.get(block)
        if isinstance(message, Failed):
            raise (MachineFault if message.fault else StateFileError)(message.report)
        if isinstance(message, Gone):
            raise MachineFault(f"stream partition {index} stopped (exit code {self.procs[index].exitcode})")
        return index, message

    def run(self, source: Source) -> int:
        """Every line from the start (each partition skips those it committed before), then the last commit."""
        since, clock, last = 0, time.monotonic(), 0
        self.source = source
        for number, line in source.lines(0):
            if blank(line):
                continue
            index = route(line, self.count)
            self.batches[index].append((number, line))
            self.order.append(index)
            last, since = number, since + 1
            if len(self.batches[index]) >= limits.STREAM_BATCH_LINES:
                self._send(index)
            if not self.inbox.empty() or len(self.order) > limits.STREAM_IN_FLIGHT_LINES:  # new answers, or too many
                self._write(block=len(self.order) > limits.STREAM_IN_FLIGHT_LINES)
            if self.durable is not None and (since >= self.durable.lines or
                                             time.monotonic() - clock >= self.durable.seconds):
                self._commit(last)
                since, clock = 0, time.monotonic()
        self._commit(last)
        for pipe in self.pipes:
            pipe.send(Stop())
        for _ in range(self.count):
            self._next()  # each partition's last commit, made
        return self.sink.status()

    def _send(self, index: int) -> None:
        if self.batches[index]:
            self.pipes[index].send(Lines(self.batches[index]))
            self.batches[index] = []

    def _write(self, block: bool = False) -> None:
        """Write every line answered, in input order; ``block``: wait until the next line is."""
        while True:
            try:
                while True:
                    self._answered(*self._next(block=False))
            except queue.Empty:
                pass
            written = False
            while self.order and self.answers[self.order[0]]:
                self.sink.write(self.answers[self.order.popleft()].popleft())
                written = True
            if not block or written or not self.order:
                return
            self._send(self.order[0])  # the line waited for may sit in a batch not yet full
            self._answered(*self._next())

    def _answered(self, index: int, message: FromPartition) -> None:
        if isinstance(message, Answers):
            self.answers[index].extend(Taken(*item) for item in message.taken)

    def _commit(self, position: int) -> None:
        """Every line read is answered and written, the output flushed; then each partition commits."""
        for index in range(self.count):
            self._send(index)
        while self.order:
            self._write(block=True)
        self.sink.flush()
        if self.durable is not None:
            for pipe in self.pipes:
                pipe.send(Commit(position))
            self.source.committed(position)

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.close()  # a worker still waiting for lines sees the end and stops
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()


def _work(rules: str, backend: str, interpret: bool, index: int, count: int, durable: dict[str, Any] | None,
          pipe: Connection) -> None:
    """One partition: its own policy, store and processor; lines in, what each gave out."""
    try:
        _serve(rules, backend, interpret, index, count, Durability(**durable) if durable is not None else None,
               pipe)
    except ClosurePolicyError as exc:
        pipe.send(Failed(exc.report(), fault=False))
    except MachineFault as exc:
        pipe.send(Failed(exc.report(), fault=True))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):  # the parent stopped or was interrupted; it reports
        pass
    finally:
        pipe.close()


def _serve(rules: str, backend: str, interpret: bool, index: int, count: int, durable: Durability | None,
           pipe: Connection) -> None:
    policy = load_policy(rules, backend=backend)
    processor, commits = wire(policy, durable, lambda: None,  # the parent flushed before it asks to commit
                              partition=(index, count), report=lambda text: print(text, file=sys.stderr),
                              interpret=interpret)
    pipe.send(Ready(policy.revision))
    while True:
        message: ToPartition = pipe.recv()
        if isinstance(message, Lines):
            pipe.send(Answers([_taken(processor, commits.resumed, number, line) for number, line in message.batch]))
        elif isinstance(message, Commit):
            commits.commit(message.position)
        else:
            commits.close()
            pipe.send(Stopped())
            return


def _taken(processor: StreamProcessor, resumed: int, number: int, line: bytes | None) -> tuple[Any, ...]:
    taken = Taken(number) if number <= resumed else take(processor, number, line)  # done before a restart
    return taken.line, taken.outputs, taken.refused, taken.fault
