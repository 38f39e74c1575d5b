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
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit
from scipy.stats import poisson

from distillguard.campaigns.bloom import mix64
from distillguard.campaigns.groupsum import grouped

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
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


# Per-entry totals of ``Bands.values``, in column order; requests first.
BAND_VALUES = ("requests", "harvest", "output_max", "single_turn")


@dataclass(frozen=True)
class Bands:
    """Actors x shared template bands: CSR by actor (columns sorted in each row), each
    entry's totals (``BAND_VALUES``), and each band column's key and degree (actors)."""

    ptr: Ints
    col: Ints
    values: Floats
    keys: npt.NDArray[np.uint64]
    degree: Ints

    @classmethod
    def from_runs(cls, main: BandEntries, extra: BandEntries | None, n_actors: int) -> Bands:
        """From two lists of (band key, actor) entries, each sorted by band key, together
        unique; bands with a single actor are left out (they link no one)."""
        extra = extra or BandEntries.empty()
        ptr, col, out, keys, degree = _band_rows(
            main.fam, main.actor, main.values, extra.fam, extra.actor, extra.values, n_actors
        )
        return cls(ptr, col, out, keys, degree)


@dataclass(frozen=True)
class BandEntries:
    """(band key, actor) entries sorted by band key, with their totals (``BAND_VALUES``,
    one numeric array each: the kernel stores them as floats, so no float copy is made)."""

    fam: npt.NDArray[np.uint64]
    actor: Ints
    values: tuple[npt.NDArray[Any], ...]

    @classmethod
    def empty(cls) -> BandEntries:
        none = np.zeros(0, np.float64)
        return cls(np.zeros(0, np.uint64), np.zeros(0, np.int64), (none,) * len(BAND_VALUES))


@njit(cache=True, nogil=True)
def _band_rows(
    fam: npt.NDArray[np.uint64],
    actor: Ints,
    values: tuple[npt.NDArray[Any], ...],
    x_fam: npt.NDArray[np.uint64],
    x_actor: Ints,
    x_values: tuple[npt.NDArray[Any], ...],
    n_actors: int,
) -> tuple[Ints, Ints, Floats, npt.NDArray[np.uint64], Ints]:  # pragma: no cover - compiled
    """Merge two band-sorted entry lists, keep bands of two or more actors, counting-sort the
    entries into rows (band order within a row, so each row's columns come sorted).

    The largest state is walked a few times per checkpoint: merge, find shared runs, then
    place each entry with all its totals at once (its slot is a cache miss: one per entry,
    not one per total). Totals may be of any numeric type; they are stored as floats.
    """
    n, nx = fam.shape[0], x_fam.shape[0]
    total = n + nx
    src = np.empty(total, np.int64)  # merged order: i for fam[i], -1 - j for x_fam[j]
    i = j = 0
    for m in range(total):
        if j == nx or (i < n and fam[i] <= x_fam[j]):
            src[m] = i
            i += 1
        else:
            src[m] = -1 - j
            j += 1
    who = np.empty(total, np.int64)
    dest = np.full(total, -1, np.int64)  # column of a shared entry, then its slot in the rows
    ptr = np.zeros(n_actors + 1, np.int64)
    n_cols = 0
    lo = 0
    while lo < total:
        e = src[lo]
        key = fam[e] if e >= 0 else x_fam[-1 - e]
        hi = lo + 1
        while hi < total:
            e = src[hi]
            if (fam[e] if e >= 0 else x_fam[-1 - e]) != key:
                break
            hi += 1
        if hi - lo >= 2:
            for m in range(lo, hi):
                e = src[m]
                a = actor[e] if e >= 0 else x_actor[-1 - e]
                who[m] = a
                dest[m] = n_cols
                ptr[a + 1] += 1
            n_cols += 1
        lo = hi
    keys = np.empty(n_cols, np.uint64)
    degree = np.zeros(n_cols, np.int64)
    for a in range(n_actors):
        ptr[a + 1] += ptr[a]
    fill = ptr[:-1].copy()
    col = np.empty(ptr[n_actors], np.int64)
    out = np.empty((ptr[n_actors], 4), np.float64)
    v0, v1, v2, v3 = values
    w0, w1, w2, w3 = x_values
    for m in range(total):
        c = dest[m]
        if c >= 0:
            e = src[m]
            keys[c] = fam[e] if e >= 0 else x_fam[-1 - e]
            degree[c] += 1
            at = fill[who[m]]
            fill[who[m]] += 1
            col[at] = c
            if e >= 0:
                out[at, 0], out[at, 1], out[at, 2], out[at, 3] = v0[e], v1[e], v2[e], v3[e]
            else:
                e = -1 - e
                out[at, 0], out[at, 1], out[at, 2], out[at, 3] = w0[e], w1[e], w2[e], w3[e]
    return ptr, col, out, keys, degree


