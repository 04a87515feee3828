"""The page benchmark's floor: the least a slider -> chart round trip costs with this stack, no optviz in it.

`benchmarks/page.py --scenario floor` serves this script with `streamlit run`.  It has what the optviz
page's fastest path has and nothing else: two sliders in sidebar expanders drawn by one `st.fragment`
(so a move reruns only them and the chart), and a `st.components.v2` chart that imports the plotly.js
of the plotly package from Streamlit's file route (as `optviz.ui.live_chart` does) and draws a
three-point scatter with `Plotly.react`.  The benchmark measures it as it measures the app: the time
from the key press to the chart's new frame, and the first chart after opening the page.
"""

from __future__ import annotations

import streamlit as st

from optviz.ui.live_chart import plotly_js_url

st.set_page_config(page_title="optviz page floor", layout="wide")

_JS = """
let loading = null;
export default function (component) {
  const d = component.data, parent = component.parentElement;
  let root = parent.querySelector("[data-testid=optviz-live-chart]");
  if (!root) {
    root = document.createElement("div");
    root.setAttribute("data-testid", "optviz-live-chart");
    root.style.height = "400px";
    parent.appendChild(root);
  }
  loading ||= import(new URL(d.plotly_url, window.location.href).href).then(() => window.Plotly);
  loading.then(async (Plotly) => {
    await Plotly.react(root, [{ type: "scatter", x: [0, 1, 2], y: d.y }], { height: 400, margin: { t: 20 } });
    (window.__optvizRenders ||= []).push({ t: performance.now(), kind: "floor" });
  });
}
"""
_chart = st.components.v2.component("optviz_bench.floor_chart", js=_JS, isolate_styles=False)
_GRID = [round(0.001 * 1.25**i, 6) for i in range(40)]


@st.fragment
def race() -> None:
    with st.sidebar:
        with st.expander("1 · SGD", expanded=True):
            lr = st.select_slider("lr (floor)", _GRID, value=_GRID[20], key="lr")
        with st.expander("2 · Adam", expanded=True):
            beta1 = st.slider("beta1 (floor)", 0.0, 0.99, 0.9, step=0.01, key="beta1")
    _chart(key="main_chart", data={"plotly_url": plotly_js_url(), "y": [lr, beta1, lr * beta1]}, height="content")


race()
