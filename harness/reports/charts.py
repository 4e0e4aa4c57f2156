"""The platform section of a scenario in the HTML report: inline SVG, no script, no external asset.

- Performance: one card per campaign and per journey that targeted anyone — a horizontal bar chart of its figures
  (targeted, excluded, then the funnel sent → delivered → opened → clicked with each stage's share of sent, then
  what was lost: bounces, errors, pending), whether its figures reconcile (and which identity fails when they do
  not), and its tables of reasons (exclusions by reason and code, bounces and errors by the provider's reason). A
  journey's card adds its entries and exits and a table of its steps.
- Timeline: one lane per phone; one column per instant of virtual time at which something happened; in each cell
  what reached the phone (blue), what it received without showing (grey), what its person did (green) and what the
  platform recorded without reaching it (amber: excluded, bounced, failed). Every chip has the full text as a
  tooltip, and the same items follow as a table.

Elements carry `data-` attributes (`data-figure`, `data-value`, `data-lane`, `data-kind`) so tests can read them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

#: The name of the scenario attachment this section draws (`harness.reports.platform` takes it).
PLATFORM_ATTACHMENT = "mjlab-platform"

STYLE = """
.platform { padding: 0 .8rem .4rem; }
.platform h3 { font-size: 1rem; margin: .9rem 0 .4rem; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; }
.card { border: 1px solid #dde; border-radius: .5rem; padding: .6rem .8rem; flex: 1 1 34rem; max-width: 46rem; }
.card header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem; margin-bottom: .3rem; }
.card .kind { font-size: 11px; font-weight: 700; text-transform: uppercase; color: #5a4bb5; }
.card .name { font-weight: 700; } .card .meta { color: #667; font-size: 13px; }
.ok { color: #1b5e20; font-size: 13px; font-weight: 600; } .ko { color: #b71c1c; font-size: 13px; font-weight: 600; }
.reasons { display: flex; flex-wrap: wrap; gap: 1rem; font-size: 13px; }
.reasons table, table.steps { width: auto; border-collapse: collapse; margin-top: .3rem; font-size: 13px; }
.reasons th, .reasons td, table.steps th, table.steps td { border-bottom: 1px solid #eef; padding: .15rem .5rem;
  text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.entries { font-size: 13px; color: #334; margin: .2rem 0; }
.lanes { overflow-x: auto; border: 1px solid #dde; border-radius: .5rem; }
.legend { font-size: 12px; color: #445; margin: .2rem 0 .4rem; }
.legend span { display: inline-block; width: .8rem; height: .8rem; border-radius: .2rem; margin: 0 .25rem 0 .8rem;
  vertical-align: -1px; }
.glance { color: #445; font-size: 12.5px; margin-left: .5rem; }
.snapshot-error { color: #8a5a00; font-size: 13px; }
"""

#: Bar colours by figure.
COLOURS = {
    "targeted": "#8a94a8", "excluded": "#e0a030", "sent": "#2f5bd3", "delivered": "#3a78e0", "displayed": "#4a90d9",
    "opened": "#2aa198", "clicked": "#2e9d4f", "dismissed": "#9aa3b5", "bounces": "#d84343", "errors": "#b71c1c",
    "pending": "#b0b6c3",
}  # fmt: skip
LABELS = {
    "targeted": "Targeted", "excluded": "Excluded", "sent": "Sent", "delivered": "Delivered", "displayed": "Displayed",
    "opened": "Opened", "clicked": "Clicked", "dismissed": "Dismissed", "bounces": "Bounced", "errors": "Errors",
    "pending": "Pending",
}  # fmt: skip
#: Always drawn; the others only when not zero.
MAIN_ROWS = ("targeted", "excluded", "sent", "delivered", "opened", "clicked")
EXTRA_ROWS = ("displayed", "dismissed", "bounces", "errors", "pending")
#: Chip colours on the timeline by kind: (fill, stroke, text).
KINDS = {
    "received": ("#e4ecff", "#2f5bd3", "#16306f"),
    "hidden": ("#f1f2f5", "#9aa3b5", "#4a5163"),
    "action": ("#e3f4e5", "#2e9d4f", "#1b5e20"),
    "platform": ("#fff1d6", "#e0a030", "#6b4500"),
}
#: The short word above a chip's text.
KIND_TAGS = {"received": "received", "hidden": "not shown", "action": "did", "platform": "not sent"}
KIND_NAMES = {
    "received": "received",
    "hidden": "received, not shown",
    "action": "the person did",
    "platform": "excluded, bounced or failed (platform)",
}


def section(data: dict[str, Any]) -> str:
    """The platform section of a scenario from its snapshot (`harness.reports.platform`)."""
    if "error" in data:
        return f'<p class="snapshot-error">The platform snapshot could not be taken: {escape(str(data["error"]))}</p>'
    report = data.get("report") or {}
    cards = [card(c) for c in report.get("campaigns", []) if c["figures"]["targeted"]]
    cards += [card(j) for j in report.get("journeys", []) if j["figures"]["targeted"] or j["entries"]["entered"]]
    cards += [card(o) for o in report.get("other", []) if o["figures"]["targeted"]]
    parts = []
    if cards:
        parts.append(f'<h3>Performance</h3><div class="cards">{"".join(cards)}</div>')
    lanes = [lane for lane in data.get("lanes", []) if lane["items"]]
    if lanes:
        parts.append(f"<h3>Timeline</h3>{timeline(lanes)}")
    return f'<div class="platform">{"".join(parts)}</div>' if parts else ""


def glance(data: dict[str, Any]) -> str:
    """A one-line summary for the scenario's heading: each campaign's and journey's funnel, in numbers."""
    report = data.get("report") or {}
    found = [
        f"{entry['name']}: " + " → ".join(f"{s['count']} {s['stage']}" for s in entry["funnel"])
        for entry in report.get("campaigns", []) + report.get("journeys", [])
        if entry["figures"]["targeted"]
    ]
    if not found:
        return ""
    more = f" (+{len(found) - 2})" if len(found) > 2 else ""
    return f'<span class="glance">{escape(" · ".join(found[:2]))}{more}</span>'


# -- performance ------------------------------------------------------------------------------------------------------


def card(entry: dict[str, Any]) -> str:
    """A campaign's or journey's card: chart, reconciliation, reasons (and a journey's entries and steps)."""
    kind = entry.get("kind", "source")
    meta = " · ".join(str(entry[k]) for k in ("channel", "category", "status") if entry.get(k))
    header = (
        f'<header><span class="kind">{escape(kind)}</span><span class="name">{escape(str(entry["name"]))}</span>'
        f'<span class="meta">{escape(meta)}</span>{_reconciles(entry)}</header>'
    )
    body = [funnel_chart(entry)]
    if kind == "journey":
        body.insert(0, _entries(entry))
        body.append(_steps(entry))
    body.append(_reasons(entry))
    return (
        f'<div class="card" data-kind="{escape(kind)}" data-name="{escape(str(entry["name"]), quote=True)}">'
        f"{header}{''.join(body)}</div>"
    )


def _reconciles(entry: dict[str, Any]) -> str:
    if entry["reconciles"]:
        return '<span class="ok" data-reconciles="true">✓ reconciles</span>'
    failing = "; ".join(f"{c['rule']}: {c['left']} ≠ {c['right']}" for c in entry["checks"] if not c["holds"])
    return f'<span class="ko" data-reconciles="false">✗ does not reconcile ({escape(failing)})</span>'


def funnel_chart(entry: dict[str, Any]) -> str:
    """A horizontal bar per figure, scaled to the largest; funnel stages show their share of sent."""
    figures: dict[str, int] = entry["figures"]
    rows = [name for name in MAIN_ROWS] + [name for name in EXTRA_ROWS if figures.get(name)]
    label_w, bar_w, row_h, value_w = 86, 330, 24, 150
    width, height = label_w + bar_w + value_w, row_h * len(rows) + 6
    scale = max([figures.get(name, 0) for name in rows] + [1])
    sent = figures.get("sent", 0)
    bars = []
    for index, name in enumerate(rows):
        value = int(figures.get(name, 0))
        y = 3 + index * row_h
        length = 0.0 if not value else max(2.0, bar_w * value / scale)
        share = ""
        if name in ("delivered", "opened", "clicked", "bounces", "errors", "pending", "displayed") and sent:
            share = f" · {round(100 * value / sent)}% of sent"
        elif name == "excluded" and figures.get("targeted"):
            share = f" · {round(100 * value / figures['targeted'])}% of targeted"
        tip = f"{LABELS[name]}: {value}{share}"
        bars.append(
            f'<g class="bar" data-figure="{name}" data-value="{value}"><title>{escape(tip)}</title>'
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="12" fill="#334">{LABELS[name]}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row_h - 8}" rx="3" fill="#f1f3f7"/>'
            f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="{row_h - 8}" rx="3" fill="{COLOURS[name]}"/>'
            f'<text x="{label_w + bar_w + 8}" y="{y + 16}" font-size="12" fill="#1d2330">'
            f'<tspan font-weight="700">{value}</tspan>{escape(share)}</text></g>'
        )
    title = f"Figures of {entry['name']}: " + ", ".join(f"{LABELS[n].lower()} {figures.get(n, 0)}" for n in rows)
    return (
        f'<svg class="funnel" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(bars)}</svg>'
    )


def _entries(entry: dict[str, Any]) -> str:
    entries = entry["entries"]
    text = " · ".join(f"{entries[k]} {k}" for k in ("entered", "active", "ended", "exited"))
    reasons = entry.get("exitReasons") or {}
    if reasons:
        text += " — exits: " + ", ".join(f"{why} ({n})" for why, n in sorted(reasons.items()))
    return f'<div class="entries">{escape(text)}</div>'


def _steps(entry: dict[str, Any]) -> str:
    rows = []
    for step in entry["steps"]:
        figures = (step.get("message") or {}).get("figures") or {}
        numbers = "".join(
            f'<td class="n">{figures.get(k, "")}</td>' for k in ("sent", "delivered", "opened", "clicked")
        )
        excluded = figures.get("excluded", "")
        branches = ", ".join(f"{name} {n}" for name, n in (step.get("branches") or {}).items())
        rows.append(
            f"<tr><td>{escape(step['step'])}</td><td>{escape(step.get('channel') or step['type'])}</td>"
            f'<td class="n">{step["entered"]}</td>{numbers}<td class="n">{excluded}</td>'
            f"<td>{escape(branches)}</td></tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("step", "type", "entered", "sent", "delivered", "opened", "clicked", "excluded", "branches")
    )
    return f'<table class="steps"><tr>{head}</tr>{"".join(rows)}</table>'


def _reasons(entry: dict[str, Any]) -> str:
    tables = []
    exclusions = entry.get("exclusions") or []
    if exclusions:
        rows = "".join(
            f'<tr><td>{escape(e["reason"])}</td><td>{escape(e["code"])}</td><td class="n">{e["count"]}</td></tr>'
            for e in exclusions
        )
        tables.append(
            f'<table class="exclusions"><tr><th>excluded because</th><th>code</th><th>count</th></tr>{rows}</table>'
        )
    for key, title in (("bounces", "bounced because"), ("errors", "failed because"), ("suppressions", "suppressed")):
        found = entry.get(key) or []
        if found:
            rows = "".join(
                f"<tr><td>{escape(str(e['reason']))}</td><td>{escape(str(e.get('code', '')))}</td>"
                f'<td class="n">{e["count"]}</td></tr>'
                for e in found
            )
            tables.append(f'<table class="{key}"><tr><th>{title}</th><th>code</th><th>count</th></tr>{rows}</table>')
    return f'<div class="reasons">{"".join(tables)}</div>' if tables else ""


# -- timeline ---------------------------------------------------------------------------------------------------------


def _when(at: float) -> tuple[str, str]:
    moment = datetime.fromtimestamp(at, UTC)
    return moment.strftime("%a %d %b"), moment.strftime("%H:%M:%S")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def timeline(lanes: list[dict[str, Any]]) -> str:
    """One lane per phone, one column per instant; then the same items as a table."""
    instants = sorted({item["at"] for lane in lanes for item in lane["items"]})
    column = {at: index for index, at in enumerate(instants)}
    label_w, col_w, chip_h, head_h, pad = 168, 214, 34, 38, 8
    heights = []
    for lane in lanes:
        stacked: dict[float, int] = {}
        for item in lane["items"]:
            stacked[item["at"]] = stacked.get(item["at"], 0) + 1
        heights.append(max(stacked.values()) * (chip_h + 4) + 2 * pad)
    width = label_w + col_w * len(instants) + pad
    height = head_h + sum(heights) + 2
    parts = []
    previous_day = ""
    for index, at in enumerate(instants):
        x = label_w + index * col_w
        day, clock = _when(at)
        shown_day = day if day != previous_day else ""
        previous_day = day
        parts.append(
            f'<g class="instant" data-at="{at}"><line x1="{x}" y1="{head_h - 4}" x2="{x}" y2="{height}" '
            f'stroke="#e3e6ee"/><text x="{x + 6}" y="14" font-size="11" fill="#667">{escape(shown_day)}</text>'
            f'<text x="{x + 6}" y="28" font-size="12" font-weight="600" fill="#334">{clock}</text></g>'
        )
    y = head_h
    for lane, lane_h in zip(lanes, heights, strict=True):
        parts.append(_lane(lane, y, lane_h, width, label_w, col_w, chip_h, pad, column))
        y += lane_h
    legend = "".join(
        f'<span style="background:{fill};border:1px solid {stroke}"></span>{escape(KIND_NAMES[kind])}'
        for kind, (fill, stroke, _) in KINDS.items()
    )
    svg = (
        f'<svg class="timeline" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>Timeline: one lane per phone, in virtual time</title>'
        f"{''.join(parts)}</svg>"
    )
    return f'<div class="legend">{legend}</div><div class="lanes">{svg}</div>{_timeline_table(lanes)}'


def _lane(
    lane: dict[str, Any],
    y: int,
    lane_h: int,
    width: int,
    label_w: int,
    col_w: int,
    chip_h: int,
    pad: int,
    column: dict[float, int],
) -> str:
    name = str(lane["name"])
    os = {"ios": "iOS", "android": "Android"}.get(str(lane.get("os")), "")
    chips = []
    stacked: dict[float, int] = {}
    for item in lane["items"]:
        level = stacked.get(item["at"], 0)
        stacked[item["at"]] = level + 1
        fill, stroke, ink = KINDS.get(item["kind"], KINDS["platform"])
        x = label_w + column[item["at"]] * col_w + 5
        top = y + pad + level * (chip_h + 4)
        channel = item.get("channel") or ""
        what = item.get("outcome") or KIND_TAGS.get(item["kind"], item["kind"])
        tag = " · ".join(part for part in (channel, what) if part).upper()
        text = str(item["text"])
        day, clock = _when(item["at"])
        tip = f"{day} {clock} — {what} — {channel}: {text}"
        dash = ' stroke-dasharray="4 3"' if item["kind"] == "hidden" else ""
        chips.append(
            f'<g class="item" data-kind="{escape(item["kind"])}"><title>{escape(tip)}</title>'
            f'<rect x="{x}" y="{top}" width="{col_w - 10}" height="{chip_h}" rx="5" fill="{fill}" stroke="{stroke}"'
            f'{dash}/><text x="{x + 7}" y="{top + 12}" font-size="8.5" font-weight="700" letter-spacing=".04em" '
            f'fill="{stroke}">{escape(tag)}</text><text x="{x + 7}" y="{top + 27}" font-size="11.5" fill="{ink}">'
            f"{escape(_clip(text, 27))}</text></g>"
        )
    return (
        f'<g class="lane" data-lane="{escape(name, quote=True)}">'
        f'<rect x="0" y="{y}" width="{width}" height="{lane_h}" fill="#fafbfd" stroke="#e3e6ee"/>'
        f'<text x="10" y="{y + 22}" font-size="13" font-weight="700" fill="#1d2330">{escape(_clip(name, 22))}</text>'
        f'<text x="10" y="{y + 38}" font-size="11" fill="#667">{escape(os)}</text>{"".join(chips)}</g>'
    )


def _timeline_table(lanes: list[dict[str, Any]]) -> str:
    rows = sorted(
        ((item["at"], lane["name"], item) for lane in lanes for item in lane["items"]), key=lambda row: row[0]
    )
    body = "".join(
        f"<tr><td>{' '.join(_when(at))}</td><td>{escape(str(lane))}</td>"
        f"<td>{escape(item.get('outcome') or KIND_NAMES.get(item['kind'], item['kind']))}</td>"
        f"<td>{escape(item.get('channel') or '')}</td>"
        f"<td>{escape(str(item['text']))}</td></tr>"
        for at, lane, item in rows
    )
    head = "<tr><th>virtual time</th><th>phone</th><th>what</th><th>channel</th><th></th></tr>"
    return f'<details class="timeline-list"><summary>Timeline as a list</summary><table>{head}{body}</table></details>'
