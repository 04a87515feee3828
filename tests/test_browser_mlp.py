"""The MLP view for real: `streamlit run app.py` at ?view=mlp in headless Chromium (Playwright,
system browser): the charts appear, a slider retrains, the address follows.

Skips only when /usr/bin/chromium (or Playwright) is missing on a developer machine; with CI=true
a missing browser is a failure.  The screenshot goes to artifacts/browser_mlp.png.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, require_browser, socket_frames, streamlit_server

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
START_TIMEOUT_S = 240  # a cold Numba cache compiles the MLP kernels on the first page load

require_browser()
from playwright.sync_api import Page, sync_playwright  # noqa: E402

# What plotly.js has drawn: the decision boundary (the live chart: its panels and the player's
# frames) and the training curves.
STATE_JS = """() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const title = gd => ((gd.layout && gd.layout.meta) || {}).auto_title || '';
  const live = document.querySelector('[data-testid="optviz-live-chart"]');
  const boundary = live && live.querySelector('.js-plotly-plot');
  const slider = live && live.querySelector('input[type=range]');
  const curves = plots.find(gd => title(gd).startsWith('training and validation'));
  if (!boundary || !curves || !boundary._fullData || !curves._fullData) return null;
  const train = curves._fullData.filter(t => (t.name || '').endsWith(' train'));
  return {
    panels: boundary._fullData.filter(t => t.type === 'heatmap').length,
    nframes: Number(slider.max) + 1,
    runs: train.map(t => t.name),
    lastLoss: train.map(t => t.y[t.y.length - 1]),
  };
}"""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with streamlit_server("streamlit_server_mlp.log", START_TIMEOUT_S) as url:
        yield url


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--headless=new"])
        try:
            pg = browser.new_page(viewport={"width": 1600, "height": 1400})
            pg.set_default_timeout(60_000)
            pg.goto(server + "/?view=mlp", timeout=START_TIMEOUT_S * 1000)
            _wait_state(pg, lambda s: s["nframes"] > 1, START_TIMEOUT_S)
            yield pg
        finally:
            browser.close()


def _wait_state(pg: Page, cond, timeout_s: float = 60) -> dict:
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < timeout_s:
        try:
            last = pg.evaluate(STATE_JS)
        except Exception:  # a chart is being replaced by a rerun
            last = None
        if last is not None and cond(last):
            return last
        pg.wait_for_timeout(200)
    raise AssertionError(f"the page did not reach the expected state within {timeout_s} s; last state {last}")


def _no_exception(pg: Page) -> None:
    boxes = pg.locator("[data-testid='stException']").all()
    assert not boxes, boxes[0].inner_text()[:500]


def test_mlp_page_loads_and_a_slider_retrains(page: Page) -> None:
    before = _wait_state(page, lambda s: s["nframes"] > 1)
    assert before["panels"] == 3  # three optimizers side by side, from one init
    assert [r.split(" (")[0] for r in before["runs"]] == ["Adam", "SGD", "Momentum"]
    assert all(r.endswith(" train") for r in before["runs"])
    _no_exception(page)
    slider = page.locator("[data-testid='stSlider']").filter(has_text="noise σ").get_by_role("slider")
    slider.focus()
    slider.press("ArrowRight")  # noise 0.2 -> 0.25: new data, new training
    after = _wait_state(page, lambda s: s["lastLoss"] != before["lastLoss"] and s["nframes"] > 1)
    assert after["runs"] == before["runs"]
    assert "m_noise=0.25" in page.url and "view=mlp" in page.url  # the address follows the page
    _no_exception(page)
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "browser_mlp.png"), full_page=True)


SWEEP_JS = """() => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(
    g => (((g.layout || {}).meta || {}).auto_title || '').startsWith('Saved sweep'));
  if (!gd || !gd._fullData) return null;
  return {
    maps: gd._fullData.filter(t => t.type === 'heatmap').length,
    cells: gd._fullData.filter(t => t.type === 'heatmap').map(t => t.text),
    panels: (gd.layout.annotations || []).map(a => a.text),
  };
}"""


def test_a_saved_mlp_sweep_is_drawn_on_the_page(page: Page, tmp_path: Path) -> None:
    import optviz

    sw = optviz.sweep(
        ROOT / "optviz/scenes/c28_early_stopping.json",
        {"lr": [1e-3, 1e-2, 1e-1, 1.0], "batch_size": [8, 16, "full"], "init": ["he_normal", "zeros"], "steps": [150]},
        seeds=2,
    )
    good = sw.save(tmp_path / "mlp_map.csv")
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    page.get_by_text("Draw a saved sweep").first.click()
    uploader = page.locator(".st-key-mlp_sweep_file input[type=file]")
    uploader.set_input_files(str(bad))
    err = page.locator("[data-testid='stAlert']").filter(has_text="Could not draw notes.csv")
    err.wait_for(timeout=60_000)
    assert "not an optviz sweep" in err.inner_text()
    _wait_state(page, lambda s: s["nframes"] > 1)  # the rest of the page stays
    uploader.set_input_files(str(good))
    t0, state = time.monotonic(), None
    while time.monotonic() - t0 < 60 and not state:
        state = page.evaluate(SWEEP_JS)
        page.wait_for_timeout(300)
    assert state, "no sweep map on the page"
    assert state["maps"] == 2 and any("He normal" in p for p in state["panels"])
    assert all(len(rows) == 3 and len(rows[0]) == 4 for rows in state["cells"])  # batch size x lr per panel
    _no_exception(page)
    page.locator(".js-plotly-plot").last.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "browser_mlp_sweep.png"))


def test_an_lr_move_retrains_without_the_data_sections_and_a_tab_updates_the_view(page: Page) -> None:
    """An optimizer's lr reruns only the training's fragment (`mlp_page._train`): Data, Network,
    Training and View are not sent again.  Opening a tab changes the View's "figure for export",
    which the fragment does not draw: that takes a full run, and the selector shows the tab's figure."""
    idle = "() => document.querySelector('[data-testid=stApp]').dataset.testScriptState === 'notRunning'"
    before = _wait_state(page, lambda s: s["nframes"] > 1)
    box = page.locator("[data-testid='stExpander']").filter(has_text="1 · Adam").first
    if box.locator("details").get_attribute("open") is None:
        box.locator("summary").click()
    slider = box.locator("[data-testid='stSlider']").filter(has_text="lr").first.get_by_role("slider")
    slider.wait_for(state="visible")
    page.wait_for_function(idle)
    page.wait_for_timeout(500)
    with socket_frames(page) as payloads:
        slider.focus()
        page.keyboard.press("ArrowLeft")  # Adam's lr one grid step down: a new training
        _wait_state(page, lambda s: s["lastLoss"] != before["lastLoss"] and s["nframes"] > 1, 120)
        page.wait_for_function(idle)
        page.wait_for_timeout(300)
    assert payloads, "no websocket frames seen"
    assert not any(b"data seed" in d for d in payloads)  # the Data section was not sent again
    assert any(b"side by side" in d for d in payloads)  # the Compare section was
    figure = page.locator(".st-key-mlp_figure input")
    assert figure.input_value() != "the data"  # the Training tab's figure
    page.get_by_role("tab", name="Data").click()
    page.wait_for_function(
        "() => (document.querySelector('.st-key-mlp_figure input') || {}).value === 'the data'", timeout=60_000
    )
    page.get_by_role("tab", name="Training").click()
    page.wait_for_function(idle)
    _no_exception(page)
