"""One self-contained HTML file that shows an analyst, a lawyer or a regulator what was found.

The file must stand on its own as evidence: no script, no network fetch (a Content Security
Policy forbids both), every account id and other data-derived text escaped, charts as static
SVG and numbers in HTML tables so it reads and prints the same in any viewer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from distillguard import __version__
from distillguard.evaluate.inputs import ACTIONS, conform_verdicts
from distillguard.evaluate.metrics import Evaluation
from distillguard.evaluate.tables import evaluation_text_tables
from distillguard.evidence.svg_charts import (
    AreaSeries,
    TimeMark,
    bar_svg,
    log_histogram_svg,
    stacked_area_svg,
)

_HOURLY_FIELDS: list[pa.Field[Any]] = [
    pa.field("hour", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("campaign_id", pa.string()),
    pa.field("events", pa.int64(), nullable=False),
]
# Events per hour per campaign; an empty or null campaign_id means "not in any campaign".
HOURLY_SCHEMA = pa.schema(_HOURLY_FIELDS)

_PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7")
_OTHER_COLOR = "#bab0ac"
_ACTION_COLORS = {
    "allow": "#59a14f",
    "monitor": "#76b7b2",
    "throttle": "#edc948",
    "verify": "#f28e2b",
    "block": "#e15759",
}
_ACTION_MEANING = {
    "allow": "served normally",
    "monitor": "served, and watched more closely",
    "throttle": "served at a reduced rate",
    "verify": "asked to verify identity or use before further service",
    "block": "refused service",
}
_MAX_TIME_BUCKETS = 500
_HISTOGRAM_BINS = 20
_MAX_MEMBERS_SHOWN = 8
_MAX_ITEMS_SHOWN = 8
_MAX_TEXT = 200
_MISSING = "—"


@dataclass(frozen=True)
class ReportCampaign:
    """One detected campaign as the report shows it."""

    campaign_id: str
    members: list[str]
    first_seen: datetime | None
    last_seen: datetime | None
    est_exchanges: float  # estimated exchanges harvested by the campaign
    risk: float
    evidence: dict[str, Any]  # named findings, e.g. shared templates, ASNs, intents


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows; the caller gathers it from a scan."""

    generated_at: datetime
    source_files: list[str]
    stats: dict[str, int]  # input counts, e.g. events read, quarantined, duplicates dropped
    verdicts: pa.Table  # verdicts.csv columns (see distillguard.evaluate.inputs.VERDICT_SCHEMA)
    campaigns: list[ReportCampaign]
    hourly: pa.Table  # HOURLY_SCHEMA
    releases: list[tuple[str, datetime]]  # model name, release time
    threshold: float  # risk at which accounts are flagged
    reason_glossary: dict[str, str]  # reason code -> plain-language explanation
    evaluation: Evaluation | None = None  # only for simulated data with labels
    # SharedKeys.summary rows (campaigns.shared_keys): shared keys and when they became hot.
    shared_keys: pl.DataFrame | None = None
    top_accounts: int = 100
    top_campaigns: int = 200
    title: str = "Adversarial distillation report"
    notes: list[str] = field(default_factory=list)


class _Html(str):
    """Text that is already HTML; every other string is escaped when written."""


def write_report(path: Path, data: ReportData) -> None:
    """Render ``data`` to one HTML file at ``path``."""
    path.write_text(_render(data), encoding="utf-8")


def _render(data: ReportData) -> str:
    _check(data)
    verdicts = _frame(conform_verdicts(data.verdicts, "report verdicts"))
    first_flags = _first_flags(verdicts)
    sections = [
        _summary(data, verdicts),
        _campaign_section(data, first_flags),
        _shared_key_section(data),
        _timeline_section(data, first_flags),
        _score_section(data, verdicts),
        _action_section(verdicts),
        _account_section(data, verdicts),
        _glossary_section(data, verdicts),
    ]
    if data.evaluation is not None:
        sections.append(_evaluation_section(data.evaluation))
    sections.append(_reading_section(data))
    return _page(data, sections)


def _check(data: ReportData) -> None:
    if not 0.0 <= data.threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {data.threshold}")
    if data.top_accounts < 1 or data.top_campaigns < 1:
        raise ValueError("top_accounts and top_campaigns must be at least 1")
    times: list[tuple[str, datetime | None]] = [("generated_at", data.generated_at)]
    times += [(f"release {name!r}", at) for name, at in data.releases]
    for c in data.campaigns:
        times += [(f"campaign {c.campaign_id!r} first_seen", c.first_seen)]
        times += [(f"campaign {c.campaign_id!r} last_seen", c.last_seen)]
    for what, at in times:
        if at is not None and at.utcoffset() is None:
            raise ValueError(f"{what} must be time-zone aware, got {at.isoformat()}")


