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

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

import numpy as np
import numpy.typing as npt
import polars as pl
import scipy.sparse as sp
from numba import njit

from distillguard.campaigns.activity import INFRA_KINDS, link_key
from distillguard.campaigns.bands import band_hex
from distillguard.campaigns.bloom import mix64
from distillguard.campaigns.directory import SIGNUP_COLUMNS
from distillguard.campaigns.groupsum import csr_arrays
from distillguard.campaigns.lockstep import pair_jaccard
from distillguard.campaigns.model import CampaignConfig, PairEvidence
from distillguard.campaigns.weights import (
    STRONG,
    BandEntries,
    Bands,
    coherence,
    coordination,
    fraudar,
    surprise,
)
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
    # (kind, value) of each link column, in column order.
    link_keys: pl.DataFrame
    # 0/1 actors x link keys, kept whatever the key's weight (pooled linkage counts these).
    links: sp.csr_matrix
    fam_requests: sp.csr_matrix
    # Per entry of ``fam_requests``: requests, harvest, output-max, single-turn totals.
    fam_values: Floats
    sync: sp.csr_matrix
    actor_sums: dict[str, Floats]
    sync_bucket_s: int
    # ``link_matrix`` per kind, sliced once (campaign evidence asks for each kind many times).
    _link_kinds: dict[str, sp.csr_matrix] = field(default_factory=dict, repr=False)

    @cached_property
    def link_values(self) -> list[str]:
        """``kind:value`` of each link column: made when evidence asks, not per checkpoint."""
        return [f"{k}:{v}" for k, v in self.link_keys.iter_rows()]

    @property
    def n_actors(self) -> int:
        return int(self.matrix.shape[0])

    def columns(self, kind: str) -> npt.NDArray[np.int64]:
        return np.flatnonzero(self.kind == KIND_CODE[kind])

    def link_matrix(self, kind: str) -> sp.csr_matrix:
        """0/1 actors x keys of one link kind, including keys whose weight faded to zero."""
        if kind not in self._link_kinds:
            offset = len(self.fam_keys) + len(self.sync_fam)
            self._link_kinds[kind] = self.links[:, self.columns(kind) - offset].tocsr()
        return self._link_kinds[kind]

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
    accounts = accounts.join(
        actors.select("actor_name", "actor"), on="actor_name", maintain_order="left"
    )
    n_actors = actors.height

    actor_of = np.zeros(max(int(inputs.directory.height), 1), dtype=np.uint32)
    actor_of[accounts["acct"].to_numpy()] = accounts["actor"].to_numpy()
    merged = accounts.height > n_actors  # some verified organisation spans accounts
    joint = actors["n_accounts"].to_numpy() > 1
    bands = _actor_bands(inputs.pairs, actor_of, joint, n_actors)
    sync = _actor_sync(inputs.sync, actor_of, merged)
    sync_cols = (
        sync.group_by("s")
        .agg(pl.col("fam").first(), pl.col("bucket").first())
        .sort("fam", "bucket")
        .with_row_index("col")
    )
    # Entries in (col, actor) order: the factors and kernels below sum floats in entry order,
    # and a join's row order is not fixed (it varies with thread timing).
    sync = sync.join(sync_cols.select("s", "col"), on="s").sort("col", "actor")
    link = _bursts_only(_link_incidence(inputs, accounts), accounts, inputs.as_of_us, config)
    link_cols = (
        link.group_by("key")
        .agg(pl.col("kind", "value").first())
        .sort("kind", "value")
        .with_row_index("col")
    )
    link = link.join(link_cols.select("key", "col"), on="key").sort("col", "actor")

    n_fam, n_sync, n_link = len(bands.keys), sync_cols.height, link_cols.height
    sync_cols = sync_cols.select("col", "fam", "bucket", "s")
    sync_matrix = _incidence(sync, n_actors, n_sync)
    links = _incidence(link, n_actors, n_link)
    degree = np.concatenate(
        [
            bands.degree,
            np.bincount(sync["col"].to_numpy(), minlength=n_sync),
            np.bincount(link["col"].to_numpy(), minlength=n_link),
        ]
    ).astype(np.int64)
    kind = np.concatenate(
        [
            np.full(n_fam, KIND_CODE["fam"], dtype=np.int8),
            np.full(n_sync, KIND_CODE["sync"], dtype=np.int8),
            link_cols["kind"].replace_strict(KIND_CODE, return_dtype=pl.Int8).to_numpy(),
        ]
    )
    factor = _factors(inputs, bands, sync, sync_cols, link, degree, config)
    # Keys explained by chance or common infrastructure carry no weight (and cost no peeling).
    factor[factor < config.min_key_factor] = 0.0
    weight = factor * fraudar(degree, config.fraudar_c)
    fam_requests = sp.csr_matrix(
        (bands.values[:, 0], bands.col, bands.ptr), shape=(n_actors, n_fam)
    )
    parts = [(bands.ptr, bands.col), csr_arrays(sync_matrix), csr_arrays(links)]
    ptr, idx = _side_by_side(
        tuple(p for p, _ in parts),
        tuple(i for _, i in parts),
        np.array([0, n_fam, n_fam + n_sync], dtype=np.int64),
        weight,
    )
    matrix = sp.csr_matrix((weight[idx], idx, ptr), shape=(n_actors, len(weight)))
    return EvidenceGraph(
        accounts=accounts,
        actors=actors,
        matrix=matrix,
        kind=kind,
        weight=weight,
        degree=degree,
        factor=factor,
        fam_keys=bands.keys,
        sync_fam=sync_cols["fam"].to_numpy(),
        sync_bucket=sync_cols["bucket"].to_numpy(),
        sync_s=sync_cols["s"].to_numpy(),
        link_keys=link_cols.select("kind", "value"),
        links=links,
        fam_requests=fam_requests,
        fam_values=bands.values,
        sync=sync_matrix,
        actor_sums=_actor_sums(accounts, n_actors, config.family_bands),
        sync_bucket_s=config.sync_bucket_s,
    )


