"""What the rule language's operators mean, in one place for every backend.

The compiler checks comparisons against these (which operators order, which
kinds of fact can be ordered), and the compiled generator orders with
``ORDERING`` too; the rete backend translates each operator into
durable_rules' and keeps its meaning (``evaluate/rete/codegen.py``). Amounts,
instants and calendar days are :mod:`closure_policy.scalars`.
"""
from __future__ import annotations

#: Operators that order their two sides; false when either side is missing.
ORDERING = frozenset({"<", "<=", ">", ">="})
#: Kinds of fact that can be ordered (facts.schema.json's types).
ORDERED_KINDS = frozenset({"money", "timestamp", "integer", "number"})
