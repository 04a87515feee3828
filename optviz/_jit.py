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


def jit(fn: Callable | None = None, *, inline: bool = False) -> Callable:
    """Compile `fn` with the project's Numba settings (nopython, cached, no fastmath).

    inline=True inlines the function at Numba IR level into its callers (for the small
    dispatchers on the hot path, where LLVM would otherwise pass every array struct by value).
    """
    opts = dict(JIT_OPTIONS, inline="always") if inline else JIT_OPTIONS
    if fn is None:
        return lambda f: numba.njit(**opts)(f)
    return numba.njit(**opts)(fn)