def _actor_bands(
    pairs: pl.DataFrame,
    actor_of: npt.NDArray[np.uint32],
    joint: npt.NDArray[np.bool_],
    n_actors: int,
) -> Bands:
    """Actors x bands shared by two or more actors, with the per-entry traffic totals.

    ``pairs`` are unique per (fam, acct) and sorted so: each band's users form one run. Only
    the rows of ``joint`` actors (organisations spanning accounts) need summing per actor;
    they are few, and are merged back in band order.
    """
    actor = actor_of[pairs["acct"].to_numpy()].astype(np.int64)
    columns = ("n", "harvest", "outmax", "single")  # BAND_VALUES order
    spans = joint[actor] if len(joint) else np.zeros(len(actor), dtype=bool)
    if not spans.any():
        main = BandEntries(
            pairs["fam"].to_numpy(), actor, tuple(pairs[c].to_numpy() for c in columns)
        )
        return Bands.from_runs(main, None, n_actors)
    rows = pairs.select("fam", *columns).with_columns(pl.Series("actor", actor))
    alone = rows.filter(pl.Series(~spans))
    summed = (
        rows.filter(pl.Series(spans))
        .group_by("fam", "actor")
        .agg(pl.col(*columns).sum())
        .sort("fam", "actor")
    )
    main, extra = (
        BandEntries(
            f["fam"].to_numpy(),
            f["actor"].to_numpy(),
            tuple(f[c].to_numpy() for c in columns),
        )
        for f in (alone, summed)
    )
    return Bands.from_runs(main, extra, n_actors)


