"""The numba decorator for signal kernels, with a cache that notices edits to any of them.

Compiling the text kernel takes tens of seconds, so compiled code is cached on disk. Numba
checks a cached function only against its own source file, but the kernel inlines functions
from several modules here: after an edit (or an upgrade) to one of them it would silently
run the old machine code. The locators below stamp every cache entry of this package with
one hash over all its kernel sources instead, and keep the entries in a user-wide directory
named by that hash (under ``NUMBA_CACHE_DIR`` if set), so every checkout with the same
sources (CI clones, worktrees) reuses one compilation. Anything else numba compiles is left
alone.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from numba import njit
from numba.core import caching, config

PACKAGE_DIR = Path(__file__).resolve().parent


def sources_stamp(directory: Path) -> str:
    """SHA-256 over ``jit.py`` and every module in ``directory`` that uses ``jit``."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.py")):
        source = path.read_bytes()
        if path.name == "jit.py" or b"from distillguard.signals.jit import" in source:
            digest.update(path.name.encode())
            digest.update(source)
    return digest.hexdigest()


@functools.cache
def package_stamp() -> str:
    """``sources_stamp`` of this package, computed once per process."""
    return sources_stamp(PACKAGE_DIR)


class _PackageStamped:
    """Locator mixin: applies to this package's functions, stamped with ``package_stamp``."""

    def get_source_stamp(self) -> str:
        return package_stamp()

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> Any:
        if Path(py_file).resolve().parent != PACKAGE_DIR:
            return None
        return super().from_function(py_func, py_file)  # type: ignore[misc]


class _Shared(_PackageStamped, caching.UserWideCacheLocator):
    """User-wide cache directory named by the package stamp."""

    def __init__(self, py_func: Any, py_file: str) -> None:
        super().__init__(py_func, py_file)
        root = getattr(config, "CACHE_DIR", "") or os.path.dirname(self._cache_path)
        self._cache_path = os.path.join(root, f"distillguard-{package_stamp()[:16]}")


class _InTree(_PackageStamped, caching.InTreeCacheLocator):
    """Fallback: the package's own ``__pycache__`` when no user cache is writable."""


_LOCATORS = caching.CacheImpl._locator_classes
for _cls in (_InTree, _Shared):
    if _cls not in _LOCATORS:
        _LOCATORS.insert(0, _cls)


def jit(fn: Callable[..., Any]) -> Any:
    """``numba.njit`` with the on-disk cache above and the GIL released."""
    return njit(cache=True, nogil=True)(fn)
