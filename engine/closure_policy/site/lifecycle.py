"""The lifecycle of a policy's ``stream:`` as a diagram: Graphviz lays it out and draws it as SVG.

The graph is built with the ``graphviz`` package (every label escaped by it)
and rendered by Graphviz's ``dot`` (Debian's ``graphviz``) when the site is
built; the SVG is then part of the page, which needs nothing at run time.
"""
from __future__ import annotations

import re
from typing import Any

import graphviz

from ..errors import ClosurePolicyError


def diagram(lifecycle: dict[str, Any], labels: list[str]) -> str:
    """The lifecycle as inline SVG; ``labels``: each transition's short label, in declared order."""
    graph = graphviz.Digraph("lifecycle", graph_attr={"rankdir": "LR", "bgcolor": "transparent",
                                                      "fontname": "sans-serif"},
                             node_attr={"shape": "box", "style": "rounded", "fontname": "sans-serif"},
                             edge_attr={"fontname": "sans-serif", "fontsize": "10"})
    finals = set((lifecycle.get("final") or {}).get("states", []))
    graph.node("__start", label="", shape="point")
    for state in lifecycle["states"]:
        graph.node(state, label=state, peripheries="2" if state in finals else "1")
    graph.edge("__start", lifecycle["start"])
    for index, (transition, label) in enumerate(zip(lifecycle["transitions"], labels, strict=True), start=1):
        for source in transition["from"]:
            graph.edge(source, transition["to"], label=f"{index}. {label}")
    try:
        svg = graph.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise ClosurePolicyError("drawing the lifecycle needs Graphviz's dot: apt-get install graphviz") from None
    return re.sub(r"^.*?(?=<svg)", "", svg, flags=re.S)  # the XML prolog and doctype are not HTML
