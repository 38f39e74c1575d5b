"""Per-account activity totals: what pooled scoring and campaign timelines add up.

Each function maps a chunk of slim rows (with ``acct``) to partial totals keyed by account
(or by time bucket); partials of successive chunks merge by sum/min/max.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from distillguard.campaigns.accumulate import Agg, DistinctRows, KeyedTotals
from distillguard.campaigns.bloom import mix64
from distillguard.campaigns.rows import INFRA_COLUMNS
from distillguard.signals.schema import INTENT_SCORE_COLUMNS

US_PER_HOUR = 3_600_000_000
INFRA_KINDS = tuple(INFRA_COLUMNS)
_KIND_SALT = {k: np.uint64(i + 1) for i, k in enumerate((*INFRA_KINDS, "payment", "signup"))}

STATS_MERGE: dict[str, Agg] = {
    "n": "sum",
    "harvest": "sum",
    **{c: "sum" for c in INTENT_SCORE_COLUMNS},
    "harvest_intent": "sum",
    "single": "sum",
    "outmax": "sum",
    "sync_size": "sum",
    "first_ts": "min",
    "last_ts": "max",
}
STATS_SCHEMA = pl.Schema(
    {
        "acct": pl.UInt32(),
        "n": pl.UInt32(),
        "harvest": pl.Float64(),
        **{c: pl.Float64() for c in INTENT_SCORE_COLUMNS},
        "harvest_intent": pl.UInt32(),
        "single": pl.UInt32(),
        "outmax": pl.UInt32(),
        "sync_size": pl.UInt32(),
        "first_ts": pl.Int64(),
        "last_ts": pl.Int64(),
    }
)
# Topics and hours are keyed by ``acct << 32 | low 32 bits`` (see ``unpack``).
PACKED_SCHEMA = pl.Schema({"k": pl.UInt64(), "n": pl.UInt32()})
# Which account used which infrastructure value: ``k`` hashes (kind, value, acct).
INFRA_SCHEMA = pl.Schema(
    {
        "k": pl.UInt64(),
        "acct": pl.UInt32(),
        "kind": pl.Utf8(),
        "value": pl.Utf8(),
    }
)
BUCKET_SCHEMA = pl.Schema({"bucket": pl.Int64(), "n": pl.UInt32()})


DETAILS = ("topics", "hours")


def new_totals() -> dict[str, KeyedTotals | DistinctRows]:
    """Empty running state for the summaries read in full at each checkpoint.

    ``summarise`` also produces the per-account ``DETAILS``, kept as ``PackedDetail``.
    """
    return {
        "stats": KeyedTotals(STATS_SCHEMA, "acct", STATS_MERGE),
        "infra": DistinctRows(INFRA_SCHEMA, "k"),
        "buckets": KeyedTotals(BUCKET_SCHEMA, "bucket", {"n": "sum"}),
    }


def summarise(rows: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Partial totals of one chunk; ``rows`` carry ``acct`` and ``bucket``.

    ``sync_size`` counts distinct (template, bucket) pairs: the size of the account's lockstep
    set (in templates) before single-account keys are dropped, the union pairwise Jaccard
    needs. Two-column groupings use one packed 64-bit key: much faster than a multi-key
    group-by, and exact for the integer pairs.
    """
    acct = rows["acct"].to_numpy().astype(np.uint64)
    acct_hi = acct << np.uint64(32)
    tb = mix64(
        rows["template_hash"].to_numpy() ^ mix64(rows["bucket"].to_numpy().astype(np.uint64))
    )
    sync = (
        pl.DataFrame({"acct": rows["acct"], "k": tb ^ mix64(acct)})
        .unique("k")
        .group_by("acct")
        .agg(pl.len().alias("sync_size"))
    )
    stats = (
        rows.group_by("acct")
        .agg(
            pl.len().alias("n"),
            pl.col("harvest").sum(),
            *[pl.col(c).sum() for c in INTENT_SCORE_COLUMNS],
            pl.col("harvest_intent").sum(),
            pl.col("single_turn").sum().alias("single"),
            pl.col("output_max").sum().alias("outmax"),
            pl.col("ts").min().alias("first_ts"),
            pl.col("ts").max().alias("last_ts"),
        )
        .join(sync, on="acct")
        .cast(STATS_SCHEMA)
    )
    topic = rows["topic"].to_numpy().astype(np.uint32).astype(np.uint64)
    topics = pl.DataFrame({"k": acct_hi | topic}).group_by("k").len("n").cast(PACKED_SCHEMA)
    hour = (rows["ts"].to_numpy() // US_PER_HOUR).astype(np.uint64)
    hours = pl.DataFrame({"k": acct_hi | hour}).group_by("k").len("n").cast(PACKED_SCHEMA)
    infra = pl.concat(
        [_infra_rows(rows, acct, kind, col) for kind, col in INFRA_COLUMNS.items()]
    ).cast(INFRA_SCHEMA)
    buckets = rows.group_by("bucket").len("n").cast(BUCKET_SCHEMA)
    return {"stats": stats, "topics": topics, "hours": hours, "infra": infra, "buckets": buckets}


def unpack(packed: pl.DataFrame, low: str) -> pl.DataFrame:
    """(acct, ``low``, n) from a table keyed by ``acct << 32 | low``."""
    k = packed["k"].to_numpy()
    return pl.DataFrame(
        {
            "acct": (k >> np.uint64(32)).astype(np.uint32),
            low: (k & np.uint64(0xFFFFFFFF)).astype(np.uint32).view(np.int32).astype(np.int64),
            "n": packed["n"],
        }
    )


def link_key(kind: str, values: pl.Series) -> npt.NDArray[np.uint64]:
    """One 64-bit key per (kind, value) of a link key (an infra row's ``k`` is this XOR the
    hashed account, so the graph recovers it without hashing text again)."""
    return mix64(values.hash(seed=7).to_numpy() ^ _KIND_SALT[kind])


def _infra_rows(
    rows: pl.DataFrame, acct: npt.NDArray[np.uint64], kind: str, col: str
) -> pl.DataFrame:
    """(k, acct, kind, value) once per account and value of one infrastructure column."""
    value = rows[col]
    key = link_key(kind, value) ^ mix64(acct)
    frame = pl.DataFrame({"k": key, "acct": rows["acct"], "value": value}).filter(
        pl.col("value").is_not_null()
    )
    return frame.unique("k").select("k", "acct", pl.lit(kind).alias("kind"), "value")
