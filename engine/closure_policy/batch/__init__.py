"""Decisions over a whole corpus, on Dask: ``batch`` decides every row, ``diff`` shows what a rules change changes.

The pipeline: :mod:`.corpus` cuts the input into partitions, :mod:`.cluster`
runs them on workers (:mod:`.work`, each loading the policy once from its
shipped rule files, :mod:`.bundle`), and the client writes the rows in input
order (:mod:`.output`) and merges the counts (:mod:`.summary`); :mod:`.report`
renders a diff.
"""
from __future__ import annotations

from .jobs import Cluster, run_batch, run_diff

__all__ = ["Cluster", "run_batch", "run_diff"]
