"""A self-contained HTML report read from the Cucumber JSON report: one page, no external assets.

Totals first, then each feature with its scenarios; a scenario opens to what the platform did (each campaign's and
journey's funnel as an SVG bar chart with its exclusions, and a timeline with one lane per phone: `charts`), then
its steps (status, duration, the error of a failed step). Its heading sums up each funnel in numbers. Scenarios that
did not pass are open from the start.
"""

from __future__ import annotations

import json
from collections import Counter
from html import escape
from pathlib import Path
from typing import Any

from harness.reports import charts
from harness.reports.cucumber import ATTACHMENTS_LOCATION, attachments, scenario_status

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #1d2330; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .4rem; }
.uri { color: #667; font: 13px monospace; } .tag { color: #5a4bb5; font-size: 13px; margin-right: .4rem; }
.totals span { display: inline-block; margin: 0 1rem .5rem 0; padding: .3rem .7rem; border-radius: .4rem; }
details { border: 1px solid #dde; border-radius: .4rem; margin: .3rem 0; }
summary { cursor: pointer; padding: .45rem .7rem; }
table { border-collapse: collapse; width: 100%; } td { padding: .2rem .7rem; vertical-align: top; }
td.kw { font-weight: 600; white-space: nowrap; } td.ms { text-align: right; color: #667; white-space: nowrap; }
pre { margin: .2rem 0; padding: .5rem; overflow-x: auto; white-space: pre-wrap; font-size: 12.5px; }
pre.error { background: #fff4f4; border-left: 3px solid #c62828; } pre.doc { background: #f5f5f8; }
table.data { width: auto; margin: .2rem 0; } table.data td { border: 1px solid #dde; font-size: 13px; }
.description { color: #445; white-space: pre-line; margin: .3rem 0; }
.status { font-size: 12px; font-weight: 700; text-transform: uppercase; padding: .1rem .45rem; border-radius: .3rem; }
.passed { background: #e3f4e5; color: #1b5e20; } .failed { background: #fde4e4; color: #b71c1c; }
.skipped { background: #f0f0f3; color: #555; } .undefined { background: #fff3d6; color: #8a5a00; }
"""


def write_html(cucumber_json_path: Path | str, html_path: Path | str) -> Path:
    """Write the HTML report of a Cucumber JSON report; return its path."""
    features: list[dict[str, Any]] = json.loads(Path(cucumber_json_path).read_text(encoding="utf-8"))
    target = Path(html_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(features), encoding="utf-8")
    return target


def render(features: list[dict[str, Any]]) -> str:
    """The HTML page of Cucumber JSON features."""
    scenarios = [element for feature in features for element in feature["elements"]]
    counts = Counter(scenario_status(element) for element in scenarios)
    seconds = sum(_duration(element) for element in scenarios) / 1e9
    totals = "".join(
        f'<span class="{status}">{counts[status]} {status}</span>'
        for status in ("passed", "failed", "undefined", "skipped")
        if counts[status] or status in ("passed", "failed")
    )
    body = "".join(_feature(feature) for feature in features) or "<p>No scenarios ran.</p>"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Mobile Journey Lab report</title><style>{_STYLE}{charts.STYLE}</style></head><body>"
        "<h1>Mobile Journey Lab report</h1>"
        f'<p class="totals">{_count(len(features), "feature")}, {_count(len(scenarios), "scenario")} in {seconds:.2f} s'
        f"<br>{totals}</p>"
        f"{body}</body></html>\n"
    )


def _feature(feature: dict[str, Any]) -> str:
    tags = "".join(f'<span class="tag">{escape(tag["name"])}</span>' for tag in feature["tags"])
    scenarios = "".join(_scenario(element) for element in feature["elements"])
    title = escape(f"{feature['keyword']}: {feature['name']}")
    description = (
        f'<p class="description">{escape(feature["description"].strip())}</p>' if feature["description"] else ""
    )
    return (
        f'<section><h2>{title}</h2><div class="uri">{escape(feature["uri"])}</div>{tags}{description}'
        f"{scenarios}</section>"
    )


def _scenario(element: dict[str, Any]) -> str:
    status = scenario_status(element)
    tags = "".join(f' <span class="tag">{escape(tag["name"])}</span>' for tag in element["tags"])
    rows = [_hook("Before", hook) for hook in element.get("before", [])]
    rows += [_step(step) for step in element["steps"]]
    rows += [
        _hook("After", hook)
        for hook in element.get("after", [])
        if hook["match"]["location"] != ATTACHMENTS_LOCATION or hook["result"]["status"] != "passed"
    ]
    platform = attachments(element).get(charts.PLATFORM_ATTACHMENT)
    summary = (
        f'<span class="status {status}">{status}</span> {escape(element["keyword"])}: '
        f"<strong>{escape(element['name'])}</strong>{tags} "
        f'<span class="uri">line {element["line"]}, {_duration(element) / 1e6:.1f} ms</span>'
        f"{charts.glance(platform) if platform else ''}"
    )
    opened = "" if status == "passed" else " open"
    section = charts.section(platform) if platform else ""
    return (
        f'<details class="scenario"{opened}><summary>{summary}</summary>{section}'
        f"<table>{''.join(rows)}</table></details>"
    )


def _step(step: dict[str, Any]) -> str:
    extra = ""
    if "rows" in step:
        cells = "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row["cells"]) + "</tr>" for row in step["rows"]
        )
        extra += f'<table class="data">{cells}</table>'
    if "doc_string" in step:
        extra += f'<pre class="doc">{escape(step["doc_string"]["value"])}</pre>'
    return _row(step["keyword"].strip(), step["name"], step["result"], extra)


def _hook(name: str, hook: dict[str, Any]) -> str:
    return _row(name, hook["match"]["location"], hook["result"])


def _row(keyword: str, text: str, result: dict[str, Any], extra: str = "") -> str:
    status = result["status"]
    error = result.get("error_message")
    error_html = f'<pre class="error">{escape(error)}</pre>' if error else ""
    return (
        f'<tr><td class="kw">{escape(keyword)}</td><td>{escape(text)}{extra}{error_html}</td>'
        f'<td><span class="status {status}">{status}</span></td>'
        f'<td class="ms">{result.get("duration", 0) / 1e6:.1f} ms</td></tr>'
    )


def _duration(element: dict[str, Any]) -> int:
    hooks = element.get("before", []) + element.get("after", [])
    return sum(int(part["result"].get("duration", 0)) for part in hooks + element["steps"])


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
