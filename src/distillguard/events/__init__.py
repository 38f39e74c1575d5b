"""events: read, validate and quarantine log format v1 (see docs/log-format.md)."""

from distillguard.events.account_record import parse_account
from distillguard.events.chunk_parser import ParsedChunk, parse_chunk
from distillguard.events.chunks import LineChunk, Reject, iter_chunks
from distillguard.events.collector import ChunkCollector
from distillguard.events.errors import EventError
from distillguard.events.event_record import parse_event
from distillguard.events.quarantine import Quarantine
from distillguard.events.readers import read_accounts, read_events, read_releases
from distillguard.events.stats import ReadStats

__all__ = [
    "ChunkCollector",
    "EventError",
    "LineChunk",
    "ParsedChunk",
    "Quarantine",
    "ReadStats",
    "Reject",
    "iter_chunks",
    "parse_account",
    "parse_chunk",
    "parse_event",
    "read_accounts",
    "read_events",
    "read_releases",
]