def coherence(
    bands: Bands,
    link_actor: Ints,
    link_col: Ints,
    n_link: int,
    n_actors: int,
    races: int,
    max_actors: int = 1000,
) -> Floats:
    """Excess over chance of a link key's actors whose template signature matches another's.

    ``link_actor``, ``link_col`` are the link keys' (actor, column) entries. Each actor's
    signature is the winner of an exponential race over its bands with rate = IDF
    (Efraimidis-Spirakis sampling with hashed uniforms): two actors' winners coincide with
    probability equal to the IDF-weighted Jaccard of their band sets. A key with more than
    ``max_actors`` actors is judged on a hash-chosen sample of that many (coherence is a share,
    so a sample estimates it; huge keys such as a cloud ASN would otherwise dominate the cost).
    In a large key, matches happen by chance (popular templates), so the observed count O of
    matching actors is compared with its expectation E if the other actors were drawn from
    outside the key (a signature common only inside the key is the key's own coherence, not
    chance), taking a one-sided lower confidence bound so that a key of two or three actors
    matching by chance does not count: coherence = (O - E - z sd) / (n - E).
    """
    out = np.zeros(n_link)
    if len(bands.col) == 0 or len(link_actor) == 0 or n_actors < 2:
        return out
    with np.errstate(divide="ignore"):
        idf = math.log(n_actors) - np.log(bands.degree.astype(np.float64))
    if not (idf > 0).any():
        return out
    race = np.full((races, len(bands.keys)), np.inf)
    for r in range(races):
        salt = np.uint64((r + 1) * 0x632BE59BD9B4E019 % (1 << 64))
        uniform = ((mix64(bands.keys ^ salt) >> np.uint64(11)).astype(np.float64) + 1.0) / 2.0**53
        with np.errstate(divide="ignore", invalid="ignore"):
            race[r] = np.where(idf > 0, -np.log(uniform) / idf, np.inf)
    sig = _signatures(bands.ptr, bands.col, race)
    total = np.zeros((races, len(bands.keys)), dtype=np.int64)
    for r in range(races):
        held = sig[:, r] >= 0
        total[r] = np.bincount(sig[held, r], minlength=len(bands.keys))
    ptr, actor = _sample_per_key(link_actor, link_col, n_link, max_actors)
    degree = np.diff(ptr)
    o, e, var = _key_matches(ptr, actor, degree, sig, total, float(n_actors))
    room = np.maximum(degree - e, 1e-9)
    out = np.clip((o - e - LOWER_BOUND_Z * np.sqrt(var)) / room, 0.0, 1.0)
    out[degree < 2] = 0.0
    return out


@njit(cache=True, nogil=True)
def _sample_per_key(
    actor: Ints, col: Ints, n_cols: int, max_actors: int
) -> tuple[Ints, Ints]:  # pragma: no cover - compiled
    """Entries grouped by key (``ptr``, ``actor``), at most ``max_actors`` per key: those with
    the smallest hash of the actor (a deterministic sample)."""
    count = np.zeros(n_cols + 1, np.int64)
    for i in range(col.shape[0]):
        count[col[i] + 1] += 1
    for k in range(n_cols):
        count[k + 1] += count[k]
    grouped = np.empty(col.shape[0], np.int64)
    fill = count[:-1].copy()
    for i in range(col.shape[0]):
        grouped[fill[col[i]]] = actor[i]
        fill[col[i]] += 1
    ptr = np.zeros(n_cols + 1, np.int64)
    out = np.empty(col.shape[0], np.int64)
    m = 0
    for k in range(n_cols):
        seg = grouped[count[k] : count[k + 1]]
        if seg.shape[0] > max_actors:
            h = np.empty(seg.shape[0], np.uint64)
            for i in range(seg.shape[0]):
                h[i] = _mix64(np.uint64(seg[i]))
            seg = seg[np.argsort(h)[:max_actors]]
        out[m : m + seg.shape[0]] = seg
        m += seg.shape[0]
        ptr[k + 1] = m
    return ptr, out[:m]


