"""Turn per-event online risk and campaign flags into one verdict per account."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from distillguard.verdicts.account_risk import AccountRiskModel
from distillguard.verdicts.policy import Policy

VERDICT_COLUMNS = (
    "account_id",
    "risk",
    "flagged",
    "campaign_id",
    "first_flagged_at",
    "action",
    "reasons",
)

# What a campaign member must itself have sent before the campaign flags it: one request
# classified as harvesting, or harvest probability mass adding up to this many requests
# (agentic harvesting is often only partly distinguishable from benign tool use).
MEMBER_MIN_HARVEST = 1
MEMBER_MIN_HARVEST_MASS = 2.0

# Campaign flags: one row per (account, campaign) with the time the account joined a flagged
# campaign, as found by the online campaign tracker.
_CAMPAIGN_FLAG_FIELDS: list[pa.Field[Any]] = [
    pa.field("account_id", pa.string()),
    pa.field("campaign_id", pa.string()),
    pa.field("campaign_risk", pa.float64()),
    pa.field("campaign_flagged_at", pa.timestamp("us", tz="UTC")),
    pa.field("campaign_reasons", pa.string()),
    # True when the flag already waited for the member's own harvesting request (shared keys);
    # false for graph campaigns, which flag members as a group and are gated here.
    pa.field("member_acted", pa.bool_()),
]
CAMPAIGN_FLAG_SCHEMA = pa.schema(_CAMPAIGN_FLAG_FIELDS)


def assemble_verdicts(
    features: pa.Table,
    risk: np.ndarray,
    accounts: pa.Table | None,
    policy: Policy,
    model: AccountRiskModel,
    campaign_flags: pa.Table | None = None,
) -> pl.DataFrame:
    """One row per account with the verdict columns (typed; ``write_verdicts`` formats them)."""
    df = pl.from_arrow(features.select(["ts", "account_id", "n", "harvest_count", "harvest_mass"]))
    assert isinstance(df, pl.DataFrame)
    df = df.with_columns(pl.Series("risk", risk), pl.int_range(0, pl.len()).alias("_row"))
    per_account = df.group_by("account_id").agg(
        pl.col("risk").max().alias("account_risk"),
        pl.col("ts")
        .filter((pl.col("risk") >= policy.flag) & (pl.col("n") >= model.flag_min_events))
        .min()
        .alias("account_flagged_at"),
        pl.col("ts")
        .filter(
            (pl.col("harvest_count") >= MEMBER_MIN_HARVEST)
            | (pl.col("harvest_mass") >= MEMBER_MIN_HARVEST_MASS)
        )
        .min()
        .alias("_harvested_at"),
        pl.col("_row").sort_by("risk", descending=True).first().alias("_best_row"),
    )
    rows = per_account["_best_row"].to_list()
    per_account = per_account.with_columns(
        pl.Series(
            "account_reasons",
            [";".join(codes) for codes in model.reasons(features, rows)],
            dtype=pl.Utf8,
        )
    ).drop("_best_row")

    known = _known_accounts(accounts)
    verdicts = known.join(per_account, on="account_id", how="full", coalesce=True)
    flags = _campaign_flags(campaign_flags, per_account.select("account_id", "_harvested_at"))
    verdicts = verdicts.join(flags, on="account_id", how="left")
    verdicts = verdicts.with_columns(
        pl.col("account_risk").fill_null(0.0),
        pl.col("campaign_risk").fill_null(0.0),
        pl.col("allowlist").is_not_null().alias("_allowlisted"),
    )
    risk_col = pl.max_horizontal("account_risk", "campaign_risk").clip(0.0, 1.0)
    flagged_at = pl.min_horizontal("account_flagged_at", "campaign_flagged_at")
    verdicts = verdicts.with_columns(risk_col.alias("risk"), flagged_at.alias("_flagged_at"))
    verdicts = verdicts.with_columns(
        (pl.col("_flagged_at").is_not_null() & ~pl.col("_allowlisted")).alias("flagged"),
    )
    actions = [
        policy.action(r, allowlisted=a)
        if (f or a)
        else policy.action(min(r, policy.monitor), allowlisted=False)
        for r, f, a in zip(
            verdicts["risk"].to_list(),
            verdicts["flagged"].to_list(),
            verdicts["_allowlisted"].to_list(),
            strict=True,
        )
    ]
    reasons = pl.concat_str(
        [
            pl.when(pl.col("_allowlisted")).then(pl.lit("allowlisted")),
            pl.when(pl.col("campaign_id").is_not_null()).then(pl.col("campaign_reasons")),
            pl.col("account_reasons"),
        ],
        separator=";",
        ignore_nulls=True,
    )
    verdicts = verdicts.with_columns(
        pl.Series("action", actions, dtype=pl.Utf8),
        reasons.str.replace_all(";+", ";").str.strip_chars(";").alias("reasons"),
        pl.when(pl.col("flagged")).then(pl.col("_flagged_at")).alias("first_flagged_at"),
    )
    return verdicts.select(VERDICT_COLUMNS).sort("account_id")


def write_verdicts(verdicts: pl.DataFrame, path: str) -> None:
    """Write the public verdicts.csv contract (see docs/scan-output.md)."""
    out = verdicts.with_columns(
        pl.col("risk").round(6),
        pl.col("flagged").cast(pl.Utf8).str.to_lowercase(),
        pl.col("campaign_id").fill_null(""),
        pl.col("first_flagged_at")
        .dt.convert_time_zone("UTC")
        .dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
        .fill_null(""),
        pl.col("reasons").fill_null(""),
    )
    out.write_csv(path)


def _known_accounts(accounts: pa.Table | None) -> pl.DataFrame:
    if accounts is None:
        return pl.DataFrame(schema={"account_id": pl.Utf8, "allowlist": pl.Utf8})
    df = pl.from_arrow(accounts.select(["account_id", "allowlist"]))
    assert isinstance(df, pl.DataFrame)
    return df.unique("account_id", keep="first")


def _campaign_flags(flags: pa.Table | None, harvested: pl.DataFrame) -> pl.DataFrame:
    """One row per flagged account: its earliest gated campaign flag.

    A campaign flags a member only once the member itself has made a harvesting request:
    sharing a proxy pool or a payment card with a campaign is not enough on its own. Shared-key
    flags already waited for that request (``member_acted``); graph-campaign flags wait here.
    """
    table = flags if flags is not None else CAMPAIGN_FLAG_SCHEMA.empty_table()
    df = pl.from_arrow(table.cast(CAMPAIGN_FLAG_SCHEMA))
    assert isinstance(df, pl.DataFrame)
    gated = (
        pl.when(pl.col("member_acted"))
        .then(pl.col("campaign_flagged_at"))
        .when(pl.col("_harvested_at").is_not_null())
        .then(pl.max_horizontal("campaign_flagged_at", "_harvested_at"))
    )
    df = (
        df.join(harvested, on="account_id", how="left")
        .with_columns(gated.alias("campaign_flagged_at"))
        .filter(pl.col("campaign_flagged_at").is_not_null())
        .drop("_harvested_at", "member_acted")
    )
    # An account in several campaigns keeps the earliest flag and the riskiest campaign id.
    return (
        df.sort("campaign_flagged_at")
        .group_by("account_id", maintain_order=True)
        .agg(
            pl.col("campaign_id").sort_by("campaign_risk", descending=True).first(),
            pl.col("campaign_risk").max(),
            pl.col("campaign_flagged_at").min(),
            pl.col("campaign_reasons").sort_by("campaign_risk", descending=True).first(),
        )
    )
