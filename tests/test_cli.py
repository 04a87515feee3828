"""The `optviz` command: version, bench dispatch, and the app launcher serving the page."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import optviz
from optviz import cli


def test_version(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"optviz {optviz.__version__}"


def test_unknown_benchmark_is_a_clear_error(capsys):
    assert cli.main(["bench", "nope"]) == 2
    assert "benchmark must be one of: kernel, mlp, export" in capsys.readouterr().err


def test_bench_kernel_prints_ratios(capsys):
    assert (
        cli.main(["bench", "kernel", "--only", "adam", "--steps", "2000", "--python-steps", "50", "--repeats", "1"])
        == 0
    )
    out = capsys.readouterr().out
    assert "| adam |" in out and "optviz / hand" in out and "cold compile" in out


def test_optviz_launches_the_app_on_localhost():
    exe = shutil.which("optviz")
    if exe is None:
        pytest.skip("the optviz console script is not installed (pip install -e .)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [exe, "--server.port", str(port), "--server.headless", "true", "--server.fileWatcherType", "none"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 120:
            try:
                if urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise AssertionError("optviz did not serve the app within 120 s")
        page = urllib.request.urlopen(f"http://localhost:{port}/", timeout=5).read().decode()
        assert "<title>" in page.lower() or "streamlit" in page.lower()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert "optviz: starting the app" in out
    assert f"localhost:{port}" in out  # Streamlit printed the local URL
    assert sys.executable
