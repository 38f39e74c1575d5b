"""Campaign objects from scored dense blocks: ids, members, timeline and readable evidence."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import polars as pl

from distillguard.campaigns.activity import unpack
from distillguard.campaigns.bands import band_hex
from distillguard.campaigns.dense import Block
from distillguard.campaigns.graph import KINDS, LINK_KINDS, EvidenceGraph
from distillguard.campaigns.model import Campaign, CampaignConfig
from distillguard.campaigns.pooled import GroupScore
from distillguard.signals.schema import INTENT_SCORE_COLUMNS

US_PER_HOUR = 3_600_000_000
ID_MEMBERS = 3
# The columns of ``graph.accounts`` a ``CampaignHead`` reads (``campaign_id`` and members).
HEAD_COLUMNS = ("account_id", "first_ts", "allowlist")
TOP = 5


def campaign_id(accounts: pl.DataFrame) -> str:
    """Hash of the earliest active members: stable across re-runs and as the group grows."""
    earliest = accounts.sort("first_ts", "account_id").head(ID_MEMBERS)["account_id"].to_list()
    return "cmp-" + hashlib.sha256("\n".join(earliest).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CampaignHead:
    """What flagging a campaign's members needs, without the evidence (cheap to build).

    Most checkpoints' campaigns are only used to flag members; their full evidence (timeline,
    topics, lockstep pairs, shared links) is built only if read (``Campaign`` has these
    fields with the same values).
    """

    campaign_id: str
    members: list[str]
    risk: float
    flagged: bool
    # The ``p_values`` and ``feature_p_values`` entries of the campaign's evidence.
    evidence: dict[str, dict[str, float]]


def campaign_head(
    graph: EvidenceGraph, block: Block, score: GroupScore, config: CampaignConfig
) -> CampaignHead:
    """The block's ``CampaignHead``: the fields ``build_campaign`` gives its campaign."""
    # Only the columns a head reads: a block can hold most accounts, and every checkpoint
    # builds heads.
    accounts = _block_accounts(graph.accounts.select("actor", *HEAD_COLUMNS), graph, block)
    acting = _acting(graph, block)
    return CampaignHead(
        campaign_id=campaign_id(accounts),
        members=accounts.filter(pl.col("allowlist").is_null())["account_id"].sort().to_list(),
        risk=round(score.risk, 6),
        flagged=_flagged(score, acting, config),
        evidence=_p_evidence(score),
    )


def _block_accounts(accounts: pl.DataFrame, graph: EvidenceGraph, block: Block) -> pl.DataFrame:
    """Rows of ``accounts`` (``graph.accounts`` or some of its columns) whose actor is in the
    block (a mask, not a list ``is_in``)."""
    inside = np.zeros(graph.n_actors, dtype=bool)
    inside[block.actors] = True
    return accounts.filter(pl.Series(inside[accounts["actor"].to_numpy()]))


def _acting(graph: EvidenceGraph, block: Block) -> int:
    """The block's actors that are not allowlisted (actors are unique rows of the table)."""
    allow = graph.actors["allow"].to_numpy()
    return int((~allow[np.unique(block.actors)]).sum())


def _flagged(score: GroupScore, acting: int, config: CampaignConfig) -> bool:
    return score.risk >= 1.0 - config.target_fpr and acting >= config.min_actors


def _p_evidence(score: GroupScore) -> dict[str, dict[str, float]]:
    return {
        "p_values": {k: round(v, 6) for k, v in score.p_values.items()},
        "feature_p_values": {k: round(v, 6) for k, v in score.feature_p.items()},
    }


