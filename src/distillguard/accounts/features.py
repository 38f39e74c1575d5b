"""Per-account behaviour, evaluated online: each event carries its account's state so far.

Every feature is a cumulative statistic over the account's events at or before the event
(window functions over the account partition), so a score computed from row *i* never sees
the future. The stage needs only one account's events at a time, so it runs per partition.
"""

from __future__ import annotations

import math

import polars as pl
import pyarrow as pa

from distillguard.accounts.runs import pair_runs
from distillguard.signals.schema import INTENT_SCORE_COLUMNS

HOURS_PER_DAY = 24
# Messages in a request that still count as single-turn: an optional system prompt + a user turn.
SINGLE_TURN_MAX_MESSAGES = 2

ACCOUNT_FEATURES = (
    "n",
    "harvest_share",
    "harvest_mass",
    "harvest_count",
    "cot_share",
    "rubric_share",
    "censor_share",
    "agentic_share",
    "sweep_share",
    "single_turn_share",
    "template_top_share",
    "distinct_templates",
    "distinct_topics",
    "output_max_share",
    "output_token_share",
    "gap_cv",
    "diurnal_entropy",
    "peak_hour_events",
    "age_at_first_use_h",
    "rerun_share",
    "model_top_share",
)
# The signal columns the features read.
INPUT_COLUMNS = [
    "ts",
    "request_id",
    "account_id",
    "model",
    "intent",
    *INTENT_SCORE_COLUMNS,
    "n_turns",
    "template_hash",
    "prompt_hash",
    "topic",
    "prompt_tokens",
    "completion_tokens",
    "output_max",
]
# An exact prompt sent again at least this long after its previous send is a re-run (an
# evaluation harness re-running its item set), not resampling the same prompt in one burst.
RERUN_MIN_GAP_H = 6


