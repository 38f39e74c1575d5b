"""The compiled per-prompt passes behind every text-derived signal.

One call tokenises each prompt once and derives from the same tokens the template hash, LSH
bands, language, output-maximising flag, requested format and topic, so a scan pays for one
walk over the text. System prompts only need their keyed skeleton hash and repeat heavily,
so callers hash each distinct one once (``system_hashes``). Batch and single-request paths
both call these functions; they cannot disagree.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from distillguard.signals import fingerprint as fp
from distillguard.signals import normalize as nz
from distillguard.signals import structure as st
from distillguard.signals import topic as tp
from distillguard.signals.jit import jit
from distillguard.signals.schema import LSH_BANDS


@dataclass(frozen=True, eq=False)
class PromptSignals:
    """Signals of n prompts, as numpy arrays of the schema's dtypes."""

    template_hash: np.ndarray  # (n,) uint64
    lsh_bands: np.ndarray  # (n, LSH_BANDS) uint64
    lang: np.ndarray  # (n,) int64 index into structure.LANGS
    output_max: np.ndarray  # (n,) bool
    format_req: np.ndarray  # (n,) int64 index into structure.FORMATS
    topic: np.ndarray  # (n,) int32


def prompt_signals(data: np.ndarray, offsets: np.ndarray, key: fp.FingerprintKey) -> PromptSignals:
    """Signals of the prompts ``data[offsets[i]:offsets[i + 1]]`` (UTF-8, int64 offsets)."""
    n = len(offsets) - 1
    out = PromptSignals(
        template_hash=np.zeros(n, dtype=np.uint64),
        lsh_bands=np.zeros((n, LSH_BANDS), dtype=np.uint64),
        lang=np.zeros(n, dtype=np.int64),
        output_max=np.zeros(n, dtype=np.bool_),
        format_req=np.zeros(n, dtype=np.int64),
        topic=np.zeros(n, dtype=np.int32),
    )
    if n == 0:
        return out
    k0, k1 = key.words
    tb = st.structure_tables()
    model = tp.load_topic_model()
    _prompt_kernel(
        data, offsets, k0, k1, _probe(), nz.mask_hashes(), tb.lex, tb.lex_bits,
        tb.phrase_tokens, tb.phrase_len, tb.phrase_group, model.idf, model.centroids_t,
        model.tau, out.template_hash, out.lsh_bands, out.lang, out.output_max, out.format_req,
        out.topic,
    )  # fmt: skip
    return out


def system_hashes(data: np.ndarray, offsets: np.ndarray, key: fp.FingerprintKey) -> np.ndarray:
    """Keyed skeleton hash of each system prompt (0 for an empty one), uint64."""
    n = len(offsets) - 1
    out = np.zeros(n, dtype=np.uint64)
    if n == 0:
        return out
    k0, k1 = key.words
    tb = st.structure_tables()
    _system_kernel(
        data, offsets, k0, k1, nz.mask_hashes(), tb.lex, tb.lex_bits, out,
    )  # fmt: skip
    return out


