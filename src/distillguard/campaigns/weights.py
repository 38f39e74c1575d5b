"""How much each evidence key says, learned from the data (no hand lists of NATs or SDKs).

Every key starts from Fraudar's column weight 1 / log(c + degree) and is scaled by a factor in
[0, 1] that asks whether sharing the key is more than chance or common infrastructure:

* lockstep key (band, bucket) with c actors: *surprise*, the probability that no bucket of the
  scan would see c or more actors on that band by chance, if the band's requests followed the
  population's own traffic profile (Poisson with mean = band requests x bucket's traffic share,
  raised to the number of buckets: a family-wise test, so diurnal peaks of popular templates
  do not count);
* signup window: first a *burst* test, the same family-wise Poisson surprise against the
  channel's own signup rate (windows explained by the rate are dropped);
* link key (infrastructure, payment, signup window): *coherence*, the share of its actors whose
  template signature matches another of its actors (weighted MinHash races with IDF rates, so
  only rare templates make actors alike): a NAT of students with diverse prompts fades out;
* template band: *coordination*, the share of its actors tied to another of its actors by a
  surprising lockstep key on that band or by a coherent link key. A template used by many
  unrelated people (organic popularity) fades out; one run by a coordinated group keeps weight.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.stats import poisson

from distillguard.campaigns.bloom import mix64

Floats = npt.NDArray[np.float64]
# A key counts as "strong" evidence for coordination shares above this factor.
STRONG = 0.5
# z of the one-sided lower confidence bound on coherence (about 97.7 %).
LOWER_BOUND_Z = 2.0


def fraudar(degree: npt.NDArray[np.int64], c: float) -> Floats:
    """Fraudar's column weight: keys shared by very many actors count little."""
    return 1.0 / np.log(c + degree)


def surprise(
    actors: npt.NDArray[np.int64],
    band_requests: Floats,
    bucket_share: Floats,
    n_buckets: int,
) -> Floats:
    """P(no bucket of the scan reaches ``actors`` on the band by chance), per lockstep key."""
    lam = np.maximum(band_requests * bucket_share, 1e-12)
    tail = poisson.sf(actors - 1, lam)
    return np.exp(n_buckets * np.log1p(-np.minimum(tail, 1.0 - 1e-16)))


