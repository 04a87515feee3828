"""Numba settings for every optviz kernel, kept in one place.

`fastmath` stays off: it lets LLVM assume no NaN/inf, and divergence detection depends on
exactly those checks.  `cache=True` keeps start-up fast (compiled code is stored beside the
sources); remember its limit: a change in another module that a kernel inlines does not
invalidate that kernel's cache (clear `__pycache__` or set NUMBA_CACHE_DIR when developing).
Interactive kernels stay serial: `parallel=True` kernels called from Streamlit's session
threads can abort the process with numba's default threading layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba

JIT_OPTIONS: dict[str, Any] = {"cache": True, "fastmath": False, "nogil": True, "error_model": "numpy"}


def jit(fn: Callable) -> Callable:
    """Compile `fn` with the project's Numba settings (nopython, cached, no fastmath)."""
    return numba.njit(**JIT_OPTIONS)(fn)
