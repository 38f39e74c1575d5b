"""The command line makes Polars hand freed memory back to the OS at once, so a scan stage's
high-water mark does not stay resident into the next stage."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# In a fresh interpreter: import the CLI module first (as the command does), then let Polars
# allocate and free ~400 MB, and print the resident MiB before, at and after the free.
_PROBE = """
import psutil
import distillguard.cli
import polars as pl

me = psutil.Process()
start = me.memory_info().rss
df = pl.DataFrame({"a": pl.int_range(0, 25_000_000, eager=True)}).with_columns(b=pl.col("a") * 2)
held = me.memory_info().rss
del df
print(start >> 20, held >> 20, me.memory_info().rss >> 20)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Polars uses jemalloc on Linux")
def test_freed_polars_memory_leaves_the_process_at_once() -> None:
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    )
    start, held, after = map(int, probe.stdout.split())
    assert held - start > 300  # the frame was resident ...
    assert after - start < 100  # ... and is gone right after the free
