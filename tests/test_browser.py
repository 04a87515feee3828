"""The page for real: `streamlit run app.py` driven by headless Chromium (Playwright, system browser).

Runs by default.  Skips only when /usr/bin/chromium (or Playwright) is missing on a developer
machine; with CI=true a missing browser is a failure, never a skip.  Screenshots go to artifacts/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, require_browser, socket_frames, streamlit_server

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
START_TIMEOUT_S = 240  # a cold Numba cache compiles the kernels on the first page load

require_browser()
from playwright.sync_api import Page, sync_playwright  # noqa: E402

# The main chart is the live chart (optviz.ui.live_chart): read what plotly.js has drawn in it and
# where its player stands.
STATE_JS = """() => {
  const root = document.querySelector('[data-testid="optviz-live-chart"]');
  const gd = root && root.querySelector('.js-plotly-plot');
  if (!gd || !gd._fullData) return null;
  const d = gd._fullData;
  const path = d.find(t => t.meta && t.meta.role === 'path' && t.meta.index === 0);  // the first optimizer's
  const start = d.find(t => t.meta && t.meta.role === 'start');
  const slider = root.querySelector('input[type=range]');
  return {
    active: Number(slider.value),
    nframes: Number(slider.max) + 1,
    pathLen: path.x.length,
    pathLast: [path.x[path.x.length - 1], path.y[path.y.length - 1]],
    start: [start.x[0], start.y[0]],
    renders: (window.__optvizRenders || []).length,
    landscape: (gd.layout.images || []).filter(im => im.name === 'landscape').length,
  };
}"""


IDLE_JS = "() => document.querySelector('[data-testid=stApp]').dataset.testScriptState === 'notRunning'"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with streamlit_server("streamlit_server.log", START_TIMEOUT_S) as url:
        yield url


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Page]:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--headless=new"])
        try:
            pg = browser.new_page(viewport={"width": 1600, "height": 1000})
            pg.set_default_timeout(60_000)
            pg.goto(server + "/", timeout=START_TIMEOUT_S * 1000)
            _wait_state(pg, lambda s: s["nframes"] > 1, START_TIMEOUT_S)
            yield pg
        finally:
            browser.close()


def _state(pg: Page) -> dict | None:
    return pg.evaluate(STATE_JS)


def _wait_state(pg: Page, cond, timeout_s: float = 60) -> dict:
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < timeout_s:
        try:
            last = _state(pg)
        except Exception:  # the chart is being replaced by a rerun
            last = None
        if last is not None and cond(last):
            return last
        pg.wait_for_timeout(200)
    raise AssertionError(f"the page did not reach the expected state within {timeout_s} s; last state {last}")


def _no_exception(pg: Page) -> None:
    boxes = pg.locator("[data-testid='stException']").all()
    assert not boxes, boxes[0].inner_text()[:500]


def test_page_loads(page: Page):
    s = _state(page)
    assert s["active"] == s["nframes"] - 1 == 99  # resting on the last frame: the full paths
    assert s["pathLen"] == 1001  # 1 001 points: every step is shown
    assert s["landscape"] == 1
    _no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "browser_default.png"))


def test_slider_changes_the_chart(page: Page):
    before = _state(page)
    slider = page.locator("[data-testid='stSlider']").filter(has_text="gradient noise").get_by_role("slider")
    slider.focus()
    slider.press("ArrowRight")  # sigma 0 -> 0.01
    after = _wait_state(page, lambda s: s["pathLast"] != before["pathLast"])
    assert after["pathLen"] == before["pathLen"]
    assert "noise=0.01" in page.url  # the address follows the page
    _no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "browser_noise.png"))


def test_an_optimizer_expander_stays_open_while_its_lr_moves(page: Page):
    """Its label holds no lr, so an lr change does not rebuild it closed, and the slider keeps the
    keyboard focus across the rerun (a lecturer presses the arrow key again and again)."""
    box = page.locator("[data-testid='stExpander']").filter(has_text="1 · SGD").first
    box.locator("summary").click()
    slider = box.locator("[data-testid='stSlider']").first.get_by_role("slider")
    slider.wait_for(state="visible")
    before = _state(page)
    slider.focus()  # once: the rerun keeps the keyboard focus on the slider, so the second key needs none
    for key in ("ArrowRight", "ArrowLeft"):  # 0.001 -> 0.002 -> 0.001 (the later tests see the default)
        assert slider.evaluate("e => e === document.activeElement")
        page.keyboard.press(key)
        before = _wait_state(page, lambda s, b=before: s["renders"] > b["renders"] and s["pathLast"] != b["pathLast"])
        page.wait_for_function(
            "() => document.querySelector('[data-testid=stApp]').dataset.testScriptState === 'notRunning'"
        )
        assert box.locator("details").get_attribute("open") is not None  # still open
        assert slider.is_visible()
    assert "sgd:lr=0.001;" in page.url.replace("%3A", ":").replace("%3D", "=").replace("%3B", ";")
    _no_exception(page)


def test_an_lr_move_reruns_only_the_race_and_the_exports_follow_it(page: Page):
    """An optimizer's slider reruns only the race's fragment (`surfaces_page._race`): the Surface,
    Start, Run and View sections and the Export buttons are not sent again (a full rerun sends the
    Run section's "noise seed" and twice as many messages).  The Export buttons, drawn by the last
    full run, still export what the page shows after the move."""

    def csv_sgd() -> list[str]:
        page.locator("[data-testid='stSidebarContent']").evaluate("e => e.scrollTop = e.scrollHeight")
        with page.expect_download(timeout=60_000) as dl:
            page.get_by_role("button", name="CSV", exact=True).click()
        return [r for r in Path(dl.value.path()).read_text().splitlines() if ",SGD," in r]

    before_csv = csv_sgd()
    assert before_csv[1].endswith(",0.001")  # step 1 at the default lr
    box = page.locator("[data-testid='stExpander']").filter(has_text="1 · SGD").first
    if box.locator("details").get_attribute("open") is None:
        box.locator("summary").click()
    slider = box.locator("[data-testid='stSlider']").first.get_by_role("slider")
    slider.wait_for(state="visible")
    page.wait_for_function(IDLE_JS)
    page.wait_for_timeout(500)
    before = _state(page)
    with socket_frames(page) as payloads:
        slider.focus()
        page.keyboard.press("ArrowRight")  # SGD's lr 0.001 -> 0.002
        _wait_state(page, lambda s: s["renders"] > before["renders"] and s["pathLast"] != before["pathLast"])
        page.wait_for_function(IDLE_JS)
        page.wait_for_timeout(300)
    assert payloads, "no websocket frames seen"
    assert not any(b"noise seed" in d for d in payloads)  # the Run section was not sent again
    assert any(b"1 \xc2\xb7 SGD" in d for d in payloads)  # the Optimizers section was
    assert len(payloads) < 130  # a full rerun of the default page sends about 180
    after_csv = csv_sgd()
    assert after_csv[1].endswith(",0.002") and after_csv[5] != before_csv[5]  # the page's new run
    slider.focus()
    page.keyboard.press("ArrowLeft")  # back to the default for the later tests
    page.wait_for_function(IDLE_JS)
    _no_exception(page)


def test_play_advances_the_animation(page: Page):
    before = _wait_state(page, lambda s: s["active"] == s["nframes"] - 1)
    page.locator('[data-testid="optviz-live-chart"] .optviz-live-play').click()  # ▶ (in the browser)
    mid = _wait_state(page, lambda s: s["active"] < before["active"] and s["pathLen"] < before["pathLen"], 20)
    page.screenshot(path=str(ARTIFACTS / "browser_playing.png"))
    later = _wait_state(page, lambda s: s["active"] > mid["active"], 20)
    assert later["active"] > mid["active"]
    # the landscape stays while the paths move
    assert later["landscape"] == 1
    end = _wait_state(page, lambda s: s["active"] == s["nframes"] - 1, 60)
    assert end["pathLen"] == before["pathLen"]  # the last frame restores every step


def test_click_on_the_plot_sets_the_start(page: Page):
    before = _state(page)
    area = page.locator('[data-testid="optviz-live-chart"] .js-plotly-plot .nsewdrag').first.bounding_box()
    x, y = area["x"] + area["width"] * 0.8, area["y"] + area["height"] * 0.3
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    after = _wait_state(page, lambda s: s["start"] != before["start"])
    sx, sy = after["start"]
    assert 0.9 < sx < 1.5 and 1.5 < sy < 2.2  # about 80 % across [-2, 2] and 70 % up [-1, 3]
    assert page.locator("input[aria-label='x₀']").input_value() == f"{sx:.4g}"
    assert "start=" in page.url
    _no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "browser_clicked_start.png"))


def test_export_downloads_from_the_sidebar(page: Page):
    """The sidebar's export buttons deliver real files: PNG and CSV on click, a rendered GIF."""
    import io

    from PIL import Image

    page.locator("[data-testid='stSidebarContent']").evaluate("e => e.scrollTop = e.scrollHeight")
    with page.expect_download(timeout=90_000) as dl:
        page.get_by_role("button", name="PNG", exact=True).click()
    png = Path(dl.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(png)).size == (2560, 1440)  # 16:9 at the default 2x scale
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="CSV", exact=True).click()
    rows = Path(dl.value.path()).read_text().splitlines()
    assert rows[0].startswith("step,optimizer") and len(rows) == 1 + 5 * 1001
    page.get_by_role("button", name="Render GIF").click()
    button = page.get_by_role("button", name="Download GIF", exact=False)
    button.wait_for(timeout=120_000)
    with page.expect_download(timeout=60_000) as dl:
        button.click()
    gif = Image.open(io.BytesIO(Path(dl.value.path()).read_bytes()))
    assert gif.format == "GIF" and gif.n_frames == 100 and gif.size == (1280, 720)
    page.screenshot(path=str(ARTIFACTS / "browser_export.png"))
    _no_exception(page)
