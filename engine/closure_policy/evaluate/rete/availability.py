"""Whether durable_rules can run here, asked once; and what to do when it cannot."""
from __future__ import annotations

from typing import Any

INSTALL = "pip install 'closure-policy[rete]'"
# durable-rules 2.0.28 calls PyEval_CallObject, which Python 3.13 removed: it
# installs, then fails at import with "undefined symbol: PyEval_CallObject".
PY313_FIX = ("CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject pip install --no-cache-dir --force-reinstall "
             "durable-rules==2.0.28")


def unavailable() -> str | None:
    """None when durable_rules imports; otherwise why not, with the command that fixes it.

    Asked each time (an import already done is a dictionary look-up), so the answer is never stale.
    """
    try:
        import durable.engine  # noqa: F401
        import durable_rules_engine  # noqa: F401
    except ImportError as exc:
        if "PyEval_CallObject" in str(exc):
            return (f"the rete backend is unavailable: durable-rules was built without a symbol Python 3.13 "
                    f"removed ({exc}); reinstall it with: {PY313_FIX}")
        return f"the rete backend needs durable-rules: {INSTALL} ({exc})"
    return None


def engine() -> Any:
    """The durable_rules C engine, or :class:`BackendUnavailable`."""
    from ...errors import BackendUnavailable

    reason = unavailable()
    if reason is not None:
        raise BackendUnavailable(reason)
    import durable_rules_engine

    return durable_rules_engine
