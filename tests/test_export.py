"""Exports: every format is what it claims to be, animations look like plotly's frames, the CLI.

The Chromium-based exports (png, svg, pdf, gif, mp4) run wherever a Chromium is found, and in CI
(CI=true) always: there a missing browser fails the tests instead of skipping them.  One browser
session (a module fixture) serves every test that needs one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from optviz import export as E
from optviz import export_cli
from optviz.config import Display, Scene, SurfacesConfig
from optviz.export import frames as F
from optviz.figures import color_for, frame_indices
from optviz.runs.surfaces import run_scene

IN_CI = os.environ.get("CI") == "true"
needs_browser = pytest.mark.skipif(
    E.find_browser() is None and not IN_CI, reason="no Chromium here (apt-get install -y chromium)"
)
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None and not IN_CI, reason="no ffmpeg here")

SCENE_NAME = "momentum_vs_nesterov"  # 3 optimizers, 150 steps: quick to run and to draw
FPS, SECONDS = 10, 2  # 20 animation frames
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def browser():
    b = E.Browser()
    yield b
    b.close()


@pytest.fixture(scope="module")
def scene() -> Scene:
    return E.load_scene(SCENE_NAME)


@pytest.fixture(scope="module")
def written(tmp_path_factory, browser) -> dict[str, Path]:
    """Every format of one scene, written by export_many in one session."""
    out = tmp_path_factory.mktemp("export")
    fmts = [f for f in E.FORMATS if f != "mp4" or shutil.which("ffmpeg") or IN_CI]
    if E.find_browser() is None and not IN_CI:
        fmts = [f for f in fmts if f not in E.BROWSER_FORMATS]
    paths = E.export_many([SCENE_NAME], fmts, out, fps=FPS, seconds=SECONDS, browser=browser)
    return {p.suffix.lstrip("."): p for p in paths}


def _file(written: dict[str, Path], fmt: str) -> Path:
    if fmt not in written:
        pytest.skip(f"{fmt} needs Chromium or ffmpeg, absent here")
    return written[fmt]


# ----------------------------------------------------------------------------- each format


@needs_browser
def test_png_is_a_png_at_twice_the_slide_size(written, scene) -> None:
    data = _file(written, "png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = scene.display.size
    assert Image.open(io.BytesIO(data)).size == (2 * w, 2 * h)


@needs_browser
def test_png_scales_and_aspects(browser, scene) -> None:
    four_three = replace(scene, display=replace(scene.display, aspect="4:3"))
    one = E.export_bytes(four_three, "png", scale=1, browser=browser)
    assert Image.open(io.BytesIO(one)).size == (1024, 768)
    four = E.export_bytes(scene, "png", scale=4, browser=browser)
    assert Image.open(io.BytesIO(four)).size == (5120, 2880)


@needs_browser
def test_svg_parses_and_holds_one_path_per_optimizer(written, scene) -> None:
    root = ET.parse(_file(written, "svg")).getroot()
    assert root.tag == SVG + "svg"
    traj = next(g for g in root.iter(SVG + "g") if g.get("class", "").split() == ["subplot", "xy"])
    strokes = []
    for trace in traj.iter(SVG + "g"):
        if "trace" in trace.get("class", "").split():
            # solid lines only: a dotted companion (Nesterov's textbook iterate, when the scene shows
            # the look-ahead) shares its optimizer's colour
            lines = [
                p
                for p in trace.iter(SVG + "path")
                if "js-line" in p.get("class", "") and "stroke-dasharray" not in p.get("style", "")
            ]
            strokes += [re.search(r"stroke: (rgb\([^)]*\))", p.get("style", "")).group(1) for p in lines]
    for i in range(len(scene.surfaces.optimizers)):  # contour lines may be paths too: count the optimizers' colours
        r, g, b = (int(color_for(i)[k : k + 2], 16) for k in (1, 3, 5))
        assert strokes.count(f"rgb({r}, {g}, {b})") == 1, (i, color_for(i))


@needs_browser
def test_pdf_is_a_pdf(written) -> None:
    data = _file(written, "pdf").read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]


@needs_browser
def test_gif_has_the_chosen_frames(written, scene) -> None:
    data = _file(written, "gif").read_bytes()
    assert data[:6] == b"GIF89a"
    im = Image.open(io.BytesIO(data))
    assert im.n_frames == FPS * SECONDS
    assert im.size == scene.display.size
    assert im.info["duration"] == 1000 // FPS and im.info["loop"] == 0


@needs_browser
@needs_ffmpeg
def test_mp4_is_an_h264_mp4(written, scene) -> None:
    data = _file(written, "mp4").read_bytes()
    assert data[4:8] == b"ftyp"  # the ISO base media file's first box
    assert b"moov" in data and b"avc1" in data  # H.264 track
    w, h = scene.display.size
    assert w % 2 == 0 and h % 2 == 0


def test_html_plays_offline(written, scene) -> None:
    """The exact offline check.

    - no <script src=...>, <link ...> or <iframe>: every script is inline;
    - the plotly.js bundle (the inline script opening with its "plotly.js v" banner) is the only
      place a URL may appear: it holds URLs in licence comments and unused defaults (map tiles,
      topojsonURL = cdn.plot.ly for geo maps);
    - everywhere else, no "http://" or "https://" at all except the SVG/XLink namespace names
      (http://www.w3.org/...), which are identifiers and never fetched;
    - MathJax is not loaded (plotly's own config only marks it 'local');
    - the figure script adds the animation frames (Plotly.addFrames) and the play buttons.
    """
    text = _file(written, "html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\ssrc\s*=", text, re.I)
    assert not re.search(r"<(link|iframe)\b", text, re.I)
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", text, re.S)
    bundles = [s for s in scripts if s.lstrip().startswith("/**\n* plotly.js v")]
    assert len(bundles) == 1
    rest = text.replace(bundles[0], "")
    urls = re.findall(r"https?://[^\s\"'<>)]+", rest)
    assert all(u.startswith("http://www.w3.org/") for u in urls), urls
    assert "cdn.plot.ly" not in rest
    assert not re.search(r"mathjax[^'\"]*\.js", rest, re.I)
    figure = max((s for s in scripts if "Plotly.newPlot" in s and s != bundles[0]), key=len)  # bundles name it too
    start = figure.index("[", figure.index("Plotly.addFrames("))
    frames, _ = json.JSONDecoder().raw_decode(figure[start:])
    n_points = max(len(r.path) for r in run_scene(scene))
    assert len(frames) == len(frame_indices(n_points, scene.display.frames)) > 1
    assert '"updatemenus"' in figure


CHROMIUM = "/usr/bin/chromium"


@needs_browser
@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_html_fills_the_window_and_plays_offline(written, size, tmp_path) -> None:
    """The page in Chromium with the network cut: the figure covers the window, the contour panel
    is the largest subplot, and play moves the paths."""
    pw = pytest.importorskip("playwright.sync_api")
    path = _file(written, "html")
    w, h = size
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=E.find_browser() or CHROMIUM)
        try:
            page = browser.new_page(viewport={"width": w, "height": h})
            asked = []
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            page.on("request", lambda r: asked.append(r.url))
            page.goto(path.resolve().as_uri())
            page.wait_for_selector(".js-plotly-plot .draglayer .nsewdrag")
            page.wait_for_timeout(300)
            box = page.locator(".js-plotly-plot").bounding_box()
            assert box is not None and box["width"] * box["height"] >= 0.85 * w * h, (box, size)
            areas = page.evaluate(
                """() => Object.fromEntries([...document.querySelectorAll('.draglayer .nsewdrag')].map(d => {
                    const r = d.getBoundingClientRect();
                    return [d.parentNode.getAttribute('class'), [r.width, r.height]];
                }))"""
            )
            (cw, ch), *others = [areas["xy"]] + [v for k, v in areas.items() if k != "xy"]
            assert abs(cw - ch) <= 2, areas  # the contour keeps x and y at one scale
            assert all(cw * ch > ow * oh for ow, oh in others), areas
            page.screenshot(path=str(tmp_path / f"page-{w}x{h}.png"))
            drawn = ".cartesianlayer .subplot.xy .scatterlayer .trace path.js-line"

            def paths() -> list[str | None]:
                return [el.get_attribute("d") for el in page.locator(drawn).all()]

            before = paths()
            page.locator(".updatemenu-button").first.click()
            page.wait_for_timeout(1000)
            assert paths() != before, "play did not move the paths"
            assert all(u.startswith("file:") for u in asked), asked
        finally:
            browser.close()


def test_csv_has_one_row_per_optimizer_and_step(written, scene) -> None:
    results = run_scene(scene)
    with _file(written, "csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["step", "optimizer", "x", "y", "loss", "lr"]
    assert len(rows) == sum(len(r.path) for r in results)
    labels = scene.surfaces.labels()
    for label, r in zip(labels, results):
        mine = [row for row in rows if row["optimizer"] == label]
        assert [int(row["step"]) for row in mine] == list(range(len(r.path)))
        assert np.array_equal([float(row["x"]) for row in mine], r.path[:, 0])  # repr: exact
        assert np.array_equal([float(row["loss"]) for row in mine], r.loss)
        assert mine[0]["lr"] == "" and np.array_equal([float(row["lr"]) for row in mine[1:]], r.lr)


def test_json_is_the_scene(written, scene) -> None:
    assert Scene.from_json(_file(written, "json").read_text(encoding="utf-8")) == scene


def test_the_module_is_callable(tmp_path, scene) -> None:
    import optviz.export

    path = optviz.export(scene, tmp_path / "scene.json")  # the spelling
    assert Scene.from_json(path.read_text()) == scene
    assert optviz.export.export_many is E.export_many


def test_export_bytes_and_mime_types(scene) -> None:
    assert set(E.MIME_TYPES) == set(E.FORMATS)
    assert Scene.from_json(E.export_bytes(scene, "json")) == scene
    assert E.export_bytes(scene, "csv").startswith(b"step,optimizer,x,y,loss,lr\n")
    with pytest.raises(ValueError, match="format must be one of"):
        E.export_bytes(scene, "bmp")
    with pytest.raises(ValueError, match="suffix must be one of"):
        E.export(scene, "figure.bmp")


# ----------------------------------------------------------------------------- the fast animation path


@needs_browser
@pytest.mark.parametrize("name", ["lr_too_large", "momentum_vs_nesterov"])
def test_drawn_frame_matches_kaleidos_render(browser, name: str) -> None:
    """A Pillow frame against kaleido's render of that very frame, on the plot areas.

    lr_too_large is the hardest case: zig-zags with sharp miter joins, a dense bundle of lines,
    a path leaving the plot, an unclipped 'diverged' marker on the border.  Measured: 0.1% of the
    plot's pixels differ by more than 64 levels (anti-aliasing along edges), mean difference 1.5.
    """
    sc = E.load_scene(name)
    anim = E.Animator(E.animated_figure(sc, run_scene(sc), 30, 10), browser, scale=1)
    assert anim.fast, "the fast path was not taken: nothing compared"
    k = 20
    mine = np.asarray(anim.frame(k), dtype=int)
    png = browser.render(anim.reference_figure(k), "png", width=anim.width, height=anim.height)
    ref = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    assert mine.shape == ref.shape
    diff = np.abs(mine - ref).max(axis=2)
    for key in ("xy", "x2y2"):
        b = anim.boxes[key]
        area = diff[int(b.y) : int(b.y + b.h), int(b.x) : int(b.x + b.w)]
        assert area.mean() < 3.0, (key, area.mean())
        assert (area > 64).mean() < 0.005, (key, (area > 64).mean())
    # the frames differ from each other where the paths grow, and nowhere outside the plots and counter
    first = np.asarray(anim.frame(0), dtype=int)
    assert np.abs(first - mine).max() > 0


@needs_browser
def test_every_drawable_style_matches_kaleido(browser) -> None:
    """Independent of the builders: every marker symbol (filled with an outline, and open), dashes,
    a translucent thick line with markers, a log axis and an unclipped marker, in two subplots."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    symbols = sorted(F._DRAWABLE_SYMBOLS)
    xs = np.arange(len(symbols), dtype=float)
    t = np.linspace(0, 10, 60)
    fig = make_subplots(1, 2)
    fig.add_scatter(x=[0], y=[0], mode="markers", marker={"size": 1, "color": "#777"})
    fig.add_scatter(
        x=xs,
        y=np.full(len(xs), 2.0),
        mode="markers",
        marker={"symbol": symbols, "size": 14, "color": "#D55E00", "line": {"width": 1.5, "color": "#FFFFFF"}},
    )
    fig.add_scatter(
        x=xs, y=np.full(len(xs), 4.0), mode="markers", marker={"symbol": [f"{s}-open" for s in symbols], "size": 12}
    )
    fig.add_scatter(x=t, y=6 + np.sin(3 * t), mode="lines", line={"color": "#009E73", "width": 3, "dash": "dash"})
    fig.add_scatter(
        x=t,
        y=8 + 0.5 * np.sign(np.sin(5 * t)),
        mode="lines+markers",
        line={"color": "rgba(204,121,167,0.7)", "width": 4},
    )
    fig.add_scatter(x=t, y=10 ** (t / 2), mode="lines", line={"dash": "dot"}, row=1, col=2)
    fig.add_scatter(
        x=[5], y=[1e6], mode="markers", marker={"size": 20, "symbol": "star"}, cliponaxis=False, row=1, col=2
    )
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_layout(width=900, height=450, xaxis_range=[-1, 12], yaxis_range=[0, 10])
    fig.frames = [go.Frame(data=[fig.data[i] for i in range(1, 7)], traces=list(range(1, 7)), name="0")]
    anim = E.Animator(fig, browser, scale=1)
    assert anim.fast and anim.drawn == [1, 2, 3, 4, 5, 6]
    mine = np.asarray(anim.frame(0), dtype=int)
    ref = np.asarray(Image.open(io.BytesIO(browser.render(anim.reference_figure(0), "png", width=900, height=450))))
    diff = np.abs(mine - ref[..., :3].astype(int)).max(axis=2)
    for key in ("xy", "x2y2"):
        b = anim.boxes[key]
        area = diff[int(b.y) : int(b.y + b.h), int(b.x) : int(b.x + b.w)]
        assert area.mean() < 2.0 and (area > 64).mean() < 0.005, (key, area.mean(), (area > 64).mean())


def test_clip_polyline_keeps_huge_coordinates_out() -> None:
    x = np.array([10.0, 50.0, 1e12, np.nan, 20.0, 30.0])
    y = np.array([10.0, 50.0, 1e12, 0.0, 20.0, -1e15])
    runs = F._clip_polyline(x, y, (0.0, 0.0), (100.0, 100.0))
    assert len(runs) == 2
    for run in runs:
        assert np.all(np.isfinite(run)) and run.min() >= 0 and run.max() <= 100
    assert np.allclose(runs[0][:2], [[10, 10], [50, 50]]) and np.allclose(runs[0][-1], [100, 100])


def test_animation_timing() -> None:
    d = Display(frames=100, fps=20)
    assert E.animation_timing(d) == (100, 20.0)
    assert E.animation_timing(d, fps=25, seconds=4) == (100, 25.0)
    assert E.animation_timing(d, seconds=2) == (40, 20.0)
    for fps, seconds in [(0, 1), (61, 1), (20, 100), (20, 0.01), (20, -1)]:
        with pytest.raises(ValueError):
            E.animation_timing(d, fps=fps, seconds=seconds)


def test_cjk_font_in_every_export_figure(scene) -> None:
    korean = replace(scene, display=replace(scene.display, title="모멘텀과 네스테로프"))
    fig = E.static_figure(korean)
    assert E.CJK_FONT in fig.layout.font.family
    assert fig.layout.title.text == "모멘텀과 네스테로프"
    assert E._font_family_with_cjk("Arial, sans-serif") == f'Arial, "{E.CJK_FONT}", sans-serif'
    assert E._font_family_with_cjk(f"Inter, {E.CJK_FONT}") == f"Inter, {E.CJK_FONT}"


@needs_browser
def test_korean_title_is_drawn(browser, scene) -> None:
    korean = replace(scene, display=replace(scene.display, title="모멘텀과 네스테로프"))
    svg = E.export_bytes(korean, "svg", browser=browser).decode()
    assert "모멘텀과 네스테로프" in svg and E.CJK_FONT in svg


def test_static_figure_has_no_controls_and_no_invisible_traces(scene) -> None:
    fig = E.static_figure(scene)
    assert not fig.frames and not fig.layout.updatemenus and not fig.layout.sliders
    assert (fig.layout.width, fig.layout.height) == scene.display.size
    assert not any(t.visible is not False and E._invisible(t) for t in fig.data)


# ----------------------------------------------------------------------------- no browser, other views


def test_without_chromium_a_clear_error_and_the_rest_still_works(monkeypatch, tmp_path, scene) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    assert E.find_browser() is None
    with pytest.raises(E.ExportError) as err:
        E.export(scene, tmp_path / "fig.png")
    msg = str(err.value)
    assert "apt-get install -y chromium" in msg and "BROWSER_PATH" in msg and "HTML, CSV and JSON" in msg
    for fmt in ("csv", "json", "html"):
        assert E.export(scene, tmp_path / f"fig.{fmt}").stat().st_size > 0
    with pytest.raises(E.ExportError) as err:
        E.export_many([scene], ["png", "csv", "json"], tmp_path / "many")
    assert sorted(p.name for p in err.value.written) == ["scene1.csv", "scene1.json"]
    assert all(p.is_file() for p in err.value.written)


def test_exports_go_through_the_view_protocol(monkeypatch, tmp_path) -> None:
    """The exporter calls `optviz.views.view_of(scene)`: run, figure, csv_columns, csv_rows, nothing else."""
    from optviz import views

    calls = []

    class Stub:
        name = "mlp"
        figures = ("curves",)
        csv_columns = ("epoch", "loss")

        def run(self, scene):
            calls.append(scene)
            return [1.0, 0.5]

        def csv_rows(self, scene, results):
            return ({"epoch": i, "loss": v} for i, v in enumerate(results))

    mlp = Scene(view="mlp")
    monkeypatch.setitem(views.VIEWS, "mlp", Stub())
    assert Scene.from_json(E.export_bytes(mlp, "json")) == mlp and calls == []  # a scene file needs no run
    path = E.export(mlp, tmp_path / "mlp.csv")
    assert path.read_text() == "epoch,loss\n0,1.0\n1,0.5\n" and calls == [mlp]


# ----------------------------------------------------------------------------- scenes shipped


def test_shipped_scenes() -> None:
    shipped = E.shipped_scenes()
    assert 5 <= len(shipped) <= 60  # the lecture deck: one scene per concept, and the earlier ones
    for name, path in shipped.items():
        text = path.read_text(encoding="utf-8")
        scene = E.load_scene(name)
        assert scene == E.load_scene(path) == E.load_scene(f"{name}.json")
        assert scene.display.title, name
        assert text == json.dumps(scene.to_dict(), indent=2, ensure_ascii=False) + "\n"  # readable, 2-space
        if not name.startswith("c"):  # the earlier scenes say their view in their name
            assert scene.view == ("mlp" if name.startswith("mlp_") else "surfaces")


def test_bad_scene_files_name_the_file(tmp_path) -> None:
    bad = tmp_path / "lecture.json"
    bad.write_text('{"optviz_scene": 1, "steps": 0}')
    with pytest.raises(E.SceneFileError, match=r"lecture\.json: steps must be"):
        E.load_scene(bad)
    bad.write_text("{not json")
    with pytest.raises(ValueError, match=r"lecture\.json: scene file is not valid JSON"):
        E.load_scene(bad)
    with pytest.raises(ValueError, match="no such scene file, and no shipped scene"):
        E.load_scene(tmp_path / "missing.json")


# ----------------------------------------------------------------------------- the command line


def test_cli_writes_files(tmp_path, capsys) -> None:
    code = export_cli.main([SCENE_NAME, "lr_too_large", "--format", "csv,json", "--out", str(tmp_path)])
    assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["lr_too_large.csv", "lr_too_large.json", f"{SCENE_NAME}.csv", f"{SCENE_NAME}.json"]
    out, err = capsys.readouterr()
    assert str(tmp_path / "lr_too_large.csv") in out
    assert "wrote lr_too_large.csv" in err  # plain-text progress off a terminal


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{oops", "not valid JSON"),
        ('{"optviz_scene": 1, "colour": 1}', "unknown scene key 'colour'"),
        ('{"optviz_scene": 1, "noise": -1}', "noise must be a number"),
        ('{"optviz_scene": 9}', "version"),
    ],
)
def test_cli_bad_scene_file_is_one_line_and_exit_2(tmp_path, capsys, content: str, needle: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert export_cli.main([str(bad), "--format", "csv", "--out", str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("optviz export: error: ") and needle in lines[0]
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_cli_all_shipped_scenes(tmp_path) -> None:
    assert export_cli.main(["--all", "--format", "json", "--out", str(tmp_path), "-q"]) == 0
    assert sorted(p.stem for p in tmp_path.iterdir()) == sorted(E.shipped_scenes())


def test_cli_bad_arguments(tmp_path, capsys) -> None:
    assert export_cli.main([SCENE_NAME, "--format", "bmp"]) == 2
    assert export_cli.main(["no_such_scene"]) == 2
    assert export_cli.main([]) == 2
    assert export_cli.main([SCENE_NAME, "--format", "gif", "--fps", "20", "--seconds", "100"]) == 2
    err = capsys.readouterr().err
    assert "format must be one of" in err and "no shipped scene" in err and "500 frames" in err


def test_cli_list_help_and_dispatch(capsys) -> None:
    from optviz import cli

    assert export_cli.main(["--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in E.shipped_scenes())
    with pytest.raises(SystemExit) as exit_:
        export_cli.main(["--help"])
    assert exit_.value.code == 0
    help_text = capsys.readouterr().out
    for word in ("--format", "--out", "--scale", "--fps", "--seconds", "--list", "png", "mp4", "csv", "BROWSER_PATH"):
        assert word in help_text
    assert cli.main(["export", "--list"]) == 0


def test_cli_without_chromium_writes_the_rest_and_exits_1(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "nothing"))
    assert export_cli.main([SCENE_NAME, "--format", "png,csv", "--out", str(tmp_path), "-q"]) == 1
    err = capsys.readouterr().err
    assert "apt-get install -y chromium" in err and f"{SCENE_NAME}.csv" in err
    assert (tmp_path / f"{SCENE_NAME}.csv").is_file() and not (tmp_path / f"{SCENE_NAME}.png").exists()


@needs_browser
def test_cli_scenes_share_one_browser(monkeypatch, tmp_path) -> None:
    import kaleido

    started = []

    class Counting(kaleido.Kaleido):
        def __init__(self, *args, **kwargs):
            started.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(kaleido, "Kaleido", Counting)
    code = export_cli.main([SCENE_NAME, "saddle_no_noise", "--format", "svg", "--out", str(tmp_path), "-q"])
    assert code == 0 and len(started) == 1
    assert {p.name for p in tmp_path.iterdir()} == {f"{SCENE_NAME}.svg", "saddle_no_noise.svg"}


def test_progress_bar_text() -> None:
    stream = io.StringIO()
    bar = export_cli.ProgressBar(stream)
    for done, label in [(0, "a.png"), (1, "a.png"), (1, "b.gif"), (5, "b.gif")]:
        bar(done, 5, label)
    bar.finish()
    assert stream.getvalue() == "wrote a.png\nwrote b.gif\n"


def test_export_bytes_reuses_given_results_instead_of_rerunning(monkeypatch) -> None:
    """The page hands its cached results to the exporter: no optimizer runs a second time."""
    scene = Scene(surfaces=SurfacesConfig(steps=200))
    results = run_scene(scene)
    expected = E.export_bytes(scene, "csv")

    def no_rerun(_scene):
        raise AssertionError("the exporter ran the scene again")

    from optviz import views

    class NoRerun(type(views.SURFACES)):
        def run(self, scene):
            no_rerun(scene)

    monkeypatch.setitem(views.VIEWS, "surfaces", NoRerun())
    assert E.export_bytes(scene, "csv", results=results) == expected
    with pytest.raises(AssertionError, match="ran the scene again"):
        E.export_bytes(scene, "csv")