def _page(data: ReportData, sections: list[str]) -> str:
    sources = "".join(f"<li><code>{escape(s)}</code></li>" for s in data.source_files)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\';'
        " style-src 'unsafe-inline'; img-src data:\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(data.title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{escape(data.title)}</h1>"
        f"<p>Generated {escape(_when(data.generated_at))} by distillguard {escape(__version__)}."
        f" Flag threshold: risk ≥ {data.threshold:g}. All times are UTC.</p>"
        f"<p>Source files:</p><ul>{sources or '<li>none listed</li>'}</ul></header>"
        + "".join(sections)
        + "</body></html>\n"
    )


def _summary(data: ReportData, verdicts: pl.DataFrame) -> str:
    flagged = int(verdicts["flagged"].sum())
    blocked = int((verdicts["action"] == "block").sum())
    harvested = sum(c.est_exchanges for c in data.campaigns)
    share = f" ({flagged / verdicts.height:.1%})" if verdicts.height else ""
    cards = [
        ("accounts analysed", f"{verdicts.height:,}"),
        ("accounts flagged", f"{flagged:,}{share}"),
        ("campaigns detected", f"{len(data.campaigns):,}"),
        ("estimated exchanges harvested by campaigns", f"{harvested:,.0f}"),
        ("accounts blocked", f"{blocked:,}"),
    ]
    card_html = "".join(
        f'<div class="card"><div class="big">{escape(value)}</div>{escape(label)}</div>'
        for label, value in cards
    )
    stats = _table(
        ("input measure", "count"),
        [(key.replace("_", " "), f"{value:,}") for key, value in data.stats.items()],
        numeric=(1,),
    )
    notes = "".join(f"<li>{escape(note)}</li>" for note in data.notes)
    return (
        f'<section id="summary"><h2>Summary</h2><div class="cards">{card_html}</div>'
        + (f"<ul class='notes'>{notes}</ul>" if notes else "")
        + "<h3>Input and data quality</h3>"
        + (stats if data.stats else "<p>No input counts were supplied.</p>")
        + "</section>"
    )


def _campaign_section(data: ReportData, first_flags: dict[str, datetime]) -> str:
    head = '<section id="campaigns"><h2>Campaigns</h2>'
    if not data.campaigns:
        return head + "<p>No campaigns were detected.</p></section>"
    ranked = sorted(data.campaigns, key=lambda c: (-c.est_exchanges, -c.risk, c.campaign_id))
    shown = ranked[: data.top_campaigns]
    rows = [
        (
            c.campaign_id,
            _Html(_members(c.members)),
            _when(c.first_seen),
            _when(c.last_seen),
            _when(first_flags.get(c.campaign_id)),
            f"{c.est_exchanges:,.0f}",
            f"{c.risk:.2f}",
            _Html(_evidence(c.evidence)),
        )
        for c in shown
    ]
    table = _table(
        (
            "campaign",
            "members",
            "first seen",
            "last seen",
            "first flagged",
            "est. exchanges harvested",
            "risk",
            "evidence",
        ),
        rows,
        numeric=(5, 6),
    )
    more = _more(len(ranked) - len(shown), "campaigns")
    return head + table + more + "</section>"


_KEY_KINDS = {
    "ip": "egress IP address",
    "payment": "payment fingerprint",
    "cohort": "signup cohort (channel, 6-hour window)",
    "template": "prompt template",
    "system": "system prompt",
    "tools": "tool set",
}


