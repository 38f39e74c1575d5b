"""Slim per-request rows: the only columns of the signals that campaign detection keeps.

Stateless and row-wise, so it runs per batch anywhere. Definitions match the per-account
stage (harvest = clipped sum of the intent probabilities, single-turn = at most a system
prompt and one user message) so pooled and per-account figures compare.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from distillguard.signals.schema import INTENT_SCORE_COLUMNS, SIGNAL_SCHEMA

SINGLE_TURN_MAX_MESSAGES = 2
# Infrastructure columns that can link accounts, and the key kind each becomes.
INFRA_COLUMNS = {"net": "net_prefix", "asn": "asn", "tls": "tls_fingerprint", "ua": "user_agent"}


def to_frame(batch: pa.Table | pa.RecordBatch) -> pl.DataFrame:
    """Validate a signals batch (SIGNAL_SCHEMA, or any table with the columns campaign
    detection reads) and return the slim rows (``account_id`` still text)."""
    table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    keep = [
        "ts",
        "account_id",
        "intent",
        *INTENT_SCORE_COLUMNS,
        "n_turns",
        "output_max",
        "topic",
        "template_hash",
        "lsh_bands",
        *INFRA_COLUMNS.values(),
    ]
    missing = [name for name in keep if name not in table.column_names]
    if missing:
        raise ValueError(f"signals batch lacks columns {missing} of SIGNAL_SCHEMA")
    schema = pa.schema([SIGNAL_SCHEMA.field(name) for name in keep])
    df = pl.from_arrow(table.select(keep).cast(schema))
    assert isinstance(df, pl.DataFrame)
    nulls = df.select(pl.col("ts", "account_id", "lsh_bands").null_count()).row(0)
    if any(nulls):
        raise ValueError("signals batch has null ts, account_id or lsh_bands")
    harvest = pl.sum_horizontal([pl.col(c) for c in INTENT_SCORE_COLUMNS]).clip(0.0, 1.0)
    return df.select(
        pl.col("ts").dt.epoch("us").alias("ts"),
        pl.col("account_id"),
        harvest.cast(pl.Float32).alias("harvest"),
        *[pl.col(c) for c in INTENT_SCORE_COLUMNS],
        (pl.col("intent") != "benign").alias("harvest_intent"),
        (pl.col("n_turns") <= SINGLE_TURN_MAX_MESSAGES).alias("single_turn"),
        pl.col("output_max"),
        pl.col("topic"),
        pl.col("template_hash"),
        pl.col("lsh_bands"),
        *[pl.col(c) for c in INFRA_COLUMNS.values()],
    )
