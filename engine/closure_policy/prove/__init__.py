"""Properties of a policy proven for every facts document up to a bound, with z3 (``closure-policy prove``)."""
from __future__ import annotations
