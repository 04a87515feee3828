"""The sidebar's Export section, the same for both views: pictures, animations, HTML, CSV, the scene.

    place = export_files(view, surface, fps)   the buttons, drawn by a page's full run ...
    with place: run_exports(scene, results)    ... and what changes with the run, drawn by its fragment

Every file is made from the page's own `results` (what `view_of(scene).run(scene)` gave the page),
so an export never runs the optimizers or trains the MLP a second time; a download button's file
is made only when it is clicked.  One headless Chromium per server renders PNG, SVG, PDF, GIF, MP4.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import streamlit as st

from optviz import export
from optviz.config import ASPECTS, Scene
from optviz.i18n import _
from optviz.ui.state import on_scene_upload, ss


@st.cache_resource(show_spinner=False)
def shared_browser() -> export.Browser | None:
    """One headless Chromium for every export of this server process (None: none installed)."""
    return export.Browser() if export.find_browser() else None


def _render_animation(scene: Scene, fmt: str, seconds: float, browser: export.Browser, results: Any) -> None:
    """Render a GIF or MP4 with a frame counter; keep the bytes for the download button."""
    bar = st.progress(0.0, text=_("rendering {format}…").format(format=fmt.upper()))
    frame_text = _("rendering {format}: frame {done} of {total}")

    def progress(done: int, total: int, label: str) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=frame_text.format(format=fmt.upper(), done=done, total=total))

    try:
        data = export.export_bytes(scene, fmt, seconds=seconds, progress=progress, browser=browser, results=results)
    except (export.ExportError, ValueError, OSError) as e:
        bar.empty()
        st.error(_("The {format} could not be written: {error}").format(format=fmt.upper(), error=e))
        return
    bar.empty()
    ss["_animation"] = (scene.to_json(), seconds, fmt, data)


class Source:
    """What the export buttons export: the page's latest scene and results.  One per session, changed
    in place by every run, so a download made by a button drawn in an earlier run (the race's
    fragment reruns without redrawing the Export section) exports what the page shows now."""

    def __init__(self) -> None:
        self.scene: Scene | None = None
        self.results: Any = None


def source() -> Source:
    """This session's `Source`."""
    if not isinstance(ss.get("_export_source"), Source):
        ss["_export_source"] = Source()
    return ss["_export_source"]


def export_files(view: str, surface: str, fps: int) -> Any:
    """The Export section's buttons, which make their file from `source()` when clicked; returns the
    empty place, above the scene-file uploader, for what depends on the run (`run_exports`).

    view, surface: name the files; fps: the animation's caption.  Drawn once per full run: the race's
    fragment fills the returned place on each of its reruns."""
    stem = f"optviz_{surface if view == 'surfaces' else 'mlp'}"
    browser = shared_browser()
    src = source()
    with st.sidebar:
        st.header(_("Export"), divider="gray")
        st.radio(_("slide aspect"), ASPECTS, key="_aspect", horizontal=True, help=_("size of exported pictures"))
        if browser is None:
            st.info(export.browser_missing_message(), icon=":material/info:")
        else:
            browser.start()  # boots while the page renders; returns at once

        def download(label: str, fmt: str, **kw: Any) -> None:
            st.download_button(
                label,
                # a callable: the file is made only when the button is clicked, from what the page
                # shows then (not on every rerun, and not from the run that drew the button)
                data=lambda: export.export_bytes(src.scene, fmt, browser=browser, results=src.results, **kw),
                file_name=f"{stem}.{fmt}",
                mime=export.MIME_TYPES[fmt],
                on_click="ignore",
                disabled=fmt in export.BROWSER_FORMATS and browser is None,
                key=f"dl_{fmt}",
                width="stretch",
            )

        scale = st.segmented_control(_("PNG scale"), [1, 2, 4], key="export_scale", format_func=lambda v: f"{v}x")
        for row in (
            (("PNG", "png"), ("SVG", "svg"), ("PDF", "pdf")),
            (("HTML", "html"), ("CSV", "csv"), (_("Scene"), "json")),
        ):
            for col, (label, fmt) in zip(st.columns(3), row):
                with col:
                    download(label, fmt, **({"scale": scale or 2} if fmt == "png" else {}))
        st.caption(_("HTML plays offline (plotly.js inside); CSV has one row per optimizer and step."))

        seconds = st.slider(_("animation length (s)"), 1.0, 20.0, key="anim_seconds", step=0.5)
        st.caption(
            _("{fps} frames per second (set under View): {frames} frames").format(fps=fps, frames=round(seconds * fps))
        )
        for col, fmt in zip(st.columns(2), ("gif", "mp4")):
            label = _("Render {format}").format(format=fmt.upper())
            # a click reruns the whole page: the source holds this page's scene (set by the last run)
            if col.button(label, key=f"render_{fmt}", disabled=browser is None, width="stretch") and src.scene:
                _render_animation(src.scene, fmt, seconds, browser, src.results)
        place = st.container()
        st.file_uploader(_("Load a scene file"), type=["json"], key="scene_upload", on_change=on_scene_upload)
    return place


def run_exports(scene: Scene, results: Any) -> None:
    """What the Export section shows of this run: its rendered animation's download and the link to the
    scene (the address changes with every setting).  Updates `source()`."""
    src = source()
    src.scene, src.results = scene, results
    stem = f"optviz_{scene.surfaces.surface if scene.view == 'surfaces' else 'mlp'}"
    anim = ss.get("_animation")
    if anim and anim[0] == scene.to_json() and anim[1] == ss.get("anim_seconds"):
        fmt, data = anim[2], anim[3]
        st.download_button(
            _("Download {format} ({size} MB)").format(format=fmt.upper(), size=f"{len(data) / 1e6:.1f}"),
            data,
            file_name=f"{stem}.{fmt}",
            mime=export.MIME_TYPES[fmt],
            on_click="ignore",
            key="dl_animation",
            type="primary",
            width="stretch",
        )
    st.markdown("**" + _("Share this scene") + "**")
    base = getattr(st.context, "url", "") or ""
    # percent-encoded (spaces, κ, ";"), so the link survives a chat client or an e-mail
    link = base.split("?")[0] + "?" + urlencode(st.query_params.to_dict())
    # A link, not st.code: the code block loads Streamlit's syntax highlighter, ~3 s of the
    # first page load in a software-rendered browser (measured), for one line of text.
    st.markdown("[" + _("Link to this scene") + f"]({link})")
    st.caption(_("Copy the link (right-click it), or the address bar: the address holds the whole scene."))