def online_account_features(signals: pa.Table, accounts: pa.Table | None = None) -> pa.Table:
    """Return ``signals``' key columns plus the account's cumulative features at each event.

    ``signals`` is a SIGNAL_SCHEMA table; rows are sorted by (account_id, ts, request_id)
    inside, so callers may pass any order and any subset of whole accounts.
    """
    df = pl.from_arrow(signals.select(INPUT_COLUMNS))  # a copy of these columns only
    assert isinstance(df, pl.DataFrame)
    df = df.sort(["account_id", "ts", "request_id"])
    acct = "account_id"
    harvest = pl.sum_horizontal([pl.col(c) for c in INTENT_SCORE_COLUMNS]).clip(0.0, 1.0)
    n = pl.int_range(1, pl.len() + 1).over(acct)
    gap_s = (pl.col("ts").diff().dt.total_microseconds() / 1e6).over(acct).fill_null(0.0)
    # Running count of the current (account, key) pair: c_k after this event.
    pairs = df.select(
        pl.col(acct).ne_missing(pl.col(acct).shift()).cum_sum().alias("_acct"),
        "ts",
        "template_hash",
        "model",
        "prompt_hash",
        "topic",
        pl.col("ts").dt.hour().alias("hour"),
        pl.col("ts").dt.truncate("1h").alias("hour_bucket"),
    )
    per_tmpl, per_hour, per_bucket, per_model, per_topic = (
        pair_runs(pairs, "_acct", key)["count"]
        for key in ("template_hash", "hour", "hour_bucket", "model", "topic")
    )
    previous_send = pl.lit(pair_runs(pairs, "_acct", "prompt_hash", previous=["ts"])["previous_ts"])
    del pairs
    rerun = previous_send.is_not_null() & (
        (pl.col("ts") - previous_send).dt.total_hours() >= RERUN_MIN_GAP_H
    )
    first_topic = (pl.lit(per_topic) == 1).cast(pl.Int64)
    completion = pl.col("completion_tokens").fill_null(0).cast(pl.Float64)
    prompt = pl.col("prompt_tokens").fill_null(0).cast(pl.Float64)

    df = df.with_columns(
        n.alias("n"),
        harvest.alias("_harvest"),
        per_tmpl.alias("_per_tmpl"),
        per_hour.alias("_per_hour"),
        per_bucket.alias("_per_bucket"),
        per_model.alias("_per_model"),
        rerun.cast(pl.Float64).alias("_rerun"),
        first_topic.alias("_first_topic"),
        gap_s.alias("_gap"),
        (completion / (completion + prompt).clip(1.0, None)).alias("_out_share"),
    )
    # Incremental sum of c·log c over hours: entropy = log n − S/n, exact at every event.
    c = pl.col("_per_hour").cast(pl.Float64)
    clogc_delta = c * c.log() - (c - 1) * (c - 1).clip(1.0, None).log()
    gap_n = (pl.col("n") - 1).clip(1, None).cast(pl.Float64)
    gap_mean = pl.col("_gap").cum_sum().over(acct) / gap_n
    gap_sq = (pl.col("_gap") ** 2).cum_sum().over(acct) / gap_n
    nf = pl.col("n").cast(pl.Float64)
    df = df.with_columns(
        pl.col("_harvest").cum_sum().over(acct).alias("harvest_mass"),
        (pl.col("intent") != "benign").cast(pl.Int64).cum_sum().over(acct).alias("harvest_count"),
        *[
            (pl.col(col).cast(pl.Float64).cum_sum().over(acct) / nf).alias(name)
            for col, name in zip(
                INTENT_SCORE_COLUMNS,
                ("cot_share", "rubric_share", "censor_share", "agentic_share", "sweep_share"),
                strict=True,
            )
        ],
        (
            (pl.col("n_turns") <= SINGLE_TURN_MAX_MESSAGES).cast(pl.Float64).cum_sum().over(acct)
            / nf
        ).alias("single_turn_share"),
        (pl.col("_per_tmpl").cum_max().over(acct) / nf).alias("template_top_share"),
        (pl.col("_per_tmpl") == 1).cast(pl.Int64).cum_sum().over(acct).alias("distinct_templates"),
        pl.col("_first_topic").cum_sum().over(acct).alias("distinct_topics"),
        (pl.col("output_max").cast(pl.Float64).cum_sum().over(acct) / nf).alias("output_max_share"),
        (pl.col("_out_share").cum_sum().over(acct) / nf).alias("output_token_share"),
        pl.when(pl.col("n") >= 3)
        .then(((gap_sq - gap_mean**2).clip(0.0, None).sqrt()) / gap_mean.clip(1e-6, None))
        .otherwise(None)
        .alias("gap_cv"),
        (nf.log() - clogc_delta.cum_sum().over(acct) / nf).alias("diurnal_entropy"),
        pl.col("_per_bucket").cum_max().over(acct).alias("peak_hour_events"),
        (pl.col("_rerun").cum_sum().over(acct) / nf).alias("rerun_share"),
        (pl.col("_per_model").cum_max().over(acct) / nf).alias("model_top_share"),
    )
    df = df.with_columns((pl.col("harvest_mass") / nf).alias("harvest_share"))
    df = _with_account_age(df, accounts)
    keep = ["ts", "request_id", "account_id", "model", *ACCOUNT_FEATURES]
    return df.select(keep).to_arrow()


def _with_account_age(df: pl.DataFrame, accounts: pa.Table | None) -> pl.DataFrame:
    """Hours between account creation and its first request (null when unknown)."""
    first_use = pl.col("ts").min().over("account_id")
    if accounts is None or accounts.num_rows == 0:
        return df.with_columns(pl.lit(None, dtype=pl.Float64).alias("age_at_first_use_h"))
    created = pl.from_arrow(accounts.select(["account_id", "created_at"]))
    assert isinstance(created, pl.DataFrame)
    df = df.join(created, on="account_id", how="left")
    age = (first_use - pl.col("created_at")).dt.total_seconds() / 3600.0
    return df.with_columns(age.alias("age_at_first_use_h")).drop("created_at")


MAX_DIURNAL_ENTROPY = math.log(HOURS_PER_DAY)
