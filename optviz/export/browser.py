"""Chromium for the exports: finding it, and one kaleido 1.x session driving it (`Browser`).

Static images (png, svg, pdf) and the backgrounds of animations are rendered by kaleido 1.x in the
system Chromium, found the way kaleido finds it ($BROWSER_PATH, then chromium/chrome on PATH);
nothing is ever downloaded, and without a browser `ExportError` says how to install one while html,
csv and json still work.  MathJax is switched off in kaleido's page: its default is a CDN script,
and the figures hold no LaTeX.

This is the lowest module of `optviz.export`: `ExportError` lives here so that the frame
rasteriser and the encoders can raise it without importing the package.

References: kaleido 1.x (`Kaleido`, `calc_fig`), choreographer (`Chromium.find_browser`),
plotly.js `Plotly.toImage`.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

NO_BROWSER = (
    "PNG, SVG, PDF, GIF and MP4 exports need Chromium (kaleido renders the plotly figures in it) and none "
    "was found{where}. Install one with `apt-get install -y chromium` (Debian/Ubuntu; "
    "`brew install --cask chromium` on macOS), or set BROWSER_PATH to a Chrome or Chromium executable. "
    "HTML, CSV and JSON exports work without it."
)


class ExportError(RuntimeError):
    """An export that cannot be made here (no Chromium, no ffmpeg, a view without an exporter).

    From `export_many`, its `written` attribute lists the files written before it was raised.
    """

    written: list[Path] = []


def find_browser() -> str | None:
    """The Chrome/Chromium kaleido would use ($BROWSER_PATH first), or None; never downloads one."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    try:
        from choreographer.browsers.chromium import Chromium

        found = Chromium.find_browser(skip_local=False)
    except Exception:  # an import or platform quirk of the finder: fall back to PATH
        found = None
    if not found:
        for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
            found = shutil.which(name)
            if found:
                break
    return found if found and Path(found).is_file() else None


def browser_missing_message() -> str:
    env = os.environ.get("BROWSER_PATH")
    return NO_BROWSER.format(where=f" at BROWSER_PATH={env!r}" if env else "")


class Browser:
    """One headless Chromium driven by kaleido 1.x, shared by every render of an export session.

    Nothing starts until `start()` (returns at once: Chromium boots while the caller computes the
    scene) or the first render.  Its asyncio loop runs in a private thread, so it can be called
    from plain code, notebooks (which already run a loop) and Streamlit's script threads alike.
    Use as a context manager or call close().
    """

    def __init__(self, path: str | None = None, *, tabs: int = 1, timeout: float = 90.0) -> None:
        self.path = path
        # One tab: a second one doubles Chromium's start (2.4 -> 4.7 s measured) for little gain.
        self.tabs = tabs
        self.timeout = timeout
        self._future: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._path_used: str | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return self._future is not None

    def start(self) -> Browser:
        """Begin starting Chromium (about 2 s) and return at once; ExportError if there is none."""
        with self._lock:
            if self._future is not None:
                return self
            path = self.path or find_browser()
            if not path or not Path(path).is_file():
                where = f" at {path}" if self.path else ""
                raise ExportError(NO_BROWSER.format(where=where) if where else browser_missing_message())
            import kaleido

            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="optviz-kaleido", daemon=True)
            thread.start()

            async def boot() -> Any:
                k = _background_reloads(kaleido.Kaleido)(n=self.tabs, timeout=self.timeout, mathjax=False, path=path)
                await k.open()
                return k

            self._future = asyncio.run_coroutine_threadsafe(boot(), loop)
            self._loop, self._thread, self._path_used = loop, thread, path
            atexit.register(self.close)
            return self

    def _kaleido(self) -> Any:
        self.start()
        try:
            return self._future.result(self.timeout)
        except Exception as e:
            self.close()
            raise ExportError(f"could not start the browser at {self._path_used}: {e}") from e

    def open(self) -> Browser:
        """Start Chromium and wait until it is ready."""
        self._kaleido()
        return self

    def close(self) -> None:
        """Stop Chromium and the loop thread (safe to call twice)."""
        with self._lock:
            fut, loop, thread = self._future, self._loop, self._thread
            self._future = self._loop = self._thread = None
        if fut is None or loop is None:
            return
        try:
            k = fut.result(self.timeout)
            asyncio.run_coroutine_threadsafe(k.close(), loop).result(30)
        except Exception:  # it may have failed to start or already be gone; the loop must stop regardless
            pass
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(10)
        atexit.unregister(self.close)

    def render(self, fig: Any, fmt: str, *, width: int, height: int, scale: float = 1) -> bytes:
        """Bytes of `fig` as png, svg, pdf or json (kaleido's full figure: defaults resolved)."""
        return self.render_all([(fig, fmt, width, height, scale)])[0]

    def render_all(self, jobs: Sequence[tuple[Any, str, int, int, float]]) -> list[bytes]:
        """Several renders queued at once (spread over the tabs): [(fig, fmt, width, height, scale)]."""
        k = self._kaleido()
        loop = self._loop
        assert loop is not None

        async def many() -> list[bytes]:
            return await asyncio.gather(
                *(
                    k.calc_fig(_plain(fig), opts={"format": fmt, "width": w, "height": h, "scale": s})
                    for fig, fmt, w, h, s in jobs
                )
            )

        try:
            out = asyncio.run_coroutine_threadsafe(many(), loop).result(self.timeout * max(1, len(jobs)))
        except Exception as e:
            raise ExportError(f"kaleido could not render the figure: {e}") from e
        return [bytes(b) for b in out]


def _background_reloads(cls: type) -> type:
    """kaleido's browser class, handing back each image before its tab is reloaded.

    kaleido 1.x reloads a tab (re-parsing 4.7 MB of plotly.js) after every render and returns the
    image only then; moved to a background task, the reload overlaps our own work instead: 0.15 to
    0.2 s less per render (measured).  The tab still goes back to kaleido's queue only once
    reloaded, so no render ever meets a used page.  Without that private hook, plain kaleido.
    """
    if not hasattr(cls, "_return_kaleido_tab"):
        return cls

    class Kaleido(cls):  # type: ignore[misc, valid-type]
        async def _return_kaleido_tab(self, tab: Any) -> None:
            task = asyncio.get_running_loop().create_task(super()._return_kaleido_tab(tab))
            pending = self.__dict__.setdefault("_optviz_reloads", set())
            pending.add(task)  # keep a reference until it is done
            task.add_done_callback(pending.discard)

    return Kaleido


def _plain(fig: Any) -> dict[str, Any]:
    """The figure as a dict without frames (kaleido renders data and layout only).

    A figure object is copied without its frames first: `to_dict` deep-copies every frame (0.45 s
    of a 100-frame decision boundary) only for them to be dropped here.  Its data and layout were
    validated when built, so the copy skips validation.
    """
    if hasattr(fig, "to_dict"):
        import plotly.graph_objects as go

        bare = {"data": [t.to_plotly_json() for t in fig.data], "layout": fig.layout.to_plotly_json()}
        return go.Figure(bare, _validate=False).to_dict()
    d = dict(fig)
    d.pop("frames", None)
    return d