def build_campaign(
    graph: EvidenceGraph,
    block: Block,
    scored: npt.NDArray[np.int64],
    score: GroupScore,
    details: dict[str, pl.DataFrame],
    config: CampaignConfig,
) -> Campaign:
    """One campaign; ``scored`` are the block's actors its pooled score was computed on.

    ``details`` hold the packed per-account ``hours`` and ``topics`` of (at least) the block.
    """
    accounts = _block_accounts(graph.accounts, graph, block)
    allowed = accounts.filter(pl.col("allowlist").is_not_null())
    members = accounts.filter(pl.col("allowlist").is_null())
    acting = _acting(graph, block)
    flagged = _flagged(score, acting, config)
    timeline = (
        unpack(details["hours"], "hour")
        .filter(pl.col("acct").is_in(accounts["acct"].to_list()))
        .group_by("hour")
        .agg(pl.col("n").sum())
        .sort("hour")
    )
    scored_accts = accounts.filter(pl.col("actor").is_in(scored.tolist()))["acct"]
    topics = unpack(details["topics"], "topic").filter(pl.col("acct").is_in(scored_accts.to_list()))
    evidence = _evidence(graph, block, scored, score, topics, config)
    evidence["accounts"] = members.height
    evidence["allowlisted_accounts"] = allowed.height
    if allowed.height:
        evidence["allowlist"] = sorted(set(allowed["allowlist"].to_list()))
    return Campaign(
        campaign_id=campaign_id(accounts),
        members=sorted(members["account_id"].to_list()),
        allowlisted=sorted(allowed["account_id"].to_list()),
        first_seen=_dt(int(accounts["first_ts"].min())),  # type: ignore[arg-type]
        last_seen=_dt(int(accounts["last_ts"].max())),  # type: ignore[arg-type]
        timeline={_dt(h * US_PER_HOUR).isoformat(): int(n) for h, n in timeline.iter_rows()},
        evidence=evidence,
        estimated_exchanges_harvested=int(members["harvest_intent"].sum()),
        risk=round(score.risk, 6),
        flagged=flagged,
        reasons=_reasons(score, allowed.height, acting, flagged, config),
    )


def _dt(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1e6, tz=UTC)


def _evidence(
    graph: EvidenceGraph,
    block: Block,
    scored: npt.NDArray[np.int64],
    score: GroupScore,
    topics: pl.DataFrame,
    config: CampaignConfig,
) -> dict[str, object]:
    f = score.features
    sums = graph.actor_sums
    n = max(float(sums["n"][scored].sum()), 1.0)
    kinds = graph.kind[block.columns]
    jaccard, pair = _lockstep_pairs(graph, scored, config)
    per_topic = topics.group_by("topic").agg(pl.col("n").sum())["n"].cast(pl.Float64).to_numpy()
    share = per_topic / max(per_topic.sum(), 1.0)
    entropy = float(-(share * np.log(share)).sum()) if len(share) > 1 else 0.0
    evidence: dict[str, object] = {
        "actors": len(block.actors),
        "block_density": round(block.density, 4),
        "block_keys": {KINDS[k]: int((kinds == k).sum()) for k in np.unique(kinds)},
        "pooled_requests": int(n) if sums["n"][scored].sum() else 0,
        "harvest_share_all_traffic": round(float(sums["harvest"][scored].sum()) / n, 4),
        "harvest_share_shared_traffic": round(f["harvest"], 4),
        "intent_mix": {c: round(float(sums[c][scored].sum()) / n, 4) for c in INTENT_SCORE_COLUMNS},
        "output_max_share": round(f["output_max"], 4),
        "single_turn_share": round(f["single_turn"], 4),
        "coactive_pairs": int(f["coactive_pairs"]),
        "expected_coactive_pairs": round(f["expected_pairs"], 3),
        "lockstep_ratio": round(math.exp(f["lockstep"]), 3),
        "lockstep_jaccard_mean": round(jaccard, 4),
        "shared_sync_buckets": len(np.unique(graph.sync_bucket[_sync_cols(graph, block.columns)])),
        "top_template_bands": _top_bands(graph, scored),
        "payment_linked_share": round(f["payment_linked"], 4),
        "signup_burst_share": round(f["signup_linked"], 4),
        "young_unverified_share": round(f["young_unverified"], 4),
        "topics": len(share),
        "topic_entropy_bits": round(entropy / math.log(2), 4),
        **_p_evidence(score),
        "null_groups": score.null_groups,
    }
    evidence.update(_shared_links(graph, scored))
    if pair is not None:
        a, b = pair
        evidence["example_pair"] = graph.explain_pair(a, b).to_dict()
    return evidence


