"""``closure-policy review``: what a change of the rules does, in one report.

``sources.py`` finds the two revisions (a folder, or a git ref of this
repository); ``verdicts.py`` proves, query by query, whether the new rules are
equivalent, more or less permissive, both, or otherwise changed, each way with
a witness the engine decides; ``text.py`` lists what changed rule by rule;
``evidence.py`` replays a corpus or a decision log under both; ``suites.py``
runs the tests under both; ``report.py`` holds it all and its gate; ``render.py``
writes it as text, JSON, Markdown or HTML.
"""
from __future__ import annotations

from .report import GATES, Review, build_review

__all__ = ["GATES", "Review", "build_review"]