def _shared_key_section(data: ReportData) -> str:
    head = (
        '<section id="shared-keys"><h2>Shared keys that carried harvesting</h2><p>Addresses, '
        "payment methods, signup bursts and shared prompts whose pooled traffic, over several "
        "accounts, became significantly more harvest-like than benign shared keys. Accounts "
        "holding one were flagged at their own next harvesting request.</p>"
    )
    keys = data.shared_keys
    hot = keys.filter(pl.col("hot_at").is_not_null()) if keys is not None else None
    if hot is None or hot.height == 0:
        return head + "<p>No shared key became hot.</p></section>"
    hot = hot.sort(["hot_at", "kind", "key"])
    shown = hot.head(data.top_campaigns)
    rows = [
        (
            _KEY_KINDS.get(row["kind"], row["kind"]),
            _Html(f"<code>{escape(str(row['key']))}</code>"),
            f"{row['accounts']:,}",
            f"{row['requests']:,}",
            f"{row['harvest_rate']:.1%}",
            _when(row["hot_at"]),
        )
        for row in shown.iter_rows(named=True)
    ]
    table = _table(
        ("kind", "key", "accounts", "requests", "harvesting share", "hot since"),
        rows,
        numeric=(2, 3, 4),
    )
    return head + table + _more(hot.height - shown.height, "hot keys") + "</section>"


