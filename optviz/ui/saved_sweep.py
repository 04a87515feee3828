"""A sweep made beyond the page (`optviz sweep ... --out map.csv`, on a Dask cluster perhaps), drawn on it.

    saved_sweep(scene, key)   an expander with a file uploader: a surfaces sweep over lr x one more
                              setting is drawn as the page's own hyperparameter map (with the bowl's
                              theory); any other sweep, of either view (the MLP's lr x batch size x
                              init, say), as a map of one metric's median over the seeds, with the
                              metric and the axes to choose and PNG/SVG/PDF downloads

Both views' pages call it with their own key prefix.  A file that is not a sweep, or a grid that
cannot be drawn, is a message inside the expander; the rest of the page stays.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import streamlit as st

from optviz import export
from optviz.config import Scene
from optviz.figures.hpmap import hpmap_figure
from optviz.figures.sweepmap import METRIC_TITLES, setting_title, sweep_map_figure
from optviz.i18n import _
from optviz.runs.hpmap import hpmap_from_sweep
from optviz.runs.sweep import Sweep
from optviz.runs.sweepmap import axis_order, metrics_of, sweep_grid
from optviz.ui.export_panel import shared_browser


@st.cache_data(show_spinner=False, max_entries=4)
def _load(name: str, data: bytes) -> Sweep:
    """The uploaded file read as a sweep (kept per file content: a widget change does not re-read it)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        return Sweep.load(path)


def _downloads(fig: Any, scene: Scene, key: str) -> None:
    browser = shared_browser()
    cols = st.columns(3)
    for col, fmt in zip(cols, export.STATIC_FORMATS):
        col.download_button(
            fmt.upper(),
            data=lambda fmt=fmt: export.figure_bytes(fig, scene, fmt, browser=browser),
            file_name=f"optviz_sweep_map.{fmt}",
            mime=export.MIME_TYPES[fmt],
            on_click="ignore",
            disabled=browser is None,
            key=f"{key}_dl_{fmt}",
            width="stretch",
        )


def _axes(sw: Sweep, key: str) -> tuple[str, str | None, str | None]:
    """The x, y and panel settings the user picks (lr across first, when it was swept)."""
    names = list(sw.grid)
    if len(names) == 1:
        return names[0], None, None
    order = axis_order(sw.grid)
    c1, c2, c3 = st.columns(3)
    x = c1.selectbox(_("across"), order, key=f"{key}_x", format_func=setting_title)
    ys = [n for n in order if n != x]
    y = c2.selectbox(_("up"), ys, key=f"{key}_y", format_func=setting_title)
    rest = [n for n in ys if n != y]
    if not rest:
        return x, y, None
    none = "—"
    f = c3.selectbox(
        _("a panel per"),
        [*rest, none],
        key=f"{key}_facet",
        format_func=lambda n: _("none (pooled)") if n == none else setting_title(n),
    )
    return x, y, None if f == none else f


def saved_sweep(scene: Scene, key: str) -> None:
    """The expander that draws an uploaded sweep file (see the module docstring); `scene` is the page's
    (its display: theme, language, slide size), `key` prefixes the widgets' keys."""
    with st.expander(_("Draw a saved sweep (`optviz sweep … --out map.csv`)"), key=f"{key}_open"):
        up = st.file_uploader(_("a sweep file"), type=["csv", "parquet"], key=f"{key}_file")
        if up is None:
            st.caption(
                _(
                    "A sweep runs a grid of settings of a scene, with several seeds, on this machine's cores or "
                    "a Dask cluster: `optviz sweep scene.json --grid lr=1e-4:1e-1:16:log --grid batch_size=16,64,full "
                    "--seeds 5 --out map.csv`.  Its file carries the scene, so it draws here alone."
                )
            )
            return
        try:
            sw = _load(up.name, up.getvalue())
        except (ValueError, OSError, KeyError) as e:
            st.error(_("Could not draw {name}: {error}").format(name=up.name, error=e), icon=":material/error:")
            return
        shown = replace(sw.scene, display=scene.display)
        if sw.scene.view == "surfaces" and len(sw.grid) == 2 and "lr" in sw.grid:
            try:
                m = hpmap_from_sweep(sw)
            except ValueError:
                m = None
            if m is not None:
                fig = hpmap_figure(shown, m)
                st.plotly_chart(fig, key=f"{key}_chart", theme=None)
                st.caption(
                    _("{cells} cells × {seeds} seeds; each cell shows the median over the seeds.").format(
                        cells=m.loss.size, seeds=len(sw.seeds)
                    )
                )
                _downloads(fig, shown, key)
                return
        metrics = metrics_of(sw.scene.view)
        metric = st.selectbox(_("colour by"), metrics, key=f"{key}_metric", format_func=lambda m: _(METRIC_TITLES[m]))
        x, y, facet = _axes(sw, key)
        try:
            g = sweep_grid(sw, metric, x=x, y=y, facet=facet)
        except ValueError as e:
            st.error(_("Could not draw {name}: {error}").format(name=up.name, error=e), icon=":material/error:")
            return
        fig = sweep_map_figure(shown, g)
        st.plotly_chart(fig, key=f"{key}_chart", theme=None)
        runs = int(g.runs.sum())
        note = _(
            "{runs} runs in {cells} cells; each cell shows the median over its seeds of the runs that did not diverge."
        )
        text = note.format(runs=f"{runs:,}", cells=int((g.runs > 0).sum()))
        if g.pooled:
            text += "  " + _("Pooled into each cell as well: {settings}.").format(
                settings=", ".join(setting_title(n) for n in g.pooled)
            )
        st.caption(text)
        _downloads(fig, shown, key)


__all__ = ["saved_sweep"]
