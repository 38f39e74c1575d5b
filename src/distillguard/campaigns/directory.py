"""Account attributes keyed by a dense integer index, and the actor each account belongs to.

An *actor* is a verified organisation (all its verified accounts) or a lone account. A declared
relation is no concealment, so campaign evidence is counted between actors, never between two
accounts of one verified organisation. Allowlisted accounts form actors of their own, so an
actor is either wholly exempt from action or not at all.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from distillguard.events.schema import ACCOUNT_SCHEMA

US_PER_S = 1_000_000
# Signup-window keys on two grids offset by half a window (a burst across a boundary is one key).
SIGNUP_COLUMNS = ("signup0", "signup1")


class AccountDirectory:
    """Dense index over the accounts table, extended (with null attributes) for unknown ids."""

    def __init__(self, accounts: pa.Table, signup_window_s: int) -> None:
        self._window_us = signup_window_s * US_PER_S
        missing = [f.name for f in ACCOUNT_SCHEMA if f.name not in accounts.column_names]
        if missing:
            raise ValueError(f"accounts table lacks columns {missing} of ACCOUNT_SCHEMA")
        table = accounts.select([f.name for f in ACCOUNT_SCHEMA]).cast(ACCOUNT_SCHEMA)
        df = pl.from_arrow(table)
        assert isinstance(df, pl.DataFrame)
        dupes = df.filter(pl.col("account_id").is_duplicated())["account_id"].unique()
        if dupes.len():
            raise ValueError(f"accounts table repeats account_id {dupes.head(5).to_list()}")
        self._frame = self._shape(df)
        self.unknown_accounts = 0

    def _shape(self, df: pl.DataFrame) -> pl.DataFrame:
        verified_org = pl.col("verified").fill_null(False) & pl.col("org_id").is_not_null()
        actor = (
            pl.when(verified_org)
            .then(pl.lit("org:") + pl.col("org_id"))
            .otherwise(pl.lit("acct:") + pl.col("account_id"))
        )
        return df.select(
            pl.col("account_id"),
            pl.col("created_at").dt.epoch("us").alias("created_us"),
            pl.col("email_domain"),
            pl.col("payment_fingerprint").alias("payment"),
            pl.col("signup_channel").alias("channel"),
            pl.col("org_id"),
            pl.col("verified").fill_null(False),
            pl.col("allowlist"),
            pl.when(pl.col("allowlist").is_not_null())
            .then(pl.lit("allow:") + actor)
            .otherwise(actor)
            .alias("actor_name"),
            *[
                pl.format(
                    "{}|{}|{}",
                    pl.col("signup_channel"),
                    pl.lit(grid),
                    (pl.col("created_at").dt.epoch("us") + grid * self._window_us // 2)
                    // self._window_us,
                ).alias(name)
                for grid, name in enumerate(SIGNUP_COLUMNS)
            ],
        ).with_row_index("acct")

    @property
    def frame(self) -> pl.DataFrame:
        """One row per account: ``acct`` index, attributes, ``actor_name``."""
        return self._frame

    def index_of(self, account_ids: pl.Series) -> pl.Series:
        """Dense indices of ``account_ids``; ids missing from the accounts table are added."""
        ids = pl.DataFrame({"account_id": account_ids.cast(pl.Utf8)})
        known = self._frame.select("account_id", "acct")
        new = ids.unique().join(known, on="account_id", how="anti").sort("account_id")
        if new.height:
            self.unknown_accounts += new.height
            empty = pl.from_arrow(ACCOUNT_SCHEMA.empty_table())
            assert isinstance(empty, pl.DataFrame)
            added = pl.concat([empty, new.select("account_id")], how="diagonal")
            shaped = self._shape(added).with_columns(pl.col("acct") + self._frame.height)
            self._frame = pl.concat([self._frame, shaped.cast(self._frame.schema)])
            known = self._frame.select("account_id", "acct")
        return ids.join(known, on="account_id", how="left", maintain_order="left")["acct"]