def _timeline_section(data: ReportData, first_flags: dict[str, datetime]) -> str:
    head = (
        '<section id="timeline"><h2>Campaign activity over time</h2>'
        "<p>Requests per hour made by the accounts of each campaign, stacked. Triangles mark when"
        " each campaign was first flagged; dashed lines mark model releases.</p>"
    )
    hourly = _hourly(data.hourly)
    assigned = hourly.filter(pl.col("campaign_id") != "")
    unassigned = int(hourly.filter(pl.col("campaign_id") == "")["events"].sum())
    aside = (
        f"<p>Requests by accounts in no campaign ({unassigned:,} in total) are not drawn.</p>"
        if unassigned
        else ""
    )
    if assigned.height == 0 or int(assigned["events"].sum()) == 0:
        return head + "<p>No requests were attributed to a campaign.</p>" + aside + "</section>"

    begin, end = hourly["hour"].min(), hourly["hour"].max()
    assert isinstance(begin, datetime) and isinstance(end, datetime)
    hours = int((end - begin) / timedelta(hours=1)) + 1
    bucket_h = math.ceil(hours / _MAX_TIME_BUCKETS)
    n_buckets = math.ceil(hours / bucket_h)
    starts = [begin + timedelta(hours=bucket_h * i) for i in range(n_buckets)]
    totals = (
        assigned.group_by("campaign_id")
        .agg(pl.col("events").sum())
        .sort(["events", "campaign_id"], descending=[True, False])
    )
    names = totals["campaign_id"].to_list()
    top = names[: len(_PALETTE)]
    colors = {name: _PALETTE[i] for i, name in enumerate(top)}
    layer = pl.when(pl.col("campaign_id").is_in(top)).then(pl.col("campaign_id"))
    bucketed = (
        assigned.with_columns(
            layer.otherwise(pl.lit("other campaigns")).alias("layer"),
            ((pl.col("hour") - begin).dt.total_hours() // bucket_h).alias("bucket"),
        )
        .group_by("layer", "bucket")
        .agg(pl.col("events").sum())
    )
    layers = [*top, *(["other campaigns"] if len(names) > len(top) else [])]
    series = []
    for name in layers:
        values = np.zeros(n_buckets)
        rows = bucketed.filter(pl.col("layer") == name)
        values[rows["bucket"].to_numpy()] = rows["events"].to_numpy() / bucket_h
        series.append(AreaSeries(name, colors.get(name, _OTHER_COLOR), values.tolist()))
    marks = [
        TimeMark(at, f"model release: {name}", "#222", "release") for name, at in data.releases
    ]
    marks += [
        TimeMark(at, f"{cid} first flagged {_when(at)}", colors.get(cid, _OTHER_COLOR), "flag")
        for cid, at in sorted(first_flags.items())
        if cid in names
    ]
    y_label = "requests per hour" + (
        f" (mean over {bucket_h}-hour buckets)" if bucket_h > 1 else ""
    )
    svg = stacked_area_svg(starts, timedelta(hours=bucket_h), series, marks, y_label)
    legend = "".join(
        f'<span class="key"><span class="swatch" style="background:{colors.get(n, _OTHER_COLOR)}">'
        f"</span>{escape(n)}</span>"
        for n in layers
    )
    releases = _table(
        ("model release", "time"),
        [(name, _when(at)) for name, at in sorted(data.releases, key=lambda r: r[1])],
    )
    return (
        head
        + f'<figure>{svg}<figcaption class="legend">{legend}</figcaption></figure>'
        + aside
        + (releases if data.releases else "")
        + "</section>"
    )


def _score_section(data: ReportData, verdicts: pl.DataFrame) -> str:
    head = (
        '<section id="scores"><h2>Risk scores</h2><p>How many accounts received each risk score'
        " (log scale: each grid line is ten times the one below). The red line is the flag"
        " threshold.</p>"
    )
    if verdicts.height == 0:
        return head + "<p>No accounts were scored.</p></section>"
    counts, edges = np.histogram(verdicts["risk"].to_numpy(), bins=_HISTOGRAM_BINS, range=(0, 1))
    above = int((verdicts["risk"] >= data.threshold).sum())
    svg = log_histogram_svg(
        edges.tolist(), counts.tolist(), data.threshold, "risk score", "accounts (log scale)"
    )
    return (
        head
        + f"<figure>{svg}</figure><p>{verdicts.height:,} accounts scored; {above:,} at or above"
        f" the threshold {data.threshold:g}.</p></section>"
    )


def _action_section(verdicts: pl.DataFrame) -> str:
    counts = [int((verdicts["action"] == action).sum()) for action in ACTIONS]
    svg = bar_svg(list(ACTIONS), counts, [_ACTION_COLORS[a] for a in ACTIONS])
    table = _table(
        ("action", "meaning", "accounts"),
        [(a, _ACTION_MEANING[a], f"{n:,}") for a, n in zip(ACTIONS, counts, strict=True)],
        numeric=(2,),
    )
    return f'<section id="actions"><h2>Actions taken</h2><figure>{svg}</figure>{table}</section>'


def _account_section(data: ReportData, verdicts: pl.DataFrame) -> str:
    flagged = verdicts.filter(pl.col("flagged")).sort(
        ["risk", "first_flagged_at", "account_id"], descending=[True, False, False]
    )
    head = '<section id="accounts"><h2>Top flagged accounts</h2>'
    if flagged.height == 0:
        return head + "<p>No accounts were flagged.</p></section>"
    shown = flagged.head(data.top_accounts)
    rows = [
        (
            row["account_id"],
            f"{row['risk']:.3f}",
            row["action"],
            row["campaign_id"] or _MISSING,
            _when(row["first_flagged_at"]),
            _Html(_reasons(row["reasons"], data.reason_glossary)),
        )
        for row in shown.iter_rows(named=True)
    ]
    table = _table(
        ("account", "risk", "action", "campaign", "first flagged", "why it was flagged"),
        rows,
        numeric=(1,),
    )
    more = _more(flagged.height - shown.height, "flagged accounts (lower risk)")
    return head + table + more + "</section>"


def _glossary_section(data: ReportData, verdicts: pl.DataFrame) -> str:
    codes = sorted({code for reasons in verdicts["reasons"].to_list() for code in reasons})
    head = '<section id="glossary"><h2>Reason codes</h2>'
    if not codes:
        return head + "<p>No reason codes were given.</p></section>"
    items = "".join(
        f"<dt><code>{escape(code)}</code></dt>"
        f"<dd>{escape(data.reason_glossary.get(code, 'No description supplied.'))}</dd>"
        for code in codes
    )
    return head + f"<dl>{items}</dl></section>"


def _evaluation_section(evaluation: Evaluation) -> str:
    tables = "".join(
        f"<h3>{escape(t.title)}</h3>"
        + _table(t.columns, t.rows, numeric=tuple(range(1, len(t.columns))))
        for t in evaluation_text_tables(evaluation)
    )
    notes = "".join(f"<li>{escape(note)}</li>" for note in evaluation.notes)
    return (
        '<section id="evaluation"><h2>Evaluation against simulation labels</h2>'
        "<p>This data was simulated, so the true attack accounts are known; these tables score"
        " the detector against them (see docs/evaluation.md for definitions).</p>"
        + tables
        + (f"<ul class='notes'>{notes}</ul>" if notes else "")
        + "</section>"
    )


def _reading_section(data: ReportData) -> str:
    return (
        '<section id="reading"><h2>How to read this report</h2><ul>'
        "<li><b>Risk</b> is the detector's score from 0 to 1 that an account is harvesting model"
        f" outputs; accounts at or above {data.threshold:g} are flagged.</li>"
        "<li><b>First flagged</b> is the time the detector would first have flagged the account,"
        " using only requests made up to that moment.</li>"
        "<li><b>Campaigns</b> are groups of accounts linked by shared prompt templates,"
        " infrastructure or timing; the evidence column lists what links them.</li>"
        "<li><b>Estimated exchanges harvested</b> are estimates from request counts, not exact"
        " tallies.</li>"
        "<li>Tables are capped; the full data is in the source files listed at the top.</li>"
        "</ul></section>"
    )


def _first_flags(verdicts: pl.DataFrame) -> dict[str, datetime]:
    flags = (
        verdicts.filter(pl.col("flagged") & pl.col("campaign_id").is_not_null())
        .group_by("campaign_id")
        .agg(pl.col("first_flagged_at").min())
    )
    return dict(
        zip(flags["campaign_id"].to_list(), flags["first_flagged_at"].to_list(), strict=True)
    )


def _hourly(table: pa.Table) -> pl.DataFrame:
    missing = [name for name in HOURLY_SCHEMA.names if name not in table.column_names]
    if missing:
        raise ValueError(f"hourly table is missing columns: {', '.join(missing)}")
    try:
        typed = table.select(HOURLY_SCHEMA.names).cast(HOURLY_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise ValueError(f"hourly table columns do not match {HOURLY_SCHEMA}: {exc}") from None
    frame = _frame(typed)
    if frame["hour"].null_count() or frame["events"].null_count():
        raise ValueError("hourly table has null hours or event counts")
    if (frame["events"] < 0).any():
        raise ValueError("hourly table has negative event counts")
    return (
        frame.with_columns(pl.col("hour").dt.truncate("1h"), pl.col("campaign_id").fill_null(""))
        .group_by("hour", "campaign_id")
        .agg(pl.col("events").sum())
    )


def _table(
    columns: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()
) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if i in numeric else ''}>{_cell(value)}</td>"
            for i, value in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: str) -> str:
    return value if isinstance(value, _Html) else escape(value)


