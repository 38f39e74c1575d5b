"""Batch stages the worker processes run, in a module that imports only what they need.

A spawned worker imports the module of the function it is sent; keeping these functions
apart from ``scan`` (which pulls in campaign detection, verdicts and their compiled kernels)
saves each worker seconds of start-up.
"""

from __future__ import annotations

from dataclasses import replace

from distillguard.events import LineChunk, ParsedChunk, Reject, parse_chunk
from distillguard.events.event_batch import prompt_view_batch
from distillguard.events.spool import SpooledChunk
from distillguard.signals import compute_signals, compute_view_signals
from distillguard.signals.schema import SIGNAL_SCHEMA

# Signal columns the batch scan's later stages read (account features, campaign replay,
# shared keys, ablation, hourly counts); ``scan_signals`` drops the others in the worker.
SCAN_COLUMNS = [
    name
    for name in SIGNAL_SCHEMA.names
    if name
    not in {
        "session_id",
        "status",
        "reasoning_tokens",
        "n_tools",
        "prompt_chars",
        "lang",
        "format_req",
    }
]


def parse_and_signal(item: LineChunk | Reject | SpooledChunk) -> ParsedChunk:
    """Worker stage: raw lines → validated events → per-request signals (row-aligned)."""
    parsed = parse_chunk(item)
    return replace(parsed, batch=compute_signals(parsed.batch))


def scan_signals(item: LineChunk | Reject | SpooledChunk) -> ParsedChunk:
    """Worker stage of the batch scan: ``parse_and_signal``'s ``SCAN_COLUMNS``, computed from
    the prompt view so that no request's full message list is built in Arrow."""
    parsed = parse_chunk(item, prompt_view_batch)
    return replace(parsed, batch=compute_view_signals(parsed.batch).select(SCAN_COLUMNS))
