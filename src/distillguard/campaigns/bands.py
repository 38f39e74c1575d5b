"""Template band keys: one uint64 key per (request, LSH band), salted by the band's position.

Paraphrases of one template family share LSH bands, so a band key is the unit of "same
template family" for both template sharing and lockstep. The salt keeps equal hash values of
different band positions apart. Only the first ``bands`` positions are used: every band key
costs a sort slot per request, and a family of many paraphrases still shares each position
often (docs/campaigns.md discusses the trade-off).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from distillguard.campaigns.bloom import mix64
from distillguard.signals.schema import LSH_BANDS

_SALT = mix64(np.arange(1, LSH_BANDS + 1, dtype=np.uint64))


def band_keys(rows: pl.DataFrame, bands: int) -> npt.NDArray[np.uint64]:
    """(rows, bands) array of salted band keys of each request's first ``bands`` bands."""
    if not 1 <= bands <= LSH_BANDS:
        raise ValueError(f"bands must be in 1..{LSH_BANDS}")
    raw = rows["lsh_bands"].to_numpy().reshape(rows.height, LSH_BANDS)[:, :bands]
    return mix64(raw.astype(np.uint64) ^ _SALT[None, :bands])


def band_hex(key: int) -> str:
    """Stable text form of a band key for evidence."""
    return f"{key:016x}"
