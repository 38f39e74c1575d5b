"""Shared keys that carry harvesting: egress addresses, payment methods, signup cohorts and
shared content (prompt templates, system prompts, tool sets).

A reseller spreads its harvesting so thinly that no account looks heavy, and an account farm
rotates addresses so that no two accounts meet in the graph. Both still pool their traffic
somewhere: many accounts leave through one egress address, pay with one card, were created
in one burst through one signup channel, or run one harness. Judged per key, that pooled
traffic is as harvest-heavy as one attacker's, while the keys benign accounts share (NATs,
carrier-grade NAT, office egress, a busy signup day, a popular prompt) carry ordinary traffic.

Every statistic is cumulative in time: a key becomes *hot* at the first event at which its
traffic so far passes the test, and an account holding a hot key is flagged at the first of its
own harvesting requests at or after that moment. Nothing sees the future, and work is one sort
plus window functions, so it runs over the whole scan or over a growing log alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
from scipy.stats import binom

from distillguard.accounts.runs import pair_runs
from distillguard.campaigns.key_links import linked_components
from distillguard.signals.schema import INTENT_SCORE_COLUMNS

_US_PER_H = 3_600_000_000
# Content keys: signal column → key kind; judged by heavy holders (see ``_held_keys``).
CONTENT_KEYS = (("template_hash", "template"), ("system_hash", "system"), ("tools_hash", "tools"))
_CONTENT_KINDS = [kind for _, kind in CONTENT_KEYS]

# Which of an account's requests count as its own act, per gate mode (see SharedKeyConfig).
_GATE_MODES = {"score": pl.col("gate"), "classified": pl.col("h")}

# Reason code per key kind (glossary in verdicts/reasons.py).
KEY_REASONS = {
    "ip": "shared_egress_harvest",
    "system": "shared_harness_harvest",
    "tools": "shared_harness_harvest",
    "template": "shared_template_harvest",
    "payment": "shared_payment_harvest",
    "cohort": "signup_cohort_harvest",
}

# Reason of an account flagged by corroboration (``SharedKeyConfig.corroborating``).
CORROBORATED_REASON = "shared_identity_and_harness"


@dataclass(frozen=True)
class SharedKeyConfig:
    """When a shared key is hot.

    ``benign_rate`` is the share of requests the intent model calls harvesting on benign shared
    keys; ``distillguard calibrate`` measures it on benign traffic. A key is hot when its
    harvesting share is significantly above that (one-sided binomial test at ``alpha``), at
    least its kind's ``min_rates`` in size, and spread over its kind's ``min_accounts`` distinct
    harvesting accounts.
    """

    benign_rate: float = 0.01
    # Smallest harvest share (hits per request) per kind. A template must be mostly heavy
    # harvesters' traffic: attackers' cover traffic on a popular chat template must not heat
    # it for everyone who uses that template. A harness (system prompt, tool set) is
    # configuration that no person's chat lands on by chance, so a smaller share will do.
    min_rates: tuple[tuple[str, float], ...] = (
        ("ip", 0.05),
        ("payment", 0.05),
        ("cohort", 0.05),
        ("template", 0.5),
        ("system", 0.3),
        ("tools", 0.3),
    )
    alpha: float = 1e-3
    # Distinct harvesting accounts a key needs, per kind. A template hit is the strictest
    # evidence (a heavy harvester judged on its other traffic sent it, and the request itself
    # is classified as harvesting, see ``classified_hits``), and a template stops being hot for
    # a newcomer once people's requests dilute it (``rejudged_when_held``), so two will do;
    # with three, a campaign that spreads over thousands of templates waits days for its
    # templates to repeat.
    min_accounts: tuple[tuple[str, int], ...] = (
        ("ip", 3),
        ("payment", 3),
        ("cohort", 3),
        ("template", 2),
        ("system", 3),
        ("tools", 3),
    )
    # Hot keys that share this many holders are one group (see ``_group_ids``).
    link_accounts: int = 3
    # Accounts created within one window through one channel form a signup cohort; two
    # staggered grids so a burst straddling a boundary still lands whole in one of them.
    cohort_hours: int = 6
    # Which of its own requests put a holder of a hot key in the act: classified harvesting, or
    # a harvest score of at least ``gate_score`` (the key already carries the group evidence).
    gate_score: float = 0.2
    # A heavy harvester (for content keys) by any of these rules: at least this many requests
    # so far, at least this share of them classified as harvesting. The first rule sees an
    # account that harvests from its first requests, the second one that mixes.
    heavy: tuple[tuple[int, float], ...] = ((3, 0.6), (10, 0.3))
    # An account that meets this rule (at least this many requests so far, at least this share
    # of them harvesting: it has harvested from its first requests) has its earlier requests on
    # each content key counted as hits from then on (see ``_passing``). An account that mixes
    # harvesting into ordinary use gets no such credit: its early requests were its own.
    credit: tuple[int, float] = (3, 0.6)
    # Content kinds whose holders are judged heavy (and credited) on their traffic *other*
    # than the key, while the key is at most half of it. A popular prompt that the intent
    # model misreads as harvesting would otherwise make its own senders heavy: one more
    # misread request among a person's first three and the prompt heats itself. A template is
    # usually one of many a harvester sends; a harness (system prompt, tool set) is in all of a
    # farm account's requests, so it cannot be left out of its own judgement.
    judged_without_key: tuple[str, ...] = ("template",)
    # Content kinds whose hit also needs the request itself classified as harvesting, not only
    # a heavy sender. Attackers send popular public prompts too (as cover, or from the same
    # prompt sets people copy from); sent by heavy accounts they would heat a prompt that
    # anyone asks ("What herbs can cure cancer?"). A harness is in every request of a farm
    # account, most of which look like ordinary agent work, so it is judged on its senders.
    classified_hits: tuple[str, ...] = ("template",)
    # Kinds whose holder is ready only at a moment the key passes the test at or after it first
    # held it, not at the first moment the key ever passed: a prompt that two attackers sent
    # first cools as people's own requests on it dilute its harvest share, so the people who
    # send it later are not flagged through it. Addresses, cohorts and harnesses keep their
    # first hot moment: a reseller dilutes its egress with genuine traffic on purpose, and a
    # farm's later sessions on its harness look ordinary (rejudging every kind cost the flood
    # 0.055 -> 0.071 harvest before detection on seed 1).
    rejudged_when_held: tuple[str, ...] = ("template",)
    # Own gate requests a holder needs per kind, and which requests count: "score" (classified
    # harvesting or a harvest score of at least ``gate_score``) or "classified". A signup
    # cohort is loose (strangers sign up in the same hours through the same channel), and a
    # popular prompt template is also sent by people: both ask for two classified requests.
    # A hot harness carries the group's evidence like an address does: one gate request.
    gate_requests: tuple[tuple[str, int, str], ...] = (
        ("ip", 1, "score"),
        ("payment", 1, "score"),
        ("cohort", 2, "classified"),
        ("system", 1, "score"),
        ("tools", 1, "score"),
        ("template", 2, "classified"),
    )
    # Two lines of group evidence stand in for the account's own act: who it is (an address,
    # payment method or signup cohort it shares) and what it runs (a harness). An account that
    # holds a hot key of each group is flagged from the moment it holds both, gate or not. A
    # farm shares both; a stranger would have to sign up in the farm's burst (or pay with its
    # card, or leave through its proxy) and also run its exact harness. Empty groups: off.
    corroborating: tuple[tuple[str, ...], tuple[str, ...]] = (
        ("ip", "payment", "cohort"),
        ("system", "tools"),
    )

    def __post_init__(self) -> None:
        if not 0.0 < self.benign_rate < 1.0 or not 0.0 < self.alpha < 1.0:
            raise ValueError("benign_rate and alpha must be within (0, 1)")
        if any(n < 2 for _, n in self.min_accounts) or self.link_accounts < 2:
            raise ValueError("min_accounts and link_accounts must be >= 2")
        if self.cohort_hours < 1:
            raise ValueError("cohort_hours must be >= 1")
        if not self.heavy or any(n < 1 or not 0.0 < share <= 1.0 for n, share in self.heavy):
            raise ValueError("heavy needs at least one (requests >= 1, share in (0, 1]) rule")
        if self.credit[0] < 1 or not 0.0 < self.credit[1] <= 1.0:
            raise ValueError("credit needs requests >= 1 and a share in (0, 1]")
        for name, kinds in (
            ("min_rates", {kind for kind, _ in self.min_rates}),
            ("min_accounts", {kind for kind, _ in self.min_accounts}),
            ("gate_requests", {kind for kind, _, _ in self.gate_requests}),
        ):
            if kinds != set(KEY_REASONS):
                raise ValueError(f"{name} must name every key kind: {sorted(KEY_REASONS)}")
        who, what = (set(group) for group in self.corroborating)
        if not who | what <= set(KEY_REASONS) or who & what:
            raise ValueError(f"corroborating must be two disjoint groups of {sorted(KEY_REASONS)}")
        for name, chosen in (
            ("judged_without_key", self.judged_without_key),
            ("classified_hits", self.classified_hits),
        ):
            if not set(chosen) <= set(_CONTENT_KINDS):
                raise ValueError(f"{name} must be among {_CONTENT_KINDS}")
        if not set(self.rejudged_when_held) <= set(KEY_REASONS):
            raise ValueError(f"rejudged_when_held must be among {sorted(KEY_REASONS)}")
        modes = {mode for _, _, mode in self.gate_requests}
        if not modes <= set(_GATE_MODES):
            raise ValueError(f"gate modes must be among {sorted(_GATE_MODES)}, got {sorted(modes)}")


KEY_FLAG_SCHEMA = pl.Schema(
    {
        "account_id": pl.Utf8(),
        "group_id": pl.Utf8(),
        "p": pl.Float64(),
        "flagged_at": pl.Datetime("us", "UTC"),
        "reasons": pl.List(pl.Utf8()),
    }
)
_SUMMARY = pl.Schema(
    {
        "kind": pl.Utf8(),
        "key": pl.Utf8(),
        "accounts": pl.UInt32(),
        "requests": pl.UInt32(),
        "harvest": pl.UInt32(),
        "harvest_rate": pl.Float64(),
        "hot_at": pl.Datetime("us", "UTC"),
        "p": pl.Float64(),
    }
)


@dataclass(frozen=True)
class SharedKeys:
    """What the shared-key route found: flagged accounts and the evidence behind them."""

    # One row per flagged account (KEY_FLAG_SCHEMA): ``group_id`` names the connected group of
    # hot keys its flag came through; ``p`` is the smallest key p-value.
    flags: pl.DataFrame
    # Every judged key (held by its kind's ``min_accounts`` or more): pooled totals and when it
    # became hot (null if never); what ``calibrate`` reads from a scan of benign traffic.
    summary: pl.DataFrame


def judge_keys(signals: pa.Table, accounts: pa.Table | None, config: SharedKeyConfig) -> SharedKeys:
    """Judge every shared key of ``signals`` (SIGNAL_SCHEMA, any order) once.

    Allowlisted accounts neither make a key hot (their harvesting is contracted) nor get
    flagged.
    """
    events = _events(signals, accounts, config)
    if events.rows.height == 0:
        return SharedKeys(pl.DataFrame(schema=KEY_FLAG_SCHEMA), pl.DataFrame(schema=_SUMMARY))
    # One key kind at a time: only one kind's (event, key) rows exist at once.
    hot, totals, holders = [], [], []
    credited = _credited(events.rows)
    for kind, held, names in _held_keys(events, accounts, config):
        passing = _passing(held, kind, config, credited if kind in _CONTENT_KINDS else None)
        kind_hot = passing.group_by("key").agg(
            pl.col("seq").first().alias("hot_at"), pl.col("p").first()
        )
        held_from = _held_from(held, passing, kind in config.rejudged_when_held)
        del passing
        hot.append(_readable(kind_hot, kind, names).with_columns(_at(events.times, "hot_at")))
        holders.append(
            _readable(held_from, kind, names).with_columns(_at(events.times, "held_from"))
        )
        totals.append(_readable(_totals(held, dict(config.min_accounts)[kind]), kind, names))
        del held
    hot_keys = pl.concat(hot).select("kind", "key", "hot_at", "p")
    return SharedKeys(
        _flags(events, pl.concat(holders), hot_keys, config),
        _summary(pl.concat(totals), hot_keys),
    )


@dataclass(frozen=True)
class _Events:
    """Event rows with integer keys: the route copies them once per key kind, and request ids,
    account ids and addresses as text cost tens of bytes a row (gigabytes at millions of
    events)."""

    # seq (rank in (ts, request_id) order), acct (account code), ip (code), the content hashes,
    # h, gate, n and hits (the account's requests and classified ones so far), heavy, credit;
    # sorted by (acct, seq).
    rows: pl.DataFrame
    times: pl.Series  # ts by seq
    accounts: pl.Series  # account_id by acct - 1
    ips: pl.Series  # ip by ip code - 1


def _flags(
    events: _Events, holders: pl.DataFrame, hot: pl.DataFrame, config: SharedKeyConfig
) -> pl.DataFrame:
    if hot.height == 0:
        return pl.DataFrame(schema=KEY_FLAG_SCHEMA)
    gates = pl.DataFrame(
        list(config.gate_requests),
        schema={"kind": pl.Utf8, "need": pl.Int64, "mode": pl.Utf8},
        orient="row",
    )
    # The times of each account's first gate requests of every mode, as many as any kind needs.
    most = max(need for _, need, _ in config.gate_requests)
    ordered = events.rows.select("acct", "seq", "h", "gate")  # by (acct, seq): each in time order
    acts = ordered.select("acct").unique()
    for mode, counts in _GATE_MODES.items():
        times = (
            ordered.filter(counts)
            .group_by("acct", maintain_order=True)
            .head(most)
            .select("acct", _at(events.times, "seq").alias(mode))
            .group_by("acct", maintain_order=True)
            .agg(mode)
        )
        acts = acts.join(times, on="acct", how="left").with_columns(pl.col(mode).fill_null([]))
    # An account holds a key from its first request with it; it is flagged at its gate request
    # once it holds a hot key, or once it holds hot keys of both corroborating groups.
    holders = (
        holders.join(hot, on=["kind", "key"])
        .join(gates, on="kind")
        .join(acts, on="acct")
        .with_columns(
            _at(events.accounts, "acct", offset=1).alias("account_id"),
            pl.when(pl.col("mode") == "classified")
            .then(pl.col("classified"))
            .otherwise(pl.col("score"))
            .alias("acts"),
            pl.max_horizontal("held_from", "hot_at").alias("ready"),
        )
    )
    who, what = (pl.col("kind").is_in(list(group)) for group in config.corroborating)
    both = (
        holders.group_by("acct")
        .agg(
            pl.col("ready").filter(who).min().alias("who"),
            pl.col("ready").filter(what).min().alias("what"),
        )
        .filter(pl.col("who").is_not_null() & pl.col("what").is_not_null())
        .select("acct", pl.max_horizontal("who", "what").alias("corroborated_at"))
    )
    acted = pl.when(pl.col("acts").list.len() >= pl.col("need")).then(
        pl.max_horizontal("ready", pl.col("acts").list.get(pl.col("need") - 1, null_on_oob=True))
    )
    holders = (
        holders.join(both, on="acct", how="left")
        .with_columns(
            acted.alias("acted"), pl.when(who | what).then("corroborated_at").alias("corroborated")
        )
        .with_columns(
            pl.min_horizontal("acted", "corroborated").alias("flagged_at"),
            # Flagged on the group's evidence before (or without) an act of its own.
            (
                pl.col("corroborated").is_not_null()
                & (pl.col("acted").is_null() | (pl.col("corroborated") < pl.col("acted")))
            ).alias("unacted"),
        )
        .filter(pl.col("flagged_at").is_not_null())
    )
    if holders.height == 0:
        return pl.DataFrame(schema=KEY_FLAG_SCHEMA)
    holders = holders.with_columns(_group_ids(holders, config.link_accounts))
    per_account = (
        # The group an account is named for: its infrastructure, payment or cohort group when it
        # has one (who it is), else the shared content it ran (what it did).
        holders.with_columns(pl.col("kind").is_in(_CONTENT_KINDS).alias("_content"))
        .sort("_content", "flagged_at", "p", "group_id", "kind", "key")
        .group_by("account_id", maintain_order=True)
        .agg(
            pl.col("group_id").first(),
            pl.col("p").min(),
            pl.col("flagged_at").min(),
            pl.col("kind").replace_strict(KEY_REASONS).unique().sort().alias("reasons"),
            pl.col("unacted").filter(pl.col("flagged_at") == pl.col("flagged_at").min()).any(),
        )
        .with_columns(
            pl.when("unacted")
            .then(pl.concat_list("reasons", pl.lit([CORROBORATED_REASON])).list.sort())
            .otherwise("reasons")
            .alias("reasons")
        )
        .drop("unacted")
    )
    return per_account.sort("account_id").cast(KEY_FLAG_SCHEMA)


def _summary(totals: pl.DataFrame, hot: pl.DataFrame) -> pl.DataFrame:
    totals = totals.with_columns((pl.col("harvest") / pl.col("requests")).alias("harvest_rate"))
    out = totals.join(hot, on=["kind", "key"], how="left")
    return out.sort("kind", "harvest_rate", "key", descending=[False, True, False]).cast(_SUMMARY)


def _totals(held: pl.DataFrame, least: int) -> pl.DataFrame:
    """Pooled totals of every key held by ``least`` accounts or more (the summary's rows)."""
    return (
        held.group_by("key")
        .agg(
            pl.col("acct").n_unique().alias("accounts"),
            pl.len().alias("requests"),
            pl.col("h").sum().cast(pl.UInt32).alias("harvest"),
        )
        .filter(pl.col("accounts") >= least)
    )


def benign_key_rate(summary: pl.DataFrame, min_requests: int = 50, quantile: float = 0.99) -> float:
    """The harvest share that ``quantile`` of benign shared keys stay under (never below 0.1%).

    Read from ``SharedKeys.summary`` of benign traffic; keys with fewer than ``min_requests``
    requests are too noisy to say anything about the rate.
    """
    rates = summary.filter(pl.col("requests") >= min_requests)["harvest_rate"]
    if rates.len() == 0:
        raise ValueError(f"no shared key with at least {min_requests} requests to calibrate on")
    return max(0.001, float(rates.quantile(quantile, interpolation="higher") or 0.0))


def _events(signals: pa.Table, accounts: pa.Table | None, config: SharedKeyConfig) -> _Events:
    """Slim event rows: ``h`` (classified harvesting), ``gate`` (a gate request), ``n`` and
    ``hits`` (the account's requests and classified ones so far, this one included), ``heavy``
    (the account is a heavy harvester so far) and ``credit`` (it meets the credit rule so
    far)."""
    columns = ["ts", "request_id", "account_id", "ip", "template_hash", "system_hash"]
    columns += ["tools_hash", "intent"]
    df = pl.from_arrow(signals.select([*columns, *INTENT_SCORE_COLUMNS]))
    assert isinstance(df, pl.DataFrame)
    if accounts is not None and accounts.num_rows:
        allow = pl.from_arrow(accounts.select(["account_id", "allowlist"]))
        assert isinstance(allow, pl.DataFrame)
        allowed = allow.filter(pl.col("allowlist").is_not_null())["account_id"].unique()
        df = df.filter(~pl.col("account_id").is_in(allowed.implode()))
    order = df.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).sort_by("ts", "request_id")
    ).to_series()
    times = df["ts"].gather(order)
    h = pl.col("intent") != "benign"
    score = pl.sum_horizontal([pl.col(c) for c in INTENT_SCORE_COLUMNS])
    accts, names = _codes(df["account_id"])
    ip_codes, ips = _codes(df["ip"])
    df = df.select(
        order.arg_sort().cast(pl.UInt32).alias("seq"),  # the inverse of ``order``
        accts.alias("acct"),
        ip_codes.alias("ip"),
        "template_hash",
        "system_hash",
        "tools_hash",
        h.alias("h"),
        (h | (score >= config.gate_score)).alias("gate"),
    )
    n = pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over("acct")
    hits = pl.col("h").cast(pl.UInt32).cum_sum().over("acct")
    df = df.sort("acct", "seq").with_columns(n.alias("n"), hits.alias("hits"))
    df = df.with_columns(
        _heavy(pl.col("n"), pl.col("hits"), config.heavy).alias("heavy"),
        _heavy(pl.col("n"), pl.col("hits"), [config.credit]).alias("credit"),
    )
    return _Events(df, times, names, ips)


