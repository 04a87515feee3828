"""The live chart: the page's animated figures drawn, played and scrubbed in the browser.

    payload = live_payload(scene_figure(scene, results, animate=False, height=680), frames=..., fps=...)
    sent = st.session_state.setdefault("_live_sent", set())
    clicked = live_chart(payload, key="live_chart", height=720, sent=sent)   # (x, y) once per click

    payload = live_payload_mlp(mlp_figure(scene, run, "boundary"), fps=...)   # the MLP view's
    live_chart(payload, key="live_mlp", height=560, sent=sent)                 # never clicked

A Streamlit `st.components.v2` component (no iframe, no build step): `live_chart.css` and a small
JS stub are registered inline; the stub imports `live_chart.js` once per page from Streamlit's
component file route (inline JS would travel with every rerun's message) and calls it again with
each rerun's data.  The JS keeps a
module-level cache of static parts by key, plays the frames with requestAnimationFrame (one plotly
call per frame, at most ~30 a second), and in the surfaces mode hit-tests clicks on the contour
panel itself and reports them as a trigger value (so a click is reported in one rerun only).  The
payload's `kind` ("surfaces" or "mlp", see `optviz.figures.live`) picks the mode; the player is one.
What the player writes itself (tooltips, "step 120" under the slider) comes in the data's `text`,
in the page's language (`texts`).

How plotly.js reaches the page: the copy that the plotly Python package ships
(`plotly/package_data/plotly.min.js`, no CDN, no second chart library) is served by Streamlit's
component file route, `<baseUrlPath>/component/optviz.ui.live_chart.plotly_js/plotly.min.js`,
registered with `components.v1.declare_component(path=<that directory>)`.  The JS imports that URL
once per page (the file is UMD and sets `window.Plotly`); the browser caches it (Cache-Control:
public) and the `?v=` query names the plotly version.  Rejected: inlining it as the component's JS
(4.8 MB in every rerun's message, hashed by the frontend on every data change) and v2's `asset_dir`
(it must be declared in the project's pyproject.toml and may not point outside the package, and
copying 4.8 MB of plotly into the repository would fork it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import plotly
import streamlit as st
from streamlit.components.v1 import declare_component

from optviz.figures.live import LivePayload
from optviz.i18n import _

_HERE = Path(__file__).resolve().parent
_PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
_PLOTLY_COMPONENT = "plotly_js"  # registered as optviz.ui.live_chart.plotly_js (module name + this)
_MODULE_COMPONENT = "module_js"  # this directory, for live_chart.js: optviz.ui.live_chart.module_js
_MODULE_VERSION = hashlib.sha256((_HERE / "live_chart.js").read_bytes()).hexdigest()[:12]

# The component's own JS is this stub: Streamlit sends a v2 component's inline JS with every
# rerun's message (24 kB of live_chart.js per slider move, measured), so the stub imports the
# player once per page from the file route (`module_url`, cached by the browser by version) and
# hands it each call.  The first call's cleanup waits for the import.
_STUB = """
let player = null;
let loading = null;
export default function (component) {
  if (player) return player(component);
  const url = component.data && component.data.module_url;
  if (!url) return undefined;
  let cleanup = null;
  let gone = false;
  loading ||= import(new URL(url, window.location.href).href).then((m) => (player = m.default));
  loading.then((p) => { if (!gone) cleanup = p(component); }).catch((e) => console.error("optviz live chart:", e));
  return () => { gone = true; if (cleanup) cleanup(); };
}
"""

_component = st.components.v2.component(
    "optviz.live_chart",
    js=_STUB,
    css=(_HERE / "live_chart.css").read_text(encoding="utf-8"),
    # plotly.js puts its own CSS (hover labels, mode bar) in document.head: a shadow root would
    # hide it from the chart.
    isolate_styles=False,
)

DEFAULT_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "optviz"},
}


def plotly_js_url() -> str:
    """Where the page loads plotly.min.js from (registers the file route on first use; needs a
    running script, as every Streamlit component registration does)."""
    declare_component(_PLOTLY_COMPONENT, path=str(_PLOTLY_DIR))
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}" if base else ""
    return f"{prefix}/component/{__name__}.{_PLOTLY_COMPONENT}/plotly.min.js?v={plotly.__version__}"


def module_url() -> str:
    """Where the page loads live_chart.js from (the file route of this directory, as plotly_js_url;
    `?v=` is the file's hash, so a changed player is fetched again)."""
    declare_component(_MODULE_COMPONENT, path=str(_HERE))
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}" if base else ""
    return f"{prefix}/component/{__name__}.{_MODULE_COMPONENT}/live_chart.js?v={_MODULE_VERSION}"