def _members(members: list[str]) -> str:
    shown = ", ".join(f"<code>{escape(m)}</code>" for m in members[:_MAX_MEMBERS_SHOWN])
    rest = len(members) - _MAX_MEMBERS_SHOWN
    return f"<b>{len(members):,}</b><br>{shown}" + (f" and {rest:,} more" if rest > 0 else "")


def _evidence(evidence: dict[str, Any]) -> str:
    if not evidence:
        return _MISSING
    items = "".join(
        f"<li><b>{escape(str(key).replace('_', ' '))}</b>: {escape(_plain(value))}</li>"
        for key, value in evidence.items()
    )
    return f"<ul class='evidence'>{items}</ul>"


def _plain(value: Any) -> str:
    """A short plain-text rendering of an evidence value of any JSON-like shape."""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float):
        text = f"{value:.3g}"
    elif isinstance(value, datetime):
        text = _when(value)
    elif isinstance(value, dict):
        text = "; ".join(f"{k}: {_plain(v)}" for k, v in list(value.items())[:_MAX_ITEMS_SHOWN])
        text += _and_more(len(value))
    elif isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
        text = ", ".join(_plain(v) for v in items[:_MAX_ITEMS_SHOWN]) + _and_more(len(items))
    else:
        text = str(value)
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def _and_more(size: int) -> str:
    return f" (+{size - _MAX_ITEMS_SHOWN:,} more)" if size > _MAX_ITEMS_SHOWN else ""


def _reasons(codes: list[str], glossary: dict[str, str]) -> str:
    if not codes:
        return _MISSING
    items = "".join(
        f"<li><code>{escape(code)}</code>: {escape(glossary.get(code, 'no description supplied'))}"
        "</li>"
        for code in codes
    )
    return f"<ul class='reasons'>{items}</ul>"


def _more(hidden: int, what: str) -> str:
    return f"<p class='more'>{hidden:,} more {escape(what)} not shown.</p>" if hidden > 0 else ""


def _when(at: datetime | None) -> str:
    return _MISSING if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _frame(table: pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#1a1a1a;line-height:1.45}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #4e79a7;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;margin:.8em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#eef2f7}tbody tr:nth-child(even){background:#fafafa}td.n{text-align:right}
code{font-family:ui-monospace,Consolas,monospace;font-size:.95em;word-break:break-all}
.cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ccc;border-radius:6px;
padding:.6em 1em;min-width:11em}.big{font-size:1.6em;font-weight:600}
ul.evidence,ul.reasons{margin:0;padding-left:1.1em}.notes li{color:#8a5a00}
.legend{display:flex;flex-wrap:wrap;gap:.4em 1.2em;font-size:.9em}
.swatch{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}
figure{margin:1em 0}.more{font-style:italic}
@media print{h2{break-after:avoid}tr,figure{break-inside:avoid}}
"""
