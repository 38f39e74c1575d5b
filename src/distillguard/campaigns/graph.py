"""The evidence graph: actors x evidence keys, each key weighted by how much it says.

Built only from keyed group-bys (never pairs of accounts): an actor links to a key it uses, and
two actors are linked through every key they share. Keys:

* ``fam``  a template band (paraphrases of one template family share a band),
* ``sync`` a (template band, time bucket) pair: lockstep co-activity,
* ``net``, ``asn``, ``tls``, ``ua`` shared infrastructure, ``payment`` a payment fingerprint,
  ``signup`` a signup window of one channel (accounts created in a burst).

Column weights follow Fraudar, 1 / log(c + degree), so a key shared by very many actors counts
little. Infrastructure, payment and signup keys are further scaled by their *coherence*: the
share of their actors that also share rare templates with another actor of the key. A NAT or a
cloud egress of unrelated users (diverse templates) thus fades out, learned from the data with
no hand list, while a proxy pool whose accounts run the same templates keeps its weight.
Coherence uses weighted MinHash races (IDF weights), so a popular template shared by chance
does not make a key coherent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import polars as pl
import scipy.sparse as sp

from distillguard.campaigns.activity import INFRA_KINDS
from distillguard.campaigns.bands import band_hex
from distillguard.campaigns.bloom import mix64
from distillguard.campaigns.directory import SIGNUP_COLUMNS
from distillguard.campaigns.lockstep import pair_jaccard
from distillguard.campaigns.model import CampaignConfig, PairEvidence
from distillguard.campaigns.weights import STRONG, coherence, coordination, fraudar, surprise
from distillguard.signals.schema import INTENT_SCORE_COLUMNS

LINK_KINDS = (*INFRA_KINDS, "payment", "signup")
KINDS = ("fam", "sync", *LINK_KINDS)
KIND_CODE = {k: i for i, k in enumerate(KINDS)}
ACTOR_SUMS = (
    "accounts",
    "young_unverified",
    "n",
    "harvest",
    *INTENT_SCORE_COLUMNS,
    "harvest_intent",
    "single",
    "outmax",
    "sync_size",
)
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GraphInputs:
    """Accumulated state at a checkpoint (frames of the tracker's schemas)."""

    directory: pl.DataFrame
    stats: pl.DataFrame
    pairs: pl.DataFrame
    sync: pl.DataFrame
    infra: pl.DataFrame
    buckets: pl.DataFrame
    as_of_us: int


@dataclass
class EvidenceGraph:
    """Weighted actors x keys matrix plus the per-actor traffic totals pooled scoring sums."""

    accounts: pl.DataFrame
    actors: pl.DataFrame
    matrix: sp.csr_matrix
    kind: npt.NDArray[np.int8]
    weight: Floats
    degree: npt.NDArray[np.int64]
    # Per-key factor in [0, 1]: coordination (bands), surprise (lockstep), coherence (links).
    factor: Floats
    fam_keys: npt.NDArray[np.uint64]
    sync_fam: npt.NDArray[np.uint64]
    sync_bucket: npt.NDArray[np.int64]
    sync_s: npt.NDArray[np.uint64]
    link_values: list[str]
    # 0/1 actors x link keys, kept whatever the key's weight (pooled linkage counts these).
    links: sp.csr_matrix
    fam_requests: sp.csr_matrix
    fam_harvest: sp.csr_matrix
    fam_single: sp.csr_matrix
    fam_outmax: sp.csr_matrix
    sync: sp.csr_matrix
    actor_sums: dict[str, Floats]
    sync_bucket_s: int

    @property
    def n_actors(self) -> int:
        return int(self.matrix.shape[0])

    def columns(self, kind: str) -> npt.NDArray[np.int64]:
        return np.flatnonzero(self.kind == KIND_CODE[kind])

    def link_matrix(self, kind: str) -> sp.csr_matrix:
        """0/1 actors x keys of one link kind, including keys whose weight faded to zero."""
        offset = len(self.fam_keys) + len(self.sync_fam)
        return self.links[:, self.columns(kind) - offset].tocsr()

    def label(self, col: int) -> str:
        """Human-readable key: the band, the band at a bucket, or the infrastructure value."""
        n_fam, n_sync = len(self.fam_keys), len(self.sync_fam)
        if col < n_fam:
            return band_hex(int(self.fam_keys[col]))
        if col < n_fam + n_sync:
            i = col - n_fam
            start = int(self.sync_bucket[i]) * self.sync_bucket_s
            return f"{band_hex(int(self.sync_fam[i]))}@{_iso(start)}"
        return self.link_values[col - n_fam - n_sync]

    def actor_of(self, account_id: str) -> int:
        hit = self.accounts.filter(pl.col("account_id") == account_id)
        if hit.height == 0:
            raise KeyError(f"account {account_id!r} has no activity in the graph")
        return int(hit["actor"][0])

    def explain_pair(self, account_a: str, account_b: str) -> PairEvidence:
        """The keys two accounts' actors share, their shared lockstep buckets and Jaccard."""
        a, b = self.actor_of(account_a), self.actor_of(account_b)
        shared = np.intersect1d(self.matrix[a].indices, self.matrix[b].indices)
        by_kind: dict[str, list[str]] = {}
        for col in shared:
            by_kind.setdefault(KINDS[self.kind[col]], []).append(self.label(int(col)))
        sync_cols = shared[self.kind[shared] == KIND_CODE["sync"]] - len(self.fam_keys)
        sizes = self.actor_sums["sync_size"]
        return PairEvidence(
            account_a=account_a,
            account_b=account_b,
            shared={k: sorted(v) for k, v in sorted(by_kind.items())},
            shared_sync_buckets=len(np.unique(self.sync_bucket[sync_cols])),
            lockstep_jaccard=round(pair_jaccard(self.sync, sizes, a, b), 4),
            weight=round(float(self.weight[shared].sum()), 4),
        )


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat()


def build_graph(inputs: GraphInputs, config: CampaignConfig) -> EvidenceGraph:
    """Weighted evidence graph of the accounts active at the checkpoint."""
    young_us = int(config.young_days * 86_400 * 1_000_000)
    accounts = _active_accounts(inputs).with_columns(
        pl.lit(1).alias("accounts"),
        (
            ~pl.col("verified")
            & (pl.col("created_us").fill_null(pl.col("first_ts")) >= pl.col("first_ts") - young_us)
        ).alias("young_unverified"),
    )
    actors = (
        accounts.group_by("actor_name")
        .agg(pl.len().alias("n_accounts"), pl.col("allowlist").is_not_null().all().alias("allow"))
        .sort("actor_name")
        .with_row_index("actor")
    )
    accounts = accounts.join(actors.select("actor_name", "actor"), on="actor_name")
    n_actors = actors.height

    actor_of = np.zeros(max(int(inputs.directory.height), 1), dtype=np.uint32)
    actor_of[accounts["acct"].to_numpy()] = accounts["actor"].to_numpy()
    merged = accounts.height > n_actors  # some verified organisation spans accounts
    fam = _actor_bands(inputs.pairs, actor_of, merged)
    fam_cols = fam.select("fam").unique().sort("fam").with_row_index("col")
    fam = fam.join(fam_cols, on="fam")
    sync = _actor_sync(inputs.sync, actor_of, merged)
    sync_cols = (
        sync.group_by("s")
        .agg(pl.col("fam").first(), pl.col("bucket").first())
        .sort("fam", "bucket")
        .with_row_index("col")
    )
    sync = sync.join(sync_cols.select("s", "col"), on="s")
    link = _bursts_only(_link_incidence(inputs, accounts), accounts, inputs.as_of_us, config)
    link_cols = (
        link.group_by("key")
        .agg(pl.col("kind", "value").first())
        .sort("kind", "value")
        .with_row_index("col")
    )
    link = link.join(link_cols.select("key", "col"), on="key")

    n_fam, n_sync, n_link = fam_cols.height, sync_cols.height, link_cols.height
    sync_cols = sync_cols.select("col", "fam", "bucket", "s")
    rows = np.concatenate(
        [fam["actor"].to_numpy(), sync["actor"].to_numpy(), link["actor"].to_numpy()]
    ).astype(np.int64)
    cols = np.concatenate(
        [
            fam["col"].to_numpy(),
            sync["col"].to_numpy() + n_fam,
            link["col"].to_numpy() + n_fam + n_sync,
        ]
    ).astype(np.int64)
    n_cols = n_fam + n_sync + n_link
    degree = np.bincount(cols, minlength=n_cols).astype(np.int64)
    kind = np.concatenate(
        [
            np.full(n_fam, KIND_CODE["fam"], dtype=np.int8),
            np.full(n_sync, KIND_CODE["sync"], dtype=np.int8),
            link_cols["kind"].replace_strict(KIND_CODE, return_dtype=pl.Int8).to_numpy(),
        ]
    )
    factor = _factors(inputs, fam, sync, sync_cols, link, degree, n_fam, n_sync, n_link, config)
    # Keys explained by chance or common infrastructure carry no weight (and cost no peeling).
    factor[factor < config.min_key_factor] = 0.0
    weight = factor * fraudar(degree, config.fraudar_c)
    matrix = sp.csr_matrix((weight[cols], (rows, cols)), shape=(n_actors, n_cols), dtype=np.float64)
    matrix.eliminate_zeros()

    def fam_matrix(col: str) -> sp.csr_matrix:
        values = fam[col].cast(pl.Float64).to_numpy()
        return sp.csr_matrix(
            (values, (fam["actor"].to_numpy(), fam["col"].to_numpy())), shape=(n_actors, n_fam)
        )

    links = sp.csr_matrix(
        (np.ones(link.height), (link["actor"].to_numpy(), link["col"].to_numpy())),
        shape=(n_actors, n_link),
    )
    sync_matrix = sp.csr_matrix(
        (np.ones(sync.height), (sync["actor"].to_numpy(), sync["col"].to_numpy())),
        shape=(n_actors, n_sync),
    )
    return EvidenceGraph(
        accounts=accounts,
        actors=actors,
        matrix=matrix,
        kind=kind,
        weight=weight,
        degree=degree,
        factor=factor,
        fam_keys=fam_cols["fam"].to_numpy(),
        sync_fam=sync_cols["fam"].to_numpy(),
        sync_bucket=sync_cols["bucket"].to_numpy(),
        sync_s=sync_cols["s"].to_numpy(),
        link_values=[f"{k}:{v}" for k, v in link_cols.select("kind", "value").iter_rows()],
        links=links,
        fam_requests=fam_matrix("n"),
        fam_harvest=fam_matrix("harvest"),
        fam_single=fam_matrix("single"),
        fam_outmax=fam_matrix("outmax"),
        sync=sync_matrix,
        actor_sums=_actor_sums(accounts, n_actors, config.family_bands),
        sync_bucket_s=config.sync_bucket_s,
    )


def _actor_bands(
    pairs: pl.DataFrame, actor_of: npt.NDArray[np.uint32], merged: bool
) -> pl.DataFrame:
    """(actor, fam, totals) on bands shared by two or more actors.

    Pairs are unique per account already; only when accounts merge into organisations do
    they need summing per actor.
    """
    actor = actor_of[pairs["acct"].to_numpy()]
    out = pairs.select("fam", "n", "harvest", "single", "outmax").with_columns(
        pl.Series("actor", actor)
    )
    if merged:
        key = pairs["fam"].to_numpy() ^ mix64(actor.astype(np.uint64))
        out = (
            out.with_columns(pl.Series("k", key, dtype=pl.UInt64))
            .group_by("k")
            .agg(pl.col("actor", "fam").first(), pl.col("n", "harvest", "single", "outmax").sum())
            .drop("k")
        )
    return out.filter(pl.len().over("fam") >= 2)


def sync_key(fam: npt.NDArray[np.uint64], bucket: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
    """One 64-bit key per lockstep key (band, bucket)."""
    return fam ^ mix64(bucket.astype(np.uint64))


def _actor_sync(sync: pl.DataFrame, actor_of: npt.NDArray[np.uint32], merged: bool) -> pl.DataFrame:
    """(actor, fam, bucket, s) on lockstep keys ``s`` shared by two or more actors.

    Stored rows are unique per account (chunks hold disjoint buckets); only merged
    organisations need de-duplicating per actor.
    """
    actor = actor_of[sync["acct"].to_numpy()]
    skey = sync_key(sync["fam"].to_numpy(), sync["bucket"].to_numpy())
    out = sync.select("fam", "bucket").with_columns(
        pl.Series("actor", actor), pl.Series("s", skey, dtype=pl.UInt64)
    )
    if merged:
        key = skey ^ mix64(actor.astype(np.uint64) + np.uint64(1 << 40))
        out = out.with_columns(pl.Series("k", key, dtype=pl.UInt64)).unique("k").drop("k")
    return out.filter(pl.len().over("s") >= 2)


def _active_accounts(inputs: GraphInputs) -> pl.DataFrame:
    """Accounts with at least one request so far, with attributes and activity totals."""
    return inputs.stats.join(inputs.directory, on="acct", how="inner").sort("acct")


def _link_incidence(inputs: GraphInputs, accounts: pl.DataFrame) -> pl.DataFrame:
    """(actor, kind, value) for infrastructure, payment and signup-window keys."""
    acct_actor = accounts.select("acct", "actor")
    infra = inputs.infra.join(acct_actor, on="acct").select("actor", "kind", "value")
    payment = accounts.select(
        "actor", pl.lit("payment").alias("kind"), pl.col("payment").alias("value")
    )
    born = accounts.filter(pl.col("created_us") <= inputs.as_of_us)
    signup = [
        born.select("actor", pl.lit("signup").alias("kind"), pl.col(c).alias("value"))
        for c in SIGNUP_COLUMNS
    ]
    link = pl.concat([f.cast({"actor": pl.UInt32}) for f in (infra, payment, *signup)])
    link = link.filter(pl.col("value").is_not_null())
    key = mix64(
        link.select(pl.concat_str("kind", "value", separator=":").hash(seed=11))
        .to_series()
        .to_numpy()
    )
    unique = key ^ mix64(link["actor"].to_numpy().astype(np.uint64))
    return (
        link.with_columns(pl.Series("key", key), pl.Series("u", unique))
        .unique("u")
        .drop("u")
        .filter(pl.len().over("key") >= 2)
    )


def _bursts_only(
    link: pl.DataFrame, accounts: pl.DataFrame, as_of_us: int, config: CampaignConfig
) -> pl.DataFrame:
    """Drop signup windows that are no burst: as many signups as the channel's rate explains.

    A window's surprise is the probability that no window of the channel's signup history
    would reach its count by chance (Poisson at the channel's mean rate), as for lockstep keys.
    """
    window_us = config.signup_window_s * 1_000_000
    born = (
        accounts.filter((pl.col("created_us") <= as_of_us) & pl.col("channel").is_not_null())
        .group_by("channel")
        .agg(
            pl.len().alias("total"),
            ((pl.col("created_us").max() - pl.col("created_us").min()) // window_us + 1).alias(
                "windows"
            ),
        )
    )
    signup = link.filter(pl.col("kind") == "signup")
    if signup.height == 0:
        return link
    keys = (
        signup.group_by("key")
        .agg(pl.len().alias("count"), pl.col("value").first())
        .with_columns(pl.col("value").str.split("|").list.first().alias("channel"))
        .join(born, on="channel", how="left")
    )
    windows = keys["windows"].fill_null(1).to_numpy().astype(np.float64)
    burst = surprise(
        keys["count"].to_numpy(),
        keys["total"].fill_null(0).cast(pl.Float64).to_numpy(),
        1.0 / windows,
        max(int(windows.max()), 1),
    )
    bursts = keys.filter(pl.Series(burst >= config.min_key_factor)).select("key")
    return pl.concat(
        [link.filter(pl.col("kind") != "signup"), signup.join(bursts, on="key", how="semi")]
    )


def _factors(
    inputs: GraphInputs,
    fam: pl.DataFrame,
    sync: pl.DataFrame,
    sync_cols: pl.DataFrame,
    link: pl.DataFrame,
    degree: npt.NDArray[np.int64],
    n_fam: int,
    n_sync: int,
    n_link: int,
    config: CampaignConfig,
) -> Floats:
    """Weight factors of every column, in column order (see ``weights``)."""
    buckets = inputs.buckets
    total = max(float(buckets["n"].sum()), 1.0)
    band_requests = fam.group_by("col").agg(
        pl.col("fam").first(), pl.col("n").sum().cast(pl.Float64)
    )
    keyed = (
        sync_cols.join(band_requests.select("fam", pl.col("col").alias("fam_col"), "n"), on="fam")
        .join(
            buckets.select("bucket", (pl.col("n") / total).alias("share")), on="bucket", how="left"
        )
        .sort("col")
    )
    sync_factor = surprise(
        degree[n_fam : n_fam + n_sync],
        keyed["n"].to_numpy(),
        keyed["share"].fill_null(0.0).to_numpy(),
        max(buckets.height, 1),
    )
    link_factor = coherence(
        fam, link.select("actor", "col"), n_link, int(inputs.stats.height), config.coherence_races
    )
    strong_sync = sync.join(
        keyed.filter(pl.Series(sync_factor >= STRONG)).select("col", "fam_col"), on="col"
    ).select("actor", "fam_col")
    strong_link = link.filter(pl.Series(link_factor[link["col"].to_numpy()] >= STRONG)).select(
        "actor", pl.col("col").alias("link")
    )
    fam_factor = coordination(fam.select("actor", "col"), n_fam, strong_sync, strong_link)
    return np.concatenate([fam_factor, sync_factor, link_factor])


def _actor_sums(accounts: pl.DataFrame, n_actors: int, bands: int) -> dict[str, Floats]:
    """Per-actor totals; ``sync_size`` is converted from templates to band keys."""
    by_actor = accounts.group_by("actor").agg(
        *[pl.col(c).cast(pl.Float64).sum() for c in ACTOR_SUMS],
        pl.col("first_ts").min(),
        pl.col("last_ts").max(),
    )
    idx = by_actor["actor"].to_numpy()
    out: dict[str, Floats] = {}
    for c in (*ACTOR_SUMS, "first_ts", "last_ts"):
        arr = np.zeros(n_actors)
        arr[idx] = by_actor[c].cast(pl.Float64).to_numpy()
        out[c] = arr
    out["sync_size"] *= bands
    return out
