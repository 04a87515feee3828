"""Shared fixtures for the app and figure tests: the JIT warmed once per test session."""

from __future__ import annotations

import pytest

import optviz


@pytest.fixture(scope="session")
def warm_jit() -> None:
    """Compile (or load) the kernels once, so no single test pays the cold start."""
    optviz.warmup()
