"""Stop signals and the worker pool, with real processes: workers never outlive their parent,
and Ctrl-C or SIGTERM ends a scan with one line, its exit code and no worker left."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from distillguard.simulate import scenario_config, simulate

# A parent that keeps both workers busy for a minute; the stage must be importable by spawned
# workers, and ``time.sleep`` is.
SLOW_PARENT = """
import time
from distillguard.engine.local import LocalEngine
with LocalEngine(workers=2) as engine:
    for _ in engine.map_batches([60.0] * 4, time.sleep):
        pass
"""


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("stop") / "data"
    simulate(scenario_config(scale=0.05, seed=1), data, progress=False, workers=1)
    return data / "events.jsonl.gz"


def _workers(parent: psutil.Process) -> list[psutil.Process]:
    """The spawned pool workers among ``parent``'s children (not its resource tracker)."""
    found = []
    for child in parent.children():
        with contextlib.suppress(psutil.Error):
            if "--multiprocessing-fork" in child.cmdline():
                found.append(child)
    return found


def _started_workers(process: subprocess.Popen[str], n: int) -> list[psutil.Process]:
    parent = psutil.Process(process.pid)
    deadline = time.monotonic() + 60
    while len(workers := _workers(parent)) < n:
        assert process.poll() is None, "the parent ended before its workers started"
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.02)
    return workers


def _running(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still running (a zombie has exited; an orphan's may wait for its reaper)."""
    running = []
    for process in processes:
        with contextlib.suppress(psutil.Error):
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                running.append(process)
    return running


def _kill(processes: list[psutil.Process]) -> None:
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()


def _workers_left_after_kill(command: list[str]) -> tuple[int, list[psutil.Process]]:
    """Start ``command``, SIGKILL it once its two workers run (it runs no cleanup at all), and
    return how many workers it had and those still running 30 seconds later.

    A worker killed while it is still importing (the simulator's unpickle their render context
    first, which imports Polars and numpy) notices its parent only once the imports are done:
    seconds on a loaded machine."""
    process = subprocess.Popen(command, text=True)
    workers: list[psutil.Process] = []
    try:
        workers = _started_workers(process, 2)
        process.kill()
        process.wait(timeout=10)
        deadline = time.monotonic() + 30
        while _running(workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(workers), _running(workers)
    finally:
        process.kill()
        _kill(workers)


def test_workers_exit_when_their_parent_is_killed() -> None:
    started, left = _workers_left_after_kill([sys.executable, "-c", SLOW_PARENT])
    assert started == 2 and left == [], "the workers outlived their parent"


@pytest.mark.parametrize(
    ("signum", "group"),
    [(signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c-to-the-process-group", "sigterm-to-the-scan"],
)
def test_a_stopped_scan_ends_with_one_line_and_no_workers(
    events: Path, tmp_path: Path, signum: signal.Signals, group: bool
) -> None:
    command = [
        *(sys.executable, "-m", "distillguard", "scan", str(events), "--out", str(tmp_path)),
        *("--workers", "2", "--no-progress", "--no-report"),
    ]
    _assert_stopped_cleanly(command, signum, group)


def _assert_stopped_cleanly(command: list[str], signum: signal.Signals, group: bool) -> None:
    """Send ``signum`` to ``command`` (to its whole process group if ``group``, as Ctrl-C
    does) as soon as its two workers run: it ends with one line, the signal's exit code, no
    traceback, and no worker left."""
    # A session of its own, so Ctrl-C can be mimicked: SIGINT to the whole process group.
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    workers: list[psutil.Process] = []
    try:
        # At once, while the workers may still be starting up: Ctrl-C must not reach them
        # then either.
        workers = _started_workers(process, 2)
        if group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        _, stderr = process.communicate(timeout=30)
        left = _running(workers)  # the run shut its pool down before it exited
    finally:
        process.kill()
        _kill(workers)
    assert process.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr
    assert f"interrupted by {signum.name}" in stderr
    assert left == []


def test_simulator_workers_exit_with_their_parent_and_ctrl_c_ends_it_cleanly(
    tmp_path: Path,
) -> None:
    """The simulator renders in the engine's workers: they exit when it is killed, and a
    Ctrl-C to its process group ends it with one line and no traceback from any worker."""
    command = [sys.executable, "-m", "distillguard", "simulate", "--scale", "2"]
    started, orphans = _workers_left_after_kill(
        [*command, "--out", str(tmp_path / "a"), "--no-progress"]
    )
    assert started == 2 and orphans == [], "the simulator's workers outlived it"

    _assert_stopped_cleanly(
        [*command, "--out", str(tmp_path / "b"), "--no-progress"], signal.SIGINT, group=True
    )