@njit(cache=True, nogil=True)
def _side_by_side(
    ptrs: tuple[npt.NDArray[np.int64], ...],
    idxs: tuple[npt.NDArray[np.int64], ...],
    offsets: npt.NDArray[np.int64],
    weight: Floats,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:  # pragma: no cover - compiled
    """CSR structure of blocks placed side by side (block b's columns shifted by
    ``offsets[b]``), without entries whose column weighs nothing; rows stay sorted."""
    n_rows = ptrs[0].shape[0] - 1
    ptr = np.zeros(n_rows + 1, np.int64)
    for b in range(len(ptrs)):
        for r in range(n_rows):
            for e in range(ptrs[b][r], ptrs[b][r + 1]):
                if weight[idxs[b][e] + offsets[b]] != 0.0:
                    ptr[r + 1] += 1
    for r in range(n_rows):
        ptr[r + 1] += ptr[r]
    idx = np.empty(ptr[n_rows], np.int64)
    fill = ptr[:-1].copy()
    for r in range(n_rows):
        for b in range(len(ptrs)):
            for e in range(ptrs[b][r], ptrs[b][r + 1]):
                c = idxs[b][e] + offsets[b]
                if weight[c] != 0.0:
                    idx[fill[r]] = c
                    fill[r] += 1
    return ptr, idx


def _incidence(entries: pl.DataFrame, n_actors: int, n_cols: int) -> sp.csr_matrix:
    """0/1 actors x columns from unique (actor, col) rows."""
    return sp.csr_matrix(
        (np.ones(entries.height), (entries["actor"].to_numpy(), entries["col"].to_numpy())),
        shape=(n_actors, n_cols),
    )


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
    """(actor, kind, value, key) for infrastructure, payment and signup-window keys shared
    by two or more actors; ``key`` identifies the (kind, value)."""
    infra = inputs.infra.join(accounts.select("acct", "actor"), on="acct")
    infra_key = infra["k"].to_numpy() ^ mix64(infra["acct"].to_numpy().astype(np.uint64))
    parts = [infra.select("actor", "kind", "value", pl.Series("key", infra_key))]
    born = accounts.filter(pl.col("created_us") <= inputs.as_of_us)
    for kind, frame, column in [
        ("payment", accounts, "payment"),
        *(("signup", born, c) for c in SIGNUP_COLUMNS),
    ]:
        held = frame.filter(pl.col(column).is_not_null())
        parts.append(
            held.select(
                "actor",
                pl.lit(kind).alias("kind"),
                pl.col(column).alias("value"),
                pl.Series("key", link_key(kind, held[column]), dtype=pl.UInt64),
            )
        )
    link = pl.concat([f.cast({"actor": pl.UInt32}) for f in parts])
    unique = link["key"].to_numpy() ^ mix64(link["actor"].to_numpy().astype(np.uint64))
    return (
        link.with_columns(pl.Series("u", unique))
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
    bands: Bands,
    sync: pl.DataFrame,
    sync_cols: pl.DataFrame,
    link: pl.DataFrame,
    degree: npt.NDArray[np.int64],
    config: CampaignConfig,
) -> Floats:
    """Weight factors of every column, in column order (see ``weights``)."""
    n_fam, n_sync = len(bands.keys), sync_cols.height
    n_link = len(degree) - n_fam - n_sync
    buckets = inputs.buckets
    total = max(float(buckets["n"].sum()), 1.0)
    band_requests = pl.DataFrame(
        {
            "fam": bands.keys,
            "fam_col": np.arange(n_fam, dtype=np.uint32),
            "n": np.bincount(bands.col, weights=bands.values[:, 0], minlength=n_fam),
        }
    )
    keyed = (
        sync_cols.join(band_requests, on="fam")
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
    link_actor = link["actor"].to_numpy().astype(np.int64)
    link_col = link["col"].to_numpy().astype(np.int64)
    link_factor = coherence(
        bands, link_actor, link_col, n_link, int(inputs.stats.height), config.coherence_races
    )
    sync_col = sync["col"].to_numpy()
    strong = (sync_factor >= STRONG)[sync_col]
    strong_sync = (
        sync["actor"].to_numpy()[strong].astype(np.int64),
        keyed["fam_col"].to_numpy().astype(np.int64)[sync_col[strong]],
    )
    coherent = link_factor[link_col] >= STRONG
    fam_factor = coordination(
        bands, strong_sync, (link_actor[coherent], link_col[coherent]), n_link
    )
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