@njit(cache=True, nogil=True)
def _mix64(x: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """``bloom.mix64`` for one key (SplitMix64 finaliser)."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def _signatures(ptr: Ints, col: Ints, race: Floats) -> Ints:  # pragma: no cover - compiled
    """Per actor and race, the band column of least race value (-1: no band with IDF > 0)."""
    n_actors = ptr.shape[0] - 1
    races = race.shape[0]
    sig = np.full((n_actors, races), -1, np.int64)
    for a in range(n_actors):
        for r in range(races):
            best = np.inf
            for e in range(ptr[a], ptr[a + 1]):
                v = race[r, col[e]]
                if v < best:
                    best = v
                    sig[a, r] = col[e]
    return sig


@njit(cache=True, nogil=True)
def _key_matches(
    ptr: Ints, actor: Ints, degree: Ints, sig: Ints, total: Ints, n_actors: float
) -> tuple[Floats, Floats, Floats]:  # pragma: no cover - compiled
    """Per key: actors matching another's signature (O), their chance expectation and variance.

    An actor matches when, in some race, another actor of the key has its signature; by chance
    it would with probability 1 - prod over races of (1 - p_out)^(n - 1), p_out being the share
    of actors outside the key that carry its signature.
    """
    n_keys = ptr.shape[0] - 1
    races, n_sigs = total.shape
    owner = np.full((races, n_sigs), -1, np.int64)
    inside = np.zeros((races, n_sigs), np.int64)
    o = np.zeros(n_keys)
    e = np.zeros(n_keys)
    var = np.zeros(n_keys)
    for k in range(n_keys):
        for i in range(ptr[k], ptr[k + 1]):
            a = actor[i]
            if sig[a, 0] < 0:
                continue
            for r in range(races):
                s = sig[a, r]
                if owner[r, s] != k:
                    owner[r, s] = k
                    inside[r, s] = 0
                inside[r, s] += 1
        size = float(degree[k])
        outside = max(n_actors - size, 1.0)
        for i in range(ptr[k], ptr[k + 1]):
            a = actor[i]
            if sig[a, 0] < 0:
                continue
            match = False
            lmiss = 0.0
            for r in range(races):
                s = sig[a, r]
                p_out = min(max((total[r, s] - inside[r, s]) / outside, 0.0), 1.0 - 1e-12)
                lmiss += (size - 1.0) * np.log1p(-p_out)
                match = match or inside[r, s] >= 2
            chance = 1.0 - np.exp(lmiss)
            o[k] += 1.0 if match else 0.0
            e[k] += chance
            var[k] += chance * (1.0 - chance)
    return o, e, var


def coordination(
    bands: Bands, strong_sync: tuple[Ints, Ints], strong_link: tuple[Ints, Ints], n_link: int
) -> Floats:
    """Share of each template band's actors tied to another of its actors beyond chance.

    ``strong_sync`` holds (actor, band column) of surprising lockstep keys, ``strong_link``
    (actor, link column) of coherent link keys; an actor is tied on a band through a link key
    when another actor of that key also uses the band.
    """
    n_fam = len(bands.keys)
    if len(bands.col) == 0:
        return np.zeros(n_fam)
    link_actor, link_col = strong_link
    ptr, order = grouped(link_col, n_link)
    tied = _tied_by_links(bands.ptr, bands.col, ptr, link_actor[order].astype(np.int64), n_fam)
    sync_actor, sync_col = (a.astype(np.int64) for a in strong_sync)
    entry = _find_entries(bands.ptr, bands.col, sync_actor, sync_col)
    tied[entry[entry >= 0]] = True
    # lockstep ties on a band the actor holds no shared entry of still count, once each
    loose = np.unique((sync_actor[entry < 0] << 32) | sync_col[entry < 0])
    counts = np.bincount(bands.col[tied], minlength=n_fam)
    counts += np.bincount(loose & 0xFFFFFFFF, minlength=n_fam)
    return counts / np.maximum(bands.degree, 1)


@njit(cache=True, nogil=True)
def _tied_by_links(
    ptr: Ints, col: Ints, link_ptr: Ints, link_actor: Ints, n_fam: int
) -> npt.NDArray[np.bool_]:  # pragma: no cover - compiled
    """Band entries whose actor shares the band with another actor of one of its link keys."""
    tied = np.zeros(col.shape[0], np.bool_)
    owner = np.full(n_fam, -1, np.int64)
    count = np.zeros(n_fam, np.int64)
    for k in range(link_ptr.shape[0] - 1):
        for i in range(link_ptr[k], link_ptr[k + 1]):
            a = link_actor[i]
            for e in range(ptr[a], ptr[a + 1]):
                j = col[e]
                if owner[j] != k:
                    owner[j] = k
                    count[j] = 0
                count[j] += 1
        for i in range(link_ptr[k], link_ptr[k + 1]):
            a = link_actor[i]
            for e in range(ptr[a], ptr[a + 1]):
                if count[col[e]] >= 2:
                    tied[e] = True
    return tied


@njit(cache=True, nogil=True)
def _find_entries(
    ptr: Ints, col: Ints, actor: Ints, want: Ints
) -> Ints:  # pragma: no cover - compiled
    """Entry index of each (actor, column) in the CSR (columns sorted per row), or -1."""
    out = np.full(actor.shape[0], -1, np.int64)
    for i in range(actor.shape[0]):
        a = actor[i]
        lo, hi = ptr[a], ptr[a + 1]
        while lo < hi:
            mid = (lo + hi) // 2
            if col[mid] < want[i]:
                lo = mid + 1
            else:
                hi = mid
        if lo < ptr[a + 1] and col[lo] == want[i]:
            out[i] = lo
    return out
