"""Numba settings for every optviz kernel, kept in one place, and a guard against stale caches.

`fastmath` stays off: it lets LLVM assume no NaN/inf, and divergence detection depends on
exactly those checks.  `cache=True` keeps start-up fast (compiled code is stored beside the
sources).  Its limit: Numba keys a kernel's cache on its own file only, so a kernel that
inlines code from another module (the surface functions, the update rules, the MLP's forward
pass) would keep running the old code after that module changes, and a changed memory layout
can even crash it.  `_drop_stale_cache` therefore fingerprints every engine source file at
import and deletes the cached kernels when any of them changed.
Dispatchers over a registry (`generate`) are written out as Python source from the registry at
import and compiled like any other kernel: one place to add a rule or a surface, and still one
cached kernel with integer opcodes.
Interactive kernels stay serial: `parallel=True` kernels called from Streamlit's session
threads can abort the process with numba's default threading layer.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numba

JIT_OPTIONS: dict[str, Any] = {"cache": True, "fastmath": False, "nogil": True, "error_model": "numpy"}

_PACKAGES = (Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "surfaces")


def _drop_stale_cache() -> None:
    """Delete the cached kernels beside the sources when any engine source file changed."""
    if os.environ.get("NUMBA_CACHE_DIR"):  # the user manages an explicit cache folder
        return
    # Only modules that hold or feed compiled code count: editing a figure builder keeps the cache.
    texts = [p.read_bytes() for pkg in _PACKAGES for p in sorted(pkg.rglob("*.py"))]
    compiled = [t for t in texts if b"jit" in t]  # kernels, rules, surface functions, MLP passes
    digest = hashlib.sha1(b"".join(compiled) + numba.__version__.encode()).hexdigest()
    stamp = _PACKAGES[0] / "__pycache__" / "numba-sources.sha1"
    try:
        if stamp.is_file() and stamp.read_text() == digest:
            return
        for pkg in _PACKAGES:
            for cached in (*pkg.rglob("__pycache__/*.nbi"), *pkg.rglob("__pycache__/*.nbc")):
                cached.unlink(missing_ok=True)
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:  # a read-only install: Numba then compiles in memory, nothing stale to fear
        pass


_drop_stale_cache()


K = TypeVar("K")
V = TypeVar("V")
# Re-entrant: a maker may ask for another made thing (a batch's range loop for its surface runner).
_made_lock = threading.RLock()


def made_once(cache: dict[K, V], key: K, make: Callable[[], V]) -> V:
    """`cache[key]`, made by `make()` once per process even when threads ask for it at once (a
    compile); once made, it is read without taking the lock."""
    hit = cache.get(key)
    if hit is None:
        with _made_lock:
            hit = cache.get(key)
            if hit is None:
                hit = cache[key] = make()
    return hit


def jit(fn: Callable | None = None, *, inline: bool = False) -> Callable:
    """Compile `fn` with the project's Numba settings (nopython, cached, no fastmath).

    inline=True inlines the function at Numba IR level into its callers (for the small
    dispatchers on the hot path, where LLVM would otherwise pass every array struct by value).
    """
    opts = dict(JIT_OPTIONS, inline="always") if inline else JIT_OPTIONS
    if fn is None:
        return lambda f: numba.njit(**opts)(f)
    return numba.njit(**opts)(fn)


def generate(
    name: str,
    params: str,
    branches: list[tuple[int, str]],
    namespace: dict[str, Any],
    doc: str = "",
    *,
    inline: bool,
) -> Callable:
    """Compile `def name(params): if code == k: <body k> elif ...` into `namespace` and jit it.

    branches: (opcode, body) pairs; a body is one or more lines of Python (no indentation of its
    own; nested blocks keep theirs).  The last branch is the fall-through `else`; a single branch
    is the whole body (no ladder).  The function's
    code object names the module file of `namespace` (Numba's cache keys a kernel on that file and
    on the bytecode, so a changed registry recompiles), and its source stays readable as
    `fn.py_func.source`.  `doc` becomes the function's docstring without entering that source.
    Numba sees the same thing as a hand-written ladder: `if code == 3` on an integer, which LLVM
    turns into a jump table.
    """
    lines = [f"def {name}({params}):"]
    if len(branches) == 1:  # no ladder: the body itself
        lines += [f"    {b}" if b else "" for b in branches[0][1].splitlines()]
    for i, (code, body) in enumerate(branches if len(branches) > 1 else ()):
        head = "else:" if i == len(branches) - 1 else f"{'if' if i == 0 else 'elif'} code == {code}:"
        lines.append(f"    {head}")
        lines += [f"        {b}" if b else "" for b in body.splitlines()]
    source = "\n".join(lines) + "\n"
    exec(compile(source, namespace["__file__"], "exec"), namespace)  # noqa: S102 - our own registry, not user text
    fn = namespace[name]
    fn.__doc__ = doc or None
    fn.source = source
    jitted = jit(fn, inline=inline)
    namespace[name] = jitted
    return jitted


def cfunc(signature: Any, fn: Callable) -> Any:
    """Compile `fn` as a C callback of `signature` with the project's settings, in memory.

    For functions printed at run time (a custom surface's formula): they have no source file, so
    Numba cannot cache them on disk; callers keep them per process.  A jitted kernel receives them
    as a first-class function (`numba.types.FunctionType`), which does not depend on which function
    it is: the kernel compiles (and caches) once for every formula.
    """
    opts = {k: v for k, v in JIT_OPTIONS.items() if k not in ("cache", "nogil")}
    return numba.cfunc(signature, **opts)(fn)
