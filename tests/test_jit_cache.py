"""The stale-cache guard: editing any engine source drops the cached kernels."""

from __future__ import annotations

from optviz import _jit


def test_cached_kernels_are_dropped_when_a_source_changes(tmp_path, monkeypatch):
    pkg, other = tmp_path / "optviz", tmp_path / "surfaces"
    for p in (pkg, other):
        (p / "__pycache__").mkdir(parents=True)
        (p / "mod.py").write_text("from optviz._jit import jit\nx = 1\n")
    (pkg / "figures.py").write_text("y = 1\n")  # holds no compiled code
    monkeypatch.setattr(_jit, "_PACKAGES", (pkg, other))
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)

    _jit._drop_stale_cache()  # first sight: stamp written
    kernel = other / "__pycache__" / "mod.kernel-1.py311.nbi"
    kernel.write_text("compiled")
    _jit._drop_stale_cache()  # nothing changed: the cache stays
    assert kernel.exists()

    (pkg / "figures.py").write_text("y = 2\n")  # a module without kernels changed: cache kept
    _jit._drop_stale_cache()
    assert kernel.exists()

    (pkg / "mod.py").write_text("from optviz._jit import jit\nx = 2\n")  # a kernel module changed
    _jit._drop_stale_cache()
    assert not kernel.exists()
    assert (pkg / "__pycache__" / "numba-sources.sha1").is_file()


def test_an_explicit_cache_dir_is_left_alone(tmp_path, monkeypatch):
    (tmp_path / "__pycache__").mkdir()
    kernel = tmp_path / "__pycache__" / "k.nbi"
    kernel.write_text("compiled")
    monkeypatch.setattr(_jit, "_PACKAGES", (tmp_path,))
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "elsewhere"))
    _jit._drop_stale_cache()
    assert kernel.exists()
