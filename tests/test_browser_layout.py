"""The page in the lecture hall and on a laptop, in headless Chromium, in both languages (issue 10).

At 1280x720 the play controls (and on the MLP view the training curves) are on screen without
scrolling; in presentation mode the sidebar is folded away and the figure fills the window's width
and height at 1920x1080; a Korean page draws Hangul in the chart.  Screenshots go to artifacts/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.conftest import ARTIFACTS, CHROMIUM, require_browser, streamlit_server

require_browser()
from playwright.sync_api import Page, sync_playwright  # noqa: E402

START_TIMEOUT_S = 240

# Where the live chart's parts stand in the window, after its last render.
GEOMETRY_JS = """() => {
  const root = document.querySelector('[data-testid="optviz-live-chart"]');
  const gd = root && root.querySelector('.js-plotly-plot');
  if (!gd || !gd._fullLayout || !(window.__optvizRenders || []).length) return null;
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height}; };
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  return {
    plot: box(gd),
    controls: box(root.querySelector('.optviz-live-controls')),
    companion: box(root.querySelector('.optviz-live-companion.js-plotly-plot')),
    sidebar: sidebar ? sidebar.getBoundingClientRect().width : 0,
    text: Array.from(gd.querySelectorAll('text')).map(t => t.textContent).join(' '),
    window: {width: window.innerWidth, height: window.innerHeight},
  };
}"""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with streamlit_server("streamlit_layout.log", START_TIMEOUT_S) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--headless=new"])
        try:
            yield b
        finally:
            b.close()


def _open(
    browser, url: str, width: int, height: int, *, companion: bool = False, locale: str = "en-US"
) -> tuple[Page, dict]:
    pg = browser.new_page(viewport={"width": width, "height": height}, locale=locale)
    pg.set_default_timeout(60_000)
    pg.goto(url, timeout=START_TIMEOUT_S * 1000)
    t0, geo = time.monotonic(), None
    while time.monotonic() - t0 < START_TIMEOUT_S:
        try:
            geo = pg.evaluate(GEOMETRY_JS)
        except Exception:  # noqa: BLE001 - the chart is being replaced by a rerun
            geo = None
        if geo and geo["controls"] and (geo["companion"] or not companion):
            pg.wait_for_timeout(1500)  # the fits (legend, square panels) settle
            return pg, pg.evaluate(GEOMETRY_JS)
        pg.wait_for_timeout(300)
    raise AssertionError(f"no chart at {url} within {START_TIMEOUT_S} s: {geo}")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_play_controls_above_the_fold_at_1280x720(server: str, browser, lang: str) -> None:
    pg, geo = _open(browser, f"{server}/?d_lang={lang}", 1280, 720)
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"layout_surfaces_1280_{lang}.png"))
    assert geo["controls"]["bottom"] <= 720, geo
    assert geo["plot"]["height"] >= 300, geo  # still a readable chart
    if lang == "ko":
        assert "스텝" in geo["text"], geo["text"][:200]
    pg.close()


def test_mlp_curves_above_the_fold_at_1280x720(server: str, browser) -> None:
    pg, geo = _open(browser, f"{server}/?view=mlp&d_lang=ko", 1280, 720, companion=True)
    pg.screenshot(path=str(ARTIFACTS / "layout_mlp_1280_ko.png"))
    assert geo["controls"]["bottom"] <= 720, geo
    assert geo["companion"]["top"] < 720 and geo["companion"]["bottom"] <= 725, geo
    pg.close()


@pytest.mark.parametrize("view", ["surfaces", "mlp"])
def test_presentation_mode_fills_the_window(server: str, browser, view: str) -> None:
    pg, geo = _open(
        browser, f"{server}/?view={view}&d_lang=ko&d_presentation=true", 1920, 1080, companion=view == "mlp"
    )
    pg.screenshot(path=str(ARTIFACTS / f"layout_{view}_presentation_1920_ko.png"))
    assert geo["sidebar"] < 10, geo  # folded away
    assert geo["plot"]["width"] >= 0.9 * 1920, geo
    bottom = (geo["companion"] or geo["controls"])["bottom"]
    assert geo["controls"]["bottom"] <= 1080 and bottom >= 1080 - 60, geo  # down to the window's foot
    if view == "surfaces":
        assert geo["plot"]["height"] >= 0.75 * 1080, geo
    pg.close()


def test_a_link_without_a_language_follows_the_browser(server: str, browser) -> None:
    pg, geo = _open(browser, f"{server}/", 1600, 1000, locale="ko-KR")
    assert "스텝" in geo["text"] and "d_lang=ko" in pg.url, (pg.url, geo["text"][:200])
    pg.close()
    pg, geo = _open(browser, f"{server}/", 1600, 1000, locale="de-DE")
    assert "step" in geo["text"] and "d_lang=en" in pg.url, (pg.url, geo["text"][:200])
    pg.close()