def encode_texts(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes and int64 offsets of a few Python strings (the single-request path)."""
    raw = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(raw) + 1, dtype=np.int64)
    offsets[1:] = np.fromiter(map(len, raw), dtype=np.int64, count=len(raw)).cumsum()
    return np.frombuffer(b"".join(raw), dtype=np.uint8), offsets


@functools.cache
def _probe() -> np.ndarray:
    return fp.probe_table()


@jit
def _capacity(offsets: np.ndarray) -> int:
    """Token capacity for the longest text: at most one token per byte read."""
    longest = 0
    for r in range(len(offsets) - 1):
        longest = max(longest, offsets[r + 1] - offsets[r])
    return min(longest, nz.HEAD_BYTES + nz.TAIL_BYTES + 8) + 2


@jit
def _prompt_kernel(
    data: np.ndarray,
    offsets: np.ndarray,
    k0: np.uint64,
    k1: np.uint64,
    probe: np.ndarray,
    mask_hashes: np.ndarray,
    lex: np.ndarray,
    lex_bits: int,
    ph_tokens: np.ndarray,
    ph_len: np.ndarray,
    ph_group: np.ndarray,
    idf: np.ndarray,
    cent_t: np.ndarray,
    tau: float,
    o_template: np.ndarray,
    o_bands: np.ndarray,
    o_lang: np.ndarray,
    o_outmax: np.ndarray,
    o_format: np.ndarray,
    o_topic: np.ndarray,
) -> None:
    cap = _capacity(offsets)
    t_start = np.zeros(cap, dtype=np.int32)
    t_end = np.zeros(cap, dtype=np.int32)
    t_hash = np.zeros(cap, dtype=np.uint64)
    t_kind = np.zeros(cap, dtype=np.int8)
    t_flags = np.zeros(cap, dtype=np.int8)
    t_line = np.zeros(cap, dtype=np.int32)
    t_para = np.zeros(cap, dtype=np.int32)
    t_letters = np.zeros(cap, dtype=np.int32)
    block = np.zeros(cap, dtype=np.int32)
    no_block = np.zeros(cap, dtype=np.int32)
    t_stop = np.zeros(cap, dtype=np.int64)
    t_plo = np.zeros(cap, dtype=np.int64)
    t_phi = np.zeros(cap, dtype=np.int64)
    scripts = np.zeros(nz.N_SCRIPTS + 1, dtype=np.int64)
    sk_hash = np.zeros(cap, dtype=np.uint64)
    sk_kind = np.zeros(cap, dtype=np.int8)
    sk_src = np.zeros(cap, dtype=np.int64)
    buf = np.zeros(cap + 2, dtype=np.uint64)
    bins = np.zeros(fp.BINS_PER_WINDOW, dtype=np.uint64)
    feats = np.zeros(cap, dtype=np.uint64)
    sims = np.zeros(cent_t.shape[1], dtype=np.float32)
    found = np.zeros(st.OUTPUT_MAX + 1, dtype=np.bool_)
    for r in range(len(offsets) - 1):
        nt = nz.tokenize(
            data, offsets[r], offsets[r + 1], t_start, t_end, t_hash, t_kind, t_flags, t_line,
            t_para, t_letters, scripts,
        )  # fmt: skip
        nz.mark_blocks(nt, t_kind, t_flags, t_line, t_para, block)
        st.annotate(nt, t_hash, t_kind, lex, lex_bits, t_stop, t_plo, t_phi)
        lang = st.detect_lang(nt, t_kind, t_stop, scripts)
        o_lang[r] = lang
        m = nz.skeleton(
            nt, t_kind, t_flags, t_hash, block, lang == st.L_DE, sk_hash, sk_kind, sk_src,
            mask_hashes,
        )  # fmt: skip
        o_template[r] = fp.keyed_sequence_hash(k0, k1, fp.DOMAIN_TEMPLATE, sk_hash, m, buf)
        # LSH sketches the ends of the skeleton without payload blocks: which paragraph is
        # payload is a guess, and a wrong guess must not hide the wrapper from the bands.
        m = nz.skeleton(
            nt, t_kind, t_flags, t_hash, no_block, lang == st.L_DE, sk_hash, sk_kind, sk_src,
            mask_hashes,
        )  # fmt: skip
        fp.lsh_bands(k0, k1, sk_hash, m, probe, bins, buf, o_bands[r])
        st.match_phrases(
            nt, t_hash, t_kind, t_flags, t_plo, t_phi, ph_tokens, ph_len, ph_group, found
        )
        o_outmax[r] = found[st.OUTPUT_MAX]
        o_format[r] = st.format_from_found(found)
        c = tp.content_features(
            nt, t_start, t_end, t_hash, t_kind, t_flags, t_letters, block, t_stop, feats
        )
        o_topic[r] = tp.topic_of(feats, c, idf, cent_t, tau, sims)


@jit
def _system_kernel(
    data: np.ndarray,
    offsets: np.ndarray,
    k0: np.uint64,
    k1: np.uint64,
    mask_hashes: np.ndarray,
    lex: np.ndarray,
    lex_bits: int,
    out: np.ndarray,
) -> None:
    cap = _capacity(offsets)
    t_start = np.zeros(cap, dtype=np.int32)
    t_end = np.zeros(cap, dtype=np.int32)
    t_hash = np.zeros(cap, dtype=np.uint64)
    t_kind = np.zeros(cap, dtype=np.int8)
    t_flags = np.zeros(cap, dtype=np.int8)
    t_line = np.zeros(cap, dtype=np.int32)
    t_para = np.zeros(cap, dtype=np.int32)
    t_letters = np.zeros(cap, dtype=np.int32)
    no_block = np.zeros(cap, dtype=np.int32)
    t_stop = np.zeros(cap, dtype=np.int64)
    t_plo = np.zeros(cap, dtype=np.int64)
    t_phi = np.zeros(cap, dtype=np.int64)
    scripts = np.zeros(nz.N_SCRIPTS + 1, dtype=np.int64)
    sk_hash = np.zeros(cap, dtype=np.uint64)
    sk_kind = np.zeros(cap, dtype=np.int8)
    sk_src = np.zeros(cap, dtype=np.int64)
    buf = np.zeros(cap + 2, dtype=np.uint64)
    for r in range(len(offsets) - 1):
        n = nz.tokenize(
            data, offsets[r], offsets[r + 1], t_start, t_end, t_hash, t_kind, t_flags, t_line,
            t_para, t_letters, scripts,
        )  # fmt: skip
        st.annotate(n, t_hash, t_kind, lex, lex_bits, t_stop, t_plo, t_phi)
        lang = st.detect_lang(n, t_kind, t_stop, scripts)
        # a system prompt is all wrapper: no payload blocks
        m = nz.skeleton(
            n, t_kind, t_flags, t_hash, no_block, lang == st.L_DE, sk_hash, sk_kind, sk_src,
            mask_hashes,
        )  # fmt: skip
        out[r] = fp.keyed_sequence_hash(k0, k1, fp.DOMAIN_SYSTEM, sk_hash, m, buf)