def coherence(
    fam: pl.DataFrame,
    link: pl.DataFrame,
    n_link: int,
    n_actors: int,
    races: int,
    max_actors: int = 1000,
) -> Floats:
    """Excess over chance of a link key's actors whose template signature matches another's.

    ``fam`` has (actor, fam) for shared bands, ``link`` (actor, col). Each actor's signature is
    the winner of an exponential race over its bands with rate = IDF (Efraimidis-Spirakis
    sampling with hashed uniforms): two actors' winners coincide with probability equal to the
    IDF-weighted Jaccard of their band sets. A key with more than ``max_actors`` actors is
    judged on a hash-chosen sample of that many (coherence is a share, so a sample estimates
    it; huge keys such as a cloud ASN would otherwise dominate the cost). In a large key,
    matches happen by chance (popular templates), so the observed count O of matching actors
    is compared with its expectation E if the other actors were drawn from outside the key (a
    signature common only inside the key is the key's own coherence, not chance), taking a
    one-sided lower confidence bound so that a key of two or three actors matching by chance
    does not count: coherence = (O - E - z sd) / (n - E).
    """
    out = np.zeros(n_link)
    if fam.height == 0 or link.height == 0 or n_actors < 2:
        return out
    weighted = (
        fam.select("actor", "fam")
        .with_columns(pl.len().over("fam").alias("deg"))
        .with_columns((math.log(n_actors) - pl.col("deg").cast(pl.Float64).log()).alias("idf"))
        .filter(pl.col("idf") > 0)
    )
    if weighted.height == 0:
        return out
    keys = weighted["fam"].to_numpy()
    idf = weighted["idf"].to_numpy()
    cols = []
    for r in range(races):
        salt = np.uint64((r + 1) * 0x632BE59BD9B4E019 % (1 << 64))
        uniform = ((mix64(keys ^ salt) >> np.uint64(11)).astype(np.float64) + 1.0) / 2.0**53
        cols.append(pl.Series(f"r{r}", -np.log(uniform) / idf))
    signatures = (
        weighted.with_columns(cols)
        .group_by("actor")
        .agg([pl.col("fam").get(pl.col(f"r{r}").arg_min()).alias(f"s{r}") for r in range(races)])
        .unpivot(index="actor", variable_name="race", value_name="sig")
        .with_columns(pl.len().over("race", "sig").alias("total"))
    )
    link = _sample_per_key(link.select("actor", "col"), max_actors)
    degree = np.bincount(link["col"].to_numpy(), minlength=n_link)
    per = link.join(signatures, on="actor").with_columns(
        pl.len().over("col", "race", "sig").alias("inside")
    )
    size = degree[per["col"].to_numpy()].astype(np.float64)
    inside = per["inside"].to_numpy().astype(np.float64)
    outside = np.maximum(n_actors - size, 1.0)
    # Chance that one random actor from outside the key carries this signature.
    p_out = np.clip((per["total"].to_numpy() - inside) / outside, 0.0, 1.0 - 1e-12)
    per = per.with_columns(
        pl.Series("lmiss", (size - 1.0) * np.log1p(-p_out)),
        (pl.col("inside") >= 2).alias("match"),
    )
    by_actor = per.group_by("col", "actor").agg(
        pl.col("match").any(), (1.0 - pl.col("lmiss").sum().exp()).alias("chance")
    )
    by_col = by_actor.group_by("col").agg(
        pl.col("match").sum().alias("o"),
        pl.col("chance").sum().alias("e"),
        (pl.col("chance") * (1.0 - pl.col("chance"))).sum().alias("var"),
    )
    idx = by_col["col"].to_numpy()
    o, e, var = (np.zeros(n_link) for _ in range(3))
    o[idx] = by_col["o"].to_numpy()
    e[idx] = by_col["e"].to_numpy()
    var[idx] = by_col["var"].to_numpy()
    room = np.maximum(degree - e, 1e-9)
    out = np.clip((o - e - LOWER_BOUND_Z * np.sqrt(var)) / room, 0.0, 1.0)
    out[degree < 2] = 0.0
    return out


def _sample_per_key(link: pl.DataFrame, max_actors: int) -> pl.DataFrame:
    """At most ``max_actors`` actors per key, chosen by a hash of the actor (deterministic)."""
    order = mix64(link["actor"].to_numpy().astype(np.uint64))
    return (
        link.with_columns(pl.Series("h", order))
        .filter(pl.col("h").rank("ordinal").over("col") <= max_actors)
        .drop("h")
    )


def coordination(
    fam: pl.DataFrame,
    n_fam: int,
    strong_sync: pl.DataFrame,
    strong_link: pl.DataFrame,
) -> Floats:
    """Share of each template band's actors tied to another of its actors beyond chance.

    ``fam`` has (actor, col) per band column, ``strong_sync`` (actor, fam_col) for surprising
    lockstep keys, ``strong_link`` (actor, link) for coherent link keys.
    """
    out = np.zeros(n_fam)
    if fam.height == 0:
        return out
    by_sync = strong_sync.select("actor", pl.col("fam_col").alias("col"))
    by_link = (
        fam.select("actor", "col")
        .join(strong_link.select("actor", "link"), on="actor")
        .filter(pl.len().over("col", "link") >= 2)
        .select("actor", "col")
    )
    tied = pl.concat([by_sync.cast({"col": pl.UInt32}), by_link.cast({"col": pl.UInt32})])
    counts = tied.unique().group_by("col").len()
    degree = np.bincount(fam["col"].to_numpy(), minlength=n_fam)
    out[counts["col"].to_numpy()] = counts["len"].to_numpy()
    return out / np.maximum(degree, 1)