def _sync_cols(graph: EvidenceGraph, columns: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    n_fam = len(graph.fam_keys)
    sync = columns[(columns >= n_fam) & (columns < n_fam + len(graph.sync_fam))]
    return sync - n_fam


def _top_bands(graph: EvidenceGraph, actors: npt.NDArray[np.int64]) -> list[dict[str, object]]:
    """Template bands used by the most actors of the group."""
    used = np.asarray((graph.fam_requests[actors] > 0).sum(axis=0)).ravel()
    order = np.argsort(-used, kind="stable")[:TOP]
    return [
        {"band": band_hex(int(graph.fam_keys[j])), "actors": int(used[j])}
        for j in order
        if used[j] >= 2
    ]


def _shared_links(graph: EvidenceGraph, actors: npt.NDArray[np.int64]) -> dict[str, object]:
    """Per link kind: how many values two or more actors of the group share, and the top ones."""
    out: dict[str, object] = {}
    for kind in LINK_KINDS:
        mat = graph.link_matrix(kind)
        counts = np.asarray(mat[actors].sum(axis=0)).ravel()
        shared = np.flatnonzero(counts >= 2)
        offset = len(graph.fam_keys) + len(graph.sync_fam)
        cols = graph.columns(kind)[shared]
        top = np.argsort(-counts[shared], kind="stable")[:TOP]
        out[f"shared_{kind}"] = {
            "values": len(shared),
            "top": {
                graph.link_values[cols[i] - offset].split(":", 1)[1]: int(counts[shared[i]])
                for i in top
            },
        }
    return out


def _lockstep_pairs(
    graph: EvidenceGraph, actors: npt.NDArray[np.int64], config: CampaignConfig
) -> tuple[float, tuple[str, str] | None]:
    """Mean pairwise lockstep Jaccard over sampled actor pairs, and the most linked pair."""
    if len(actors) < 2:
        return 0.0, None
    rng = np.random.default_rng(config.seed)
    k = config.jaccard_pairs
    i = rng.choice(actors, k)
    j = rng.choice(actors, k)
    keep = i != j
    i, j = i[keep], j[keep]
    if not len(i):
        return 0.0, None
    inter = np.asarray(graph.sync[i].multiply(graph.sync[j]).sum(axis=1)).ravel()
    sizes = graph.actor_sums["sync_size"]
    union = sizes[i] + sizes[j] - inter
    jac = np.where(union > 0, inter / np.maximum(union, 1.0), 0.0)
    strength = np.asarray(graph.matrix[i].multiply(graph.matrix[j]).sum(axis=1)).ravel()
    best = int(np.argmax(strength))
    first = graph.accounts.filter(pl.col("actor").is_in([int(i[best]), int(j[best])]))
    names = first.sort("actor", "account_id").unique("actor", keep="first", maintain_order=True)
    ids = names["account_id"].to_list()
    pair = (ids[0], ids[1]) if len(ids) == 2 and strength[best] > 0 else None
    return float(jac.mean()), pair


def _reasons(
    score: GroupScore,
    allowlisted: int,
    acting: int,
    flagged: bool,
    config: CampaignConfig,
) -> list[str]:
    f, p = score.features, score.p_values
    out = []
    if not p:
        out.append("no null groups to calibrate against: risk not assessed")
    else:
        out.append(
            f"shared traffic is {f['harvest']:.0%} harvest-like "
            f"(p={p['harvest']:.3g} against {score.null_groups} null groups)"
        )
        out.append(
            f"{f['coactive_pairs']:.0f} co-active pairs in lockstep buckets versus "
            f"{f['expected_pairs']:.1f} expected by chance (p={p['lockstep']:.3g})"
        )
        out.append(
            f"{f['payment_linked']:.0%} share a payment fingerprint, "
            f"{f['signup_linked']:.0%} signed up in a burst, "
            f"{f['young_unverified']:.0%} young unverified (p={p['linkage']:.3g})"
        )
    if allowlisted:
        out.append(f"allowlisted: {allowlisted} accounts exempt from action")
    if acting < config.min_actors:
        out.append(f"only {acting} non-allowlisted actors: below {config.min_actors}")
    out.append(
        f"flagged at target false-positive rate {config.target_fpr:g}"
        if flagged
        else f"not flagged (risk {score.risk:.3f} below {1 - config.target_fpr:.3f})"
    )
    return out
