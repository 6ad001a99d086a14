"""A diff as a report: JSON (for tools), Markdown (for a pull request), HTML (with a chart, for people)."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ..errors import ClosurePolicyError
from ..jsondoc import dump_text
from ..paths import output_file, writing
from ..policy import Policy
from ..site.build import static_file
from .summary import DiffSummary

FORMATS = (".json", ".md", ".html")


def to_dict(query: str, diff: DiffSummary, base: Policy, new: Policy, seconds: float,
            folders: tuple[str, str] = ("", "")) -> dict[str, Any]:
    """The report's content; ``from``/``to`` null is a row that could not be decided."""
    order = sorted(diff.transitions, key=lambda k: (-diff.transitions[k], str(k)))
    return {
        "query": query,
        "rows": diff.rows, "changed": diff.changed, "seconds": round(seconds, 3),
        "base": {"name": base.name, "revision": base.revision, "rules": folders[0]},
        "new": {"name": new.name, "revision": new.revision, "rules": folders[1]},
        "transitions": [{"from": k[0], "to": k[1], "count": diff.transitions[k],
                         "accounts": [s["account_id"] for s in diff.samples.get(k, [])]} for k in order],
        "rules": [{"rule": rule, "newly_fires": diff.fires[rule], "stops_firing": diff.stops[rule]}
                  for rule in sorted(set(diff.fires) | set(diff.stops))],
        # the samples of transitions that change the outcome first: those are what a reader looks for
        "samples": [{"from": k[0], "to": k[1], "decisions": diff.samples.get(k, [])}
                    for k in sorted(order, key=lambda k: k[0] == k[1])],
    }


def check_name(path: str) -> str:
    """The report's format, from the file name's suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ClosurePolicyError(f"--output {path}: name a {', '.join(FORMATS)} file")
    output_file(path)
    return suffix


def write(report: dict[str, Any], path: str) -> None:
    suffix = check_name(path)
    text = {".json": lambda r: dump_text(r, indent=2) + "\n", ".md": markdown, ".html": html_page}[suffix](report)
    with writing(path):
        Path(path).write_text(text, encoding="utf-8")


def _name(outcome: str | None) -> str:
    return "(invalid)" if outcome is None else outcome


def markdown(report: dict[str, Any]) -> str:
    lines = [f"# What the rules change: {report['query']}", "",
             f"{report['rows']:,} documents; {report['changed']:,} decisions change.", "",
             f"- base: `{report['base']['revision']}` ({report['base']['rules']})",
             f"- new: `{report['new']['revision']}` ({report['new']['rules']})", "",
             "| from | to | documents | sample subjects |", "|---|---|---:|---|"]
    lines += [f"| {_name(t['from'])} | {_name(t['to'])} | {t['count']:,} | {', '.join(map(str, t['accounts']))} |"
              for t in report["transitions"]]
    lines += ["", "| rule | newly fires | stops firing |", "|---|---:|---:|"]
    lines += [f"| `{r['rule']}` | {r['newly_fires']:,} | {r['stops_firing']:,} |" for r in report["rules"]]
    return "\n".join(lines) + "\n"


def chart(report: dict[str, Any]) -> Any:
    """The transitions as a bar chart (Vega-Lite, through altair)."""
    import altair as alt

    rows = [{"transition": f"{_name(t['from'])} → {_name(t['to'])}", "documents": t["count"],
             "outcome": "changes" if t["from"] != t["to"] else "stays"} for t in report["transitions"]]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("documents:Q", title="documents"), y=alt.Y("transition:N", sort="-x", title=None))
    bars = base.mark_bar().encode(color=alt.Color("outcome:N", title="the outcome",
                                                  scale=alt.Scale(domain=["changes", "stays"])),
                                  tooltip=["transition:N", "documents:Q"])
    labels = base.mark_text(align="left", dx=4).encode(text=alt.Text("documents:Q", format=","))
    return (bars + labels).properties(title="Outcome transitions", width=560)


def chart_svg(report: dict[str, Any]) -> str:
    """The chart drawn as SVG by the Vega project's own converter (vl-convert): the page needs no script and
    no network to show it (an HTML export of the chart would load Vega from a CDN), and every bar carries an
    ``aria-label`` with its numbers."""
    import vl_convert

    svg: str = vl_convert.vegalite_to_svg(chart(report).to_dict())
    return svg


def html_page(report: dict[str, Any]) -> str:
    e = html.escape
    table = "".join(f"<tr><td>{e(_name(t['from']))}</td><td>{e(_name(t['to']))}</td><td>{t['count']:,}</td>"
                    f"<td>{e(', '.join(map(str, t['accounts'])))}</td></tr>" for t in report["transitions"])
    rules = "".join(f"<tr><td><code>{e(r['rule'])}</code></td><td>{r['newly_fires']:,}</td>"
                    f"<td>{r['stops_firing']:,}</td></tr>" for r in report["rules"])
    samples = "".join(f"<h3>{e(_name(s['from']))} → {e(_name(s['to']))}</h3>" + "".join(
        f"<details><summary>row {d['row']}: {e(str(d['account_id']))}</summary><table><tr><th>base</th><th>new</th>"
        f"</tr><tr><td><pre>{e(dump_text(d['base'], indent=2))}</pre></td><td><pre>{e(dump_text(d['new'], indent=2))}"
        f"</pre></td></tr></table></details>" for d in s["decisions"]) for s in report["samples"])
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8>"
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>diff {e(str(report['query']))}</title><style>{static_file('style.css')}</style></head><body>"
            f"<main><h1>What the rules change: {e(str(report['query']))}</h1>"
            f"<p>{report['rows']:,} documents; {report['changed']:,} decisions change. "
            f"Base <code>{e(report['base']['revision'])}</code>, new <code>{e(report['new']['revision'])}</code>.</p>"
            f"<figure>{chart_svg(report)}<figcaption>Drawn with <a href=https://vega.github.io/vega-lite/>"
            f"Vega-Lite</a> (altair, vl-convert); each bar is labelled with its number of documents."
            f"</figcaption></figure>"
            f"<h2>Transitions</h2><table><tr><th>from</th><th>to</th><th>documents</th><th>sample subjects</th></tr>"
            f"{table}</table><h2>Rules</h2><table><tr><th>rule</th><th>newly fires</th><th>stops firing</th></tr>"
            f"{rules}</table><h2>Samples</h2>{samples}</main></body></html>\n")
