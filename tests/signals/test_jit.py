"""The kernel cache is stamped with every kernel source, so no edit runs stale code."""

from __future__ import annotations

from pathlib import Path

from distillguard.signals import jit, kernel


def test_stamp_covers_every_kernel_module(tmp_path: Path) -> None:
    (tmp_path / "jit.py").write_text("# decorator\n")
    (tmp_path / "a.py").write_text("from distillguard.signals.jit import jit\nX = 1\n")
    (tmp_path / "b.py").write_text("Y = 1\n")
    before = jit.sources_stamp(tmp_path)
    (tmp_path / "b.py").write_text("Y = 2\n")  # not a kernel module
    assert jit.sources_stamp(tmp_path) == before
    (tmp_path / "a.py").write_text("from distillguard.signals.jit import jit\nX = 2\n")
    assert jit.sources_stamp(tmp_path) != before


def test_kernel_functions_use_the_package_stamp() -> None:
    locator = kernel._prompt_kernel._cache._impl.locator
    assert isinstance(locator, jit._PackageStamped)
    assert locator.get_source_stamp() == jit.package_stamp()
    assert jit.package_stamp()[:16] in locator.get_cache_path() or isinstance(locator, jit._InTree)
