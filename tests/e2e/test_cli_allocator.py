"""The command line makes Polars hand freed memory back to the OS within about a second, so a
scan stage's high-water mark does not stay resident into the next stage, while tight loops
reuse their pages instead of faulting them in again."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# In a fresh interpreter: import the CLI module first (as the command does), then let Polars
# allocate and free ~400 MB, and print the resident MiB before, at, right after the free, and
# 1.5 s later (after one more small allocation, when jemalloc purges what has decayed).
_PROBE = """
import time
import psutil
import distillguard.cli
import polars as pl

me = psutil.Process()
start = me.memory_info().rss
df = pl.DataFrame({"a": pl.int_range(0, 25_000_000, eager=True)}).with_columns(b=pl.col("a") * 2)
held = me.memory_info().rss
del df
freed = me.memory_info().rss
time.sleep(1.5)
pl.DataFrame({"x": list(range(1000))}).sum()
print(start >> 20, held >> 20, freed >> 20, me.memory_info().rss >> 20)
"""


def _probe(conf: str | None) -> tuple[int, int, int, int]:
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    if conf is not None:
        env["_RJEM_MALLOC_CONF"] = conf
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    )
    start, held, freed, later = map(int, probe.stdout.split())
    return start, held, freed, later


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Polars uses jemalloc on Linux")
def test_freed_polars_memory_leaves_the_process_within_a_second() -> None:
    start, held, freed, later = _probe(None)
    assert held - start > 300  # the frame was resident ...
    assert freed - start > 300  # ... stays for reuse right after the free ...
    assert later - start < 100  # ... and is gone a second later


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Polars uses jemalloc on Linux")
def test_a_users_allocator_setting_wins() -> None:
    start, held, _, later = _probe("dirty_decay_ms:60000,muzzy_decay_ms:60000")
    assert held - start > 300
    assert later - start > 300  # a minute's decay keeps the pages past the second
