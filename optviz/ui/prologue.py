"""The start of every page: its header, the kernels warmed (once per server), notices and load errors.

    prologue(view, tagline)    header, warm-up under a spinner, the URL's notices, a scene that did not load,
                               and the Lecture picker atop the sidebar (`optviz.ui.lecture`)

Warm-up runs once per server process (`st.cache_resource`).  The surfaces kernel compiles in about
6 s cold, the MLP's in about 12 s: whichever view opens first also starts the other's compilation
in a second process, so a later switch loads it from Numba's cache instead of waiting.
"""

from __future__ import annotations

import gc
import subprocess
import time

import streamlit as st

from optviz import api, mlp
from optviz.i18n import N_, _
from optviz.ui.controls import language_control, presentation_toggle
from optviz.ui.lecture import lecture_picker, lecture_step_button
from optviz.ui.live_chart import preload_player
from optviz.ui.state import ss

_SPINNERS = {
    "surfaces": N_("Compiling the optimizer kernels (first start of the server only, about 10 s)…"),
    "mlp": N_("Compiling the MLP kernels (first MLP page of the server only, about 20 s)…"),
}


@st.cache_resource(show_spinner=False)
def _helpers() -> dict[str, subprocess.Popen | bool | None]:
    """Per server process: the helper process compiling the MLP kernels (if one was started), and
    whether this process has the MLP kernels already (then no helper is needed)."""
    return {"mlp": None, "mlp_warm": False}


@st.cache_resource(show_spinner=False)
def _warm(view: str) -> float:
    """Compile (or load from Numba's cache) the kernels `view` needs, once per server process."""
    t = time.perf_counter()
    helper = _helpers()["mlp"]
    if view == "surfaces":
        api.warmup()
        if helper is None and not _helpers()["mlp_warm"]:
            _helpers()["mlp"] = api.compile_mlp_in_background()
    elif helper is not None:
        helper.wait()  # compiled meanwhile by the process the surfaces started: this loads it from the cache
        mlp.warmup()
    else:
        mlp.warmup(include_surfaces=True)
    if view == "mlp":
        _helpers()["mlp_warm"] = True
    # Everything alive now (Streamlit, plotly's validators, numba) lives as long as the server:
    # freezing it keeps full garbage collections from rescanning it during a rerun.  Measured on
    # the default scene's figure build: 90th percentile 214 -> 140 ms.
    gc.freeze()
    return time.perf_counter() - t


# Presentation mode: no toolbar, the page's padding down to a strip, the whole width for the figure.
_PRESENTING_CSS = """<style>
header[data-testid="stHeader"] { display: none; }
[data-testid="stMainBlockContainer"] { padding: .5rem 1.2rem .5rem 1.2rem !important; max-width: 100% !important; }
</style>"""


def header(tagline: str) -> None:
    """The name and the view's tagline, with the presentation toggle at the right; in presentation
    mode a thin strip: the name, the previous / next lecture scene and the toggle."""
    presenting = bool(ss.get("presentation"))
    if presenting:
        st.html(_PRESENTING_CSS)
        c1, c2, c3, c4 = st.columns([6, 0.5, 0.5, 1.4], vertical_alignment="center", gap="small")
        c1.markdown("<span style='font-weight:700;opacity:.6'>optviz</span>", unsafe_allow_html=True)
        with c2:
            lecture_step_button(-1, "present_prev")
        with c3:
            lecture_step_button(1, "present_next")
    else:
        c1, c4 = st.columns([4.2, 1.3], vertical_alignment="bottom")
        c1.markdown(
            "<div style='display:flex;align-items:baseline;gap:.8rem;margin:-2.2rem 0 .2rem 0'>"
            "<span style='font-size:1.9rem;font-weight:700;letter-spacing:-.02em'>optviz</span>"
            f"<span style='opacity:.7'>{tagline}</span></div>",
            unsafe_allow_html=True,
        )
    with c4:
        presentation_toggle()


def prologue(view: str, tagline: str) -> None:
    """Header, warm-up, then what the address or a scene file could not give (as notices, not errors).

    The Lecture picker is drawn here, before the page draws its sidebar, so it stands at the top
    of the sidebar of both views."""
    header(tagline)
    preload_player()
    with st.sidebar:
        language_control()
        lecture_picker()
    with st.spinner(_(_SPINNERS[view])):
        _warm(view)
    for n in ss.pop("_notices", []) or []:
        st.warning(_("From the address: {notice}").format(notice=n), icon=":material/warning:")
    if ss.get("_demo_error"):
        st.error(ss.pop("_demo_error"))
