"""The decision log: every decision the service answers, recorded before it is acknowledged.

One typed record (``record.py``), the sinks that keep it (``sinks.py``: SQLite,
or JSON Lines on standard output) and the readers that give it back
(``read.py``: ``closure-policy log``, ``diff --from-log``), and the shipper that copies a log to the fleet's
PostgreSQL (``ship.py``, ``postgres.py``).
"""
from __future__ import annotations

from .read import read_json_lines, read_log, read_records
from .record import FIELDS, MASK, SOURCES, Masking, Record, decision_id, log_now, log_time, record_of
from .rows import Filters
from .ship import Shipper
from .sinks import DecisionLog, JsonLinesLog, LogFailed, LogFull, SqliteLog, open_log

__all__ = ["FIELDS", "MASK", "SOURCES", "DecisionLog", "Filters", "JsonLinesLog", "LogFailed", "LogFull", "Masking",
           "Record", "Shipper", "SqliteLog", "decision_id", "log_now", "log_time", "open_log", "read_json_lines",
           "read_log", "read_records", "record_of"]