_preload = st.components.v2.component(
    "optviz.live_chart_preload",
    js="""
export default function (component) {
  const d = component.data || {};
  if (window.__optvizPreload || !d.plotly) return undefined;
  const abs = (u) => new URL(u, window.location.href).href;
  // the same URLs as the player's imports: the browser's module map returns these loads to them
  window.__optvizPreload = [import(abs(d.plotly)), import(abs(d.player))];
  window.__optvizPreload.forEach((p) => p.catch(() => {}));
  return undefined;
}
""",
    isolate_styles=False,
)


def preload_player() -> None:
    """Start loading plotly.js and the player at the top of the page: the browser fetches and
    compiles them while Streamlit draws the sidebar, not after the chart's element arrives at the
    end of the script (an element of no height; `st.html` strips <link rel=modulepreload>)."""
    _preload(key="live_chart_preload", data={"plotly": plotly_js_url(), "player": module_url()}, height=0)


def texts() -> dict[str, str]:
    """What the player writes into the page (button tooltips, the step under the slider), in the
    current language; the JS keeps its English ones for a key it does not get.  {speed} and {step}
    are filled in by the JS."""
    return {
        "play": _("play"),
        "pause": _("pause"),
        "speed": _("{speed}× speed"),
        "slider": _("step"),
        "step": _("step {step}"),
        "inspect": _("inside this step: its arrows and numbers"),
        "inspect_button": _("inside this step"),
    }


def _noop() -> None:
    """Declares the `click` trigger (Streamlit reports only events with a callback)."""


def live_chart(
    payload: LivePayload,
    *,
    key: str,
    height: int,
    sent: set[str] | None = None,
    config: dict[str, Any] | None = None,
    fill: bool = False,
    on_inspect: Callable[[int], None] | None = None,
) -> tuple[float, float] | None:
    """Show `payload` (see `optviz.figures.live`); return the point (x, y) of the contour panel the
    user just clicked, or None (a click is returned in the one rerun it causes, never again; an MLP
    payload never reports one).

    key: the element's key (keeps the chart mounted while its data change).
    height: the component's height in pixels, the player's bar under the plot included.
    sent: the static keys this browser session already has; the caller keeps the set in session
        state and this function updates it.  None: send the static part every time.
    config: plotly.js config (default: no logo, no lasso/box select, PNG at scale 2).
    fill: take the window's whole height below the chart's top (presentation mode); else the
        chart shrinks to the window (never below a readable size) but does not grow past `height`.
    on_inspect: called (as a callback, before the rerun) with the step the player shows when the
        user presses its "inside this step" button; None: no such button.
    """
    if sent is not None and (resend := _requested_static(key)) is not None:
        sent.discard(resend)
    include = sent is None or payload.static_key not in sent
    data = {
        "static_key": payload.static_key,
        "static": payload.static if include else None,
        "dynamic": payload.dynamic,
        "plotly_url": plotly_js_url(),
        "module_url": module_url(),
        "height": int(height),
        "config": DEFAULT_CONFIG if config is None else config,
        "text": texts(),
        "fill": bool(fill),
        "inspect": on_inspect is not None,
    }
    result = _component(
        key=key,
        data=data,
        # the element follows the chart's own height (the JS fits the MLP's square panels)
        height="content",
        on_click_change=_noop,
        on_need_static_change=_noop,
        on_inspect_change=_noop if on_inspect is None else lambda: _inspected(key, on_inspect),
    )
    if sent is not None:
        sent.add(payload.static_key)
    click = result.get("click") if hasattr(result, "get") else getattr(result, "click", None)
    if isinstance(click, dict) and "x" in click and "y" in click:
        return float(click["x"]), float(click["y"])
    return None


def _inspected(key: str, on_inspect: Callable[[int], None]) -> None:
    """The "inside this step" trigger: its step, passed on (a bad value from the page is dropped)."""
    state = st.session_state.get(key)
    value = state.get("inspect") if hasattr(state, "get") else None
    step = value.get("step") if isinstance(value, dict) else None
    if isinstance(step, (int, float)) and step >= 1:
        on_inspect(int(step))


def _requested_static(key: str) -> str | None:
    """The static key the browser asked for in this rerun's trigger (it lost or never had it)."""
    state = st.session_state.get(key)
    value = state.get("need_static") if hasattr(state, "get") else None
    return value if isinstance(value, str) else None


__all__ = ["DEFAULT_CONFIG", "live_chart", "module_url", "plotly_js_url", "preload_player", "texts"]
