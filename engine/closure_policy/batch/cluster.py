"""Dask: a cluster to run on, and partitions run on it in a bounded window, results in input order.

With no scheduler address a ``LocalCluster`` (one single-threaded worker
process per core) is started and stopped around the job: the embedded
default. With one, the job runs on that cluster. Either way at most
``BATCH_PARTITIONS_IN_FLIGHT`` partitions per worker are submitted or held,
so memory stays bounded whatever the input's size.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence, TextIO

from .. import limits
from ..errors import ClosurePolicyError
from .corpus import Partition


@contextlib.contextmanager
def dask_client(scheduler: str | None, workers: int | None, log: TextIO | None = sys.stderr) -> Iterator[Any]:
    """A ``dask.distributed.Client``: on the cluster at ``scheduler``, or on a LocalCluster started here."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ClosurePolicyError("batch and diff need Dask: pip install 'closure-policy[batch]'") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{limits.BATCH_CONNECT_SECONDS}s")
        except OSError as exc:
            raise ClosurePolicyError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        with client:
            _wait_for_workers(client, scheduler)
            _say(log, f"Dask cluster {scheduler}: {len(client.scheduler_info()['workers'])} workers"
                      + _dashboard(client))
            yield client
        return
    count = workers or os.cpu_count() or 1
    with LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                      host="127.0.0.1", silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        _say(log, f"Dask LocalCluster: {count} workers" + _dashboard(client))
        yield client


def _wait_for_workers(client: Any, scheduler: str) -> None:
    try:
        client.wait_for_workers(1, timeout=limits.BATCH_WORKER_WAIT_SECONDS)
    except TimeoutError:
        raise ClosurePolicyError(f"--scheduler {scheduler}: no worker joined within "
                                 f"{limits.BATCH_WORKER_WAIT_SECONDS:g} s") from None


def _dashboard(client: Any) -> str:
    return f"; dashboard {client.dashboard_link}"


def _say(log: TextIO | None, text: str) -> None:
    if log is not None:
        print(text, file=log, flush=True)


def run_ordered(client: Any, work: Callable[..., Any], args: Sequence[Any], parts: Iterable[Partition],
                progress: Any = None, count: int | None = None) -> Iterator[Any]:
    """``work(*args, part)`` for every partition (taken lazily), on the cluster; the results in partition
    order. ``count``: how many partitions there are, when known, for the progress bar."""
    from dask.distributed import as_completed

    workers = max(1, len(client.scheduler_info()["workers"]))
    window = workers * limits.BATCH_PARTITIONS_IN_FLIGHT
    shipped = [client.scatter(arg, broadcast=True) for arg in args]  # once, not once per partition
    queue = iter(parts)
    numbers: dict[str, tuple[int, int]] = {}
    held: dict[int, Any] = {}
    running = as_completed()
    following = 0

    def submit() -> None:
        while len(numbers) + len(held) < window and (part := next(queue, None)) is not None:
            future = client.submit(_refusing, work, *shipped, part, pure=False)
            numbers[future.key] = (part.number, part.rows)
            running.add(future)

    submit()
    for finished, future in enumerate(running, start=1):
        number, rows = numbers.pop(future.key)
        held[number] = result = future.result()  # a worker's exception (a bug) is raised here, as it was
        if isinstance(result, _Refusal):
            raise ClosurePolicyError(result.text)
        future.release()
        if progress is not None:
            progress.set_postfix_str(f"partitions {finished}/{count or '?'}", refresh=False)
            progress.update(rows)
        while following in held:
            yield held.pop(following)
            following += 1
        submit()


@dataclass(frozen=True)
class _Refusal:
    """A user's mistake a worker met (a corrupt input file): the client raises it, with no worker traceback."""

    text: str


def _refusing(work: Callable[..., Any], *args: Any) -> Any:
    """``work(*args)`` on a worker; a :class:`ClosurePolicyError` comes back as a value, not as a failed task
    (which Dask would log with its traceback before the client reports the one line)."""
    try:
        return work(*args)
    except ClosurePolicyError as exc:
        return _Refusal(str(exc))
