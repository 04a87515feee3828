"""Shared fixtures for the app and figure tests: the JIT warmed once per test session, and a live
Streamlit server for the real-browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import optviz


@pytest.fixture(scope="session")
def warm_jit() -> None:
    """Compile (or load) the kernels once, so no single test pays the cold start."""
    optviz.warmup()


ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"


APP = str(ROOT / "app.py")


def run_app(query: dict[str, str] | None = None, timeout: float = 60) -> AppTest:
    """The page under Streamlit's AppTest, opened with `query` as its URL parameters, after one run."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def assert_page_ok(at: AppTest, *, errors: bool = False) -> None:
    """No exception on the page (and, with errors=True, no st.error either)."""
    assert not at.exception, [e.value for e in at.exception]
    if errors:
        assert not at.error, [e.value for e in at.error]


def require_browser() -> None:
    """Call at a browser-test module's top: skip it without Chromium or Playwright on a developer
    machine; with CI=true a missing browser is a failure, never a skip."""
    if not Path(CHROMIUM).exists():
        if IN_CI:
            raise RuntimeError(f"CI=true but no Chromium at {CHROMIUM}: the browser test must run in CI")
        pytest.skip(f"no Chromium at {CHROMIUM} (install the distribution's chromium package)", allow_module_level=True)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if IN_CI:
            raise
        pytest.skip("playwright (python) is not installed", allow_module_level=True)


@contextmanager
def socket_frames(page: Any) -> Iterator[list[bytes]]:
    """The websocket frames the page receives while the block runs (its socket is open already, so
    Playwright's `websocket` event would not see it: Chromium's DevTools protocol does)."""
    import base64

    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    raw: list[str] = []
    cdp.on("Network.webSocketFrameReceived", lambda e: raw.append(e["response"]["payloadData"]))
    frames: list[bytes] = []
    try:
        yield frames
    finally:
        cdp.detach()
        frames.extend(base64.b64decode(d) for d in raw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(log_name: str, start_timeout_s: float = 240) -> Iterator[str]:
    """`streamlit run app.py` on a free local port until the block ends; yields its URL.

    The log goes to artifacts/<log_name> (a file, not a pipe: a full pipe would block the server).
    """
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / log_name, "w")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        t0 = time.monotonic()
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log.name}")
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if time.monotonic() - t0 > start_timeout_s:
                raise RuntimeError("streamlit did not answer its health check")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