def _heavy(n: pl.Expr, hits: pl.Expr, rules: Sequence[tuple[int, float]]) -> pl.Expr:
    """Whether ``hits`` of ``n`` requests meet any of the (at least, share) ``rules``."""
    n, hits = n.cast(pl.Int64), hits.cast(pl.Int64)
    return pl.any_horizontal([(n >= least) & (hits >= share * n) for least, share in rules])


def _without(
    n: pl.Expr, hits: pl.Expr, own_n: pl.Expr, own_hits: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """An account's requests and hits without its ``own_n`` requests (``own_hits`` hits) on a
    key, when they are at most half of its requests. A key that carries most of an account's
    traffic is what the account does (one template, its slots filled, request after request),
    so it is judged on all of it."""
    n, hits = n.cast(pl.Int64), hits.cast(pl.Int64)
    minority = own_n * 2 <= n
    return (
        pl.when(minority).then(n - own_n).otherwise(n),
        pl.when(minority).then(hits - own_hits).otherwise(hits),
    )


# How many of its requests, from the one that met the credit rule, an account has to meet it
# again without a key's own requests (see ``_passing``).
_CREDIT_REQUESTS = 16


def _credited(rows: pl.DataFrame) -> pl.DataFrame:
    """Per account that meets the credit rule: ``from``, the seq of its first request that
    meets it, and ``at``, ``n_at``, ``hits_at`` (seq, requests and hits so far) of that request
    and its next ones (``_CREDIT_REQUESTS`` in all), so a key's credit can wait until the rule
    holds without the key's requests."""
    first = rows.filter(pl.col("credit")).group_by("acct").agg(pl.col("seq").min().alias("from"))
    return (
        rows.select("acct", at="seq", n_at="n", hits_at="hits")
        .join(first, on="acct")
        .filter(pl.col("at") >= pl.col("from"))
        .group_by("acct", maintain_order=True)
        .head(_CREDIT_REQUESTS)
    )


def _held_keys(
    events: _Events, accounts: pa.Table | None, config: SharedKeyConfig
) -> Iterator[tuple[str, pl.DataFrame, pl.Series | None]]:
    """Per key kind: one row per (event, key the event's account holds) (seq, acct, h and the
    key as an integer), and the text of each key code (None: the key is a content hash). Keeps
    no kind's rows once it has yielded them, so the caller can free them before the next."""
    rows = events.rows
    row = ["seq", "acct", "h"]
    yield "ip", rows.filter(pl.col("ip").is_not_null()).select(*row, key="ip"), events.ips
    # Content keys: a prompt template, a system prompt or a tool set (hash 0 means none). Their
    # wording makes every request on them look alike, so per request a popular "explain step
    # by step" skeleton or an agent framework's default prompt would heat up for anyone who
    # uses it. A content key counts accounts instead: a hit is a request by an account that is
    # a heavy harvester over all its traffic, so only content shared by several such accounts
    # (and used largely by them) is hot.
    for column, kind in CONTENT_KEYS:
        held = rows.filter(pl.col(column) != 0)
        heavy = pl.col("heavy")
        if kind in config.judged_without_key:
            # The account's requests and hits so far, less those on this key ("own").
            own = pair_runs(held, "acct", column, sums=["h"])
            held = held.with_columns(own_n=own["count"], own_hits=own["h"])
            rest_n, rest_hits = _without(
                pl.col("n"), pl.col("hits"), pl.col("own_n"), pl.col("own_hits")
            )
            heavy = _heavy(rest_n, rest_hits, config.heavy)
        if kind in config.classified_hits:
            heavy = heavy & pl.col("h")
        # ``own``: the request itself is classified as harvesting.
        held = held.select("seq", "acct", pl.col("h").alias("own"), heavy.alias("h"), key=column)
        yield kind, held, None
        del held
    if accounts is None or not accounts.num_rows:
        return
    attrs = pl.from_arrow(
        accounts.select(["account_id", "payment_fingerprint", "signup_channel", "created_at"])
    )
    assert isinstance(attrs, pl.DataFrame)
    codes = events.accounts.to_frame("account_id").with_row_index("acct", offset=1)
    attrs = attrs.unique("account_id", keep="first").join(codes, on="account_id")
    width = config.cohort_hours * _US_PER_H
    created = pl.col("created_at").cast(pl.Int64)
    channel = pl.col("signup_channel").fill_null("?")
    keys = attrs.select(
        "acct",
        pl.col("payment_fingerprint").alias("payment"),
        pl.concat_str([channel, (created // width).cast(pl.Utf8)], separator="@").alias("c0"),
        pl.concat_str(
            [channel, ((created + width // 2) // width).cast(pl.Utf8)], separator="@+"
        ).alias("c1"),
    )
    base = rows.select(*row)
    for kind, grids in (("payment", ["payment"]), ("cohort", ["c0", "c1"])):
        held_keys = pl.concat([keys.select("acct", key=column) for column in grids]).filter(
            pl.col("key").is_not_null()
        )
        key_codes, names = _codes(held_keys["key"])
        held_keys = held_keys.with_columns(key_codes.alias("key"))
        yield kind, base.join(held_keys, on="acct").select(*row, "key"), names


def _held_from(held: pl.DataFrame, passing: pl.DataFrame, rejudged: bool) -> pl.DataFrame:
    """(acct, key, held_from) per holder of a key that ever passed: the seq of its first request
    with the key, or, ``rejudged``, the first seq at or after it at which the key passes (no row
    if it never does again)."""
    held_from = (
        held.join(passing.select("key"), on="key", how="semi")
        .group_by("acct", "key")
        .agg(pl.col("seq").min().alias("held_from"))
    )
    if not rejudged:
        return held_from
    ready = held_from.sort("held_from").join_asof(
        passing.select("key", "seq").sort("seq"),
        left_on="held_from",
        right_on="seq",
        by="key",
        strategy="forward",
        check_sortedness=False,  # sorted by seq overall, which is what by-key matching needs
    )
    return ready.drop_nulls("seq").select("acct", "key", held_from="seq")


def _passing(
    held: pl.DataFrame, kind: str, config: SharedKeyConfig, credited: pl.DataFrame | None
) -> pl.DataFrame:
    """(key, seq, p) of one kind: every event at which a key's cumulative traffic passes the
    test, in (key, seq) order, and its p.

    For content keys, ``held`` also has ``own`` (the request itself is classified as
    harvesting).

    ``credited`` (``_credited``), for content keys: from the moment an account meets the credit
    rule its earlier requests on a key (its classified ones, for ``classified_hits`` kinds)
    count as hits. A campaign that spreads over thousands of templates seldom sends one again
    once its accounts are known to be heavy, so counting only later requests would leave its
    templates cold for days. For a kind judged without the key the credit comes at the first of
    those requests at which the account meets the rule without its requests on the key up to
    its credit; none if it does not within ``_CREDIT_REQUESTS``.
    """
    least = dict(config.min_accounts)[kind]
    shared = held.filter(pl.col("acct").n_unique().over("key") >= least)
    if credited is not None:
        start = credited.group_by("acct").agg(pl.col("from").first())
        earlier_hit = pl.col("own") if kind in config.classified_hits else pl.lit(True)
        earlier = (
            shared.join(start, on="acct")
            .filter(pl.col("seq") <= pl.col("from"))
            .group_by("key", "acct")
            .agg(
                (earlier_hit & (pl.col("seq") < pl.col("from"))).sum().cast(pl.Int64).alias("hits"),
                pl.len().cast(pl.Int64).alias("own_n"),
                pl.col("own").sum().cast(pl.Int64).alias("own_hits"),
            )
            .filter(pl.col("hits") > 0)
        )
        if kind in config.judged_without_key:
            rest_n, rest_hits = _without(
                pl.col("n_at"), pl.col("hits_at"), pl.col("own_n"), pl.col("own_hits")
            )
            earned = earlier.join(credited, on="acct").filter(
                _heavy(rest_n, rest_hits, [config.credit])
            )
        else:
            earned = earlier.join(credited.filter(pl.col("at") == pl.col("from")), on="acct")
        credit = (
            earned.group_by("key", "acct")
            .agg(pl.col("at").min().alias("seq"), pl.col("hits").first())
            .select("key", "seq", "acct", "hits", requests=pl.lit(0))
        )
    shared = shared.select(
        "key", "seq", "acct", pl.col("h").cast(pl.Int64).alias("hits"), requests=pl.lit(1)
    )
    if credited is not None:
        shared = pl.concat([shared, credit])
    running = _running(shared)
    del shared
    min_rate = dict(config.min_rates)[kind]
    running = running.filter(
        (pl.col("harvesters") >= least)
        & (pl.col("hits") >= pl.lit(min_rate, dtype=pl.Float64) * pl.col("n"))
    )
    p = binom.sf(running["hits"].to_numpy() - 1, running["n"].to_numpy(), config.benign_rate)
    running = running.with_columns(pl.Series("p", np.asarray(p, dtype=np.float64)))
    return running.filter(pl.col("p") <= config.alpha).select("key", "seq", "p")


def _running(shared: pl.DataFrame) -> pl.DataFrame:
    """``shared`` in (key, seq) order with each key's running totals so far: ``n`` requests,
    ``hits`` and ``harvesters`` (accounts with a hit; a row counts its account's first hit).

    Sorted by key, a key's totals are the overall cumulative sums less their value where the
    key's run starts, and an account's first hit is the first of its (run, account) code:
    exact integer sums in one pass each, where windows over the key (and a distinct over a
    struct of key and account) grouped 3-6M rows again per column.
    """
    ordered = shared.sort("key", "seq", "requests")
    key = ordered["key"].to_numpy()
    start = np.ones(len(key), dtype=bool)
    np.not_equal(key[1:], key[:-1], out=start[1:])
    begins = np.flatnonzero(start)
    lengths = np.diff(np.append(begins, len(key)))

    def within(values: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.int64]:
        total = np.cumsum(values, dtype=np.int64)
        return total - np.repeat((total - values)[begins], lengths)

    run = (np.cumsum(start) - 1).astype(np.uint64)
    pair = (run << np.uint64(32)) | ordered["acct"].to_numpy().astype(np.uint64)
    hit = pl.col("hits") > 0
    first = ordered.select(
        (hit & pl.when(hit).then(pl.Series(pair)).is_first_distinct()).cast(pl.Int64)
    ).to_series()
    return ordered.with_columns(
        pl.Series("n", within(ordered["requests"].to_numpy())),
        pl.Series("hits", within(ordered["hits"].to_numpy())),
        pl.Series("harvesters", within(first.to_numpy())),
    )


def _codes(texts: pl.Series) -> tuple[pl.Series, pl.Series]:
    """An integer code per text, its rank among the distinct texts (1..k in sorted order; null
    stays null), and the distinct texts: code c stands for element c - 1.

    A join against the sorted distinct texts: a dense rank sorts every row's text instead
    (about 1.8 s per column at 3M events, against 0.3 s).
    """
    distinct = texts.drop_nulls().unique().sort()
    table = distinct.to_frame("text").with_row_index("code", offset=1)
    codes = texts.to_frame("text").join(table, on="text", how="left", maintain_order="left")
    return codes["code"], distinct


def _readable(frame: pl.DataFrame, kind: str, names: pl.Series | None) -> pl.DataFrame:
    """``frame`` with its kind and its integer keys as text: a content hash in decimal, any
    other key as the text its code stands for."""
    key = pl.col("key").cast(pl.Utf8) if names is None else _at(names, "key", offset=1)
    return frame.select(pl.lit(kind).alias("kind"), key.alias("key"), pl.exclude("key"))


def _at(values: pl.Series, column: str, offset: int = 0) -> pl.Expr:
    """``values`` at the positions in ``column`` less ``offset`` (a time by seq, a text by code),
    named ``column``."""
    return pl.lit(values).gather(pl.col(column) - offset).alias(column)


def _group_ids(holders: pl.DataFrame, link_accounts: int) -> pl.Series:
    """One id per group of hot keys linked by at least ``link_accounts`` common holders.

    One shared holder is too weak a link: a reseller account that happens to sign up in a
    farm's burst would chain the two operations into one group. Content keys link only to
    content keys: two operations copying one public prompt template are still two operations.
    """
    keys = pl.concat_str(["kind", "key"], separator=":")
    codes = holders.select(
        pl.col("account_id").rank("dense").cast(pl.Int64).alias("a") - 1,
        keys.rank("dense").cast(pl.Int64).alias("k") - 1,
        pl.col("kind").is_in(_CONTENT_KINDS).alias("content"),
    )
    k = codes["k"].to_numpy()
    content = np.zeros(int(k.max()) + 1, dtype=bool)
    content[k] = codes["content"].to_numpy()
    comp = linked_components(codes["a"].to_numpy(), k, content, link_accounts)[k]
    # A group is named by its smallest key (UTF-8 byte order is code point order).
    named = holders.select(keys.alias("name"), pl.Series("comp", comp))
    first = named.group_by("comp").agg(pl.col("name").min())
    ids = first.select(
        "comp",
        pl.Series(
            "group_id",
            ["key-" + hashlib.sha256(n.encode()).hexdigest()[:16] for n in first["name"]],
            dtype=pl.Utf8,
        ),
    )
    return named.join(ids, on="comp", how="left", maintain_order="left")["group_id"]
