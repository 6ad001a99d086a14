"""Facts as the one durable_rules fact a decision asserts.

Root objects are flattened (``account.status`` becomes ``account__status``),
lists stay lists of encoded items, every list gets its length beside it
(``contracts__n``), and the calendar days the rules compare are computed here,
where time zones are known.
"""
from __future__ import annotations

from typing import Any

from ...compile.scope import Env, getter
from ...scalars import Instant
from .codegen import count_name, day_name, root_name, set_flag
from .encode import encode


def _item(value: Any) -> Any:
    if isinstance(value, dict):
        result = {}
        for key, v in value.items():
            if v is None:
                continue
            result[key] = _item(v)
            if isinstance(v, list):
                result[count_name(key)] = len(v)
        return result
    if isinstance(value, list):
        return [_item(v) for v in value]
    return encode(value)


def project(env: Env, days: set[tuple[str, str]], sentinels: dict[str, Any], sid: str) -> dict[str, Any]:
    fact: dict[str, Any] = {"sid": sid}
    for section, value in env.items():
        if section.startswith("$") or value is None:
            continue
        if isinstance(value, dict):
            for key, v in value.items():
                if v is not None:
                    name = root_name(f"{section}.{key}")
                    fact[name] = _item(v)
                    if isinstance(v, list):
                        fact[count_name(name)] = len(v)
        else:
            fact[section] = _item(value)
            if isinstance(value, list):
                fact[count_name(section)] = len(value)
    for ts_path, zone_path in days:
        ts, zone = getter(ts_path)(env), getter(zone_path)(env)
        if isinstance(ts, Instant):
            fact[day_name(ts_path, zone_path)] = ts.day_in(zone).toordinal()
    for name, sentinel in sentinels.items():  # see codegen: no rule may read a missing property
        fact[set_flag(name)] = int(name in fact)
        fact.setdefault(name, sentinel)
    return fact
