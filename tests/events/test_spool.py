"""Chunks handed to workers through the spool file come back whole, and slots are only
written again after their item is released."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.engine.local import LocalEngine
from distillguard.events.chunks import LineChunk, Reject
from distillguard.events.spool import ChunkSpool, SpooledChunk, map_spooled, unspooled


def _chunk(i: int, size: int) -> LineChunk:
    return LineChunk("log.jsonl", "jsonl", 1 + 10 * i, bytes([65 + i % 26]) * size)


def test_slots_are_written_again_only_after_release(tmp_path: Path) -> None:
    chunks = [_chunk(i, 60) for i in range(4)]
    with ChunkSpool(2, slot_bytes=100, directory=tmp_path) as spool:
        shared = spool.share(chunks)
        first, second, third = next(shared), next(shared), next(shared)
        assert isinstance(first, SpooledChunk)
        assert isinstance(second, SpooledChunk)
        assert third is chunks[2]  # both slots busy: through the pipe
        spool.release()  # the first item's result is back
        fourth = next(shared)
        assert isinstance(fourth, SpooledChunk)
        assert fourth.offset == first.offset
        assert unspooled(second) == chunks[1]
        assert unspooled(fourth) == chunks[3]


def test_rejects_and_oversized_chunks_pass_unchanged_and_free_no_slot(tmp_path: Path) -> None:
    reject = Reject("log.jsonl", 3, "not JSON", "invalid_json", b"oops")
    big, small = _chunk(0, 101), [_chunk(i, 10) for i in range(1, 4)]
    with ChunkSpool(2, slot_bytes=100, directory=tmp_path) as spool:
        shared = spool.share([reject, big, *small])
        assert next(shared) is reject
        assert next(shared) is big
        held = next(shared)
        assert isinstance(held, SpooledChunk)
        spool.release()  # the reject's
        spool.release()  # the big chunk's: neither held a slot
        other = next(shared)
        assert isinstance(other, SpooledChunk)
        assert other.offset != held.offset
        assert next(shared) is small[2]
        assert unspooled(held) == small[0]
        assert unspooled(other) == small[1]


def test_without_a_usable_directory_every_chunk_goes_through_the_pipe(tmp_path: Path) -> None:
    chunks = [_chunk(i, 10) for i in range(3)]
    with ChunkSpool(2, directory=tmp_path / "missing") as spool:
        assert not spool.active
        assert list(spool.share(chunks)) == chunks


def test_a_spool_takes_at_most_a_quarter_of_the_free_space(tmp_path: Path) -> None:
    free = shutil.disk_usage(tmp_path).free
    with ChunkSpool(4, slot_bytes=free // 15, directory=tmp_path) as spool:
        assert not spool.active  # 4 slots would take more than a quarter
        assert list(tmp_path.iterdir()) == []
    with ChunkSpool(2, slot_bytes=1000, directory=tmp_path) as spool:
        assert spool.active


def test_the_spool_file_is_removed_on_leaving(tmp_path: Path) -> None:
    with ChunkSpool(2, slot_bytes=100, directory=tmp_path) as spool:
        path = Path(spool.path)
        assert path.exists()
        assert path.stat().st_size == 200  # reserved up front
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 150), min_size=1, max_size=30),
    releases=st.lists(st.integers(0, 3), min_size=30, max_size=30),
    slots=st.integers(1, 4),
)
def test_every_unreleased_item_reads_back_whole(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int], releases: list[int], slots: int
) -> None:
    chunks = [_chunk(i, size) for i, size in enumerate(sizes)]
    outstanding: list[tuple[LineChunk, LineChunk | Reject | SpooledChunk]] = []
    with ChunkSpool(slots, slot_bytes=100, directory=tmp_path_factory.mktemp("spool")) as spool:
        for chunk, item, n in zip(chunks, spool.share(chunks), releases, strict=False):
            outstanding.append((chunk, item))
            assert unspooled(item) == chunk
            if len(chunk.data) > 100:
                assert item is chunk
            for _ in range(min(n, len(outstanding))):  # results come back oldest first
                spool.release()
                outstanding.pop(0)
        for chunk, item in outstanding:
            assert unspooled(item) == chunk


def test_chunks_come_back_whole_through_worker_processes(tmp_path: Path) -> None:
    chunks = [_chunk(i, 1000 + 37 * i) for i in range(40)]
    kinds: list[type] = []

    def tapped(
        items: Iterator[LineChunk | Reject | SpooledChunk],
    ) -> Iterator[LineChunk | Reject | SpooledChunk]:
        for item in items:
            kinds.append(type(item))
            yield item

    with LocalEngine(workers=2) as engine:
        assert list(map_spooled(engine, chunks, unspooled)) == chunks
        with ChunkSpool(3, directory=tmp_path) as spool:
            back = []
            for result in engine.map_batches(tapped(spool.share(chunks)), unspooled):
                spool.release()
                back.append(result)
    assert back == chunks
    assert kinds.count(SpooledChunk) > 3  # slots were written again after their release


def test_inline_mapping_passes_chunks_as_they_are(tmp_path: Path) -> None:
    chunks = [_chunk(i, 10) for i in range(3)]
    with LocalEngine(workers=1) as engine:
        assert list(map_spooled(engine, chunks, lambda item: item)) == chunks


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_a_worker_keeps_only_the_latest_spool_open(tmp_path: Path) -> None:
    def open_spools() -> int:
        targets = []
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(FileNotFoundError):  # the listing's own descriptor
                targets.append(os.readlink(f"/proc/self/fd/{fd}"))
        return sum("distillguard-spool-" in target for target in targets)

    for _ in range(3):
        with ChunkSpool(1, slot_bytes=100, directory=tmp_path) as spool:
            [item] = spool.share([_chunk(0, 10)])
            assert unspooled(item) == _chunk(0, 10)
    assert open_spools() == 1
