"""Exports of MLP scenes: the view's hook, every static format, the animated decision boundary,
the CSV of the curves, the command line, and the same figure as the page.

Chromium-based formats run wherever a Chromium is found, and always in CI (CI=true).
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
from optviz import export_cli, mlp
from optviz.config import Display, MLPConfig, Scene
from optviz.figures import mlp as FM
from optviz.runs import mlp as R
from optviz.views import MLP

IN_CI = os.environ.get("CI") == "true"
needs_browser = pytest.mark.skipif(
    E.find_browser() is None and not IN_CI, reason="no Chromium here (apt-get install -y chromium)"
)
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None and not IN_CI, reason="no ffmpeg here")
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def browser():
    mlp.warmup()
    b = E.Browser()
    yield b
    b.close()


@pytest.fixture(scope="module")
def scene() -> Scene:
    """Two optimizers, 150 steps: quick to train and to draw."""
    s = MLPConfig(steps=150, optimizers=("adam:lr=0.01", "sgd:lr=0.1"), figure="curves")
    return replace(Scene(display=Display(title="MLP: Adam vs SGD")), view="mlp", mlp=s)


def test_mlp_scenes_have_an_exporter(scene) -> None:
    view = E.view_exporter(scene)
    assert view is MLP and view.csv_columns[:2] == ("step", "run")


def test_csv_json_html_need_no_browser(tmp_path, scene) -> None:
    paths = E.export_many({"mlp": scene}, "csv,json,html", tmp_path)
    assert sorted(p.name for p in paths) == ["mlp.csv", "mlp.html", "mlp.json"]
    assert Scene.from_json((tmp_path / "mlp.json").read_text()) == scene
    rows = list(csv.DictReader(io.StringIO((tmp_path / "mlp.csv").read_text())))
    run = R.run_mlp_scene(scene)
    assert len(rows) == 2 * 151 and tuple(rows[0]) == MLP.csv_columns
    sgd = [r for r in rows if r["optimizer"] == "sgd"]
    np.testing.assert_array_equal([float(r["loss"]) for r in sgd], run.results[1].data_loss)
    np.testing.assert_array_equal([float(r["val_loss"]) for r in sgd], run.results[1].val_loss)
    assert rows[0]["lr"] == "" and float(rows[1]["lr"]) == 0.01
    html = (tmp_path / "mlp.html").read_text()
    assert "MLP: Adam vs SGD" in html and "Plotly.newPlot" in html
    assert not re.search(r"<script[^>]*\ssrc\s*=", html, re.I)  # plotly.js inline: plays offline


@needs_browser
def test_static_formats(tmp_path, scene, browser) -> None:
    paths = E.export_many({"mlp": scene}, "png,svg,pdf", tmp_path, browser=browser)
    assert [p.suffix for p in paths] == [".png", ".svg", ".pdf"]
    png = (tmp_path / "mlp.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and Image.open(io.BytesIO(png)).size == (2560, 1440)
    root = ET.fromstring((tmp_path / "mlp.svg").read_bytes())
    text = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "MLP: Adam vs SGD" in text and "Adam (η = 0.01) train" in text
    assert (tmp_path / "mlp.pdf").read_bytes()[:5] == b"%PDF-"


@needs_browser
def test_the_decision_boundary_animates(tmp_path, browser) -> None:
    s = Scene(view="mlp", mlp=MLPConfig(steps=60, n=64, optimizers=("adam:lr=0.01",), figure="boundary"))
    path = E.export(s, tmp_path / "boundary.gif", fps=3, seconds=1, browser=browser)
    im = Image.open(path)
    assert im.format == "GIF" and im.n_frames == 3 and im.size == (1280, 720)


@needs_browser
def test_a_still_figure_is_a_one_frame_gif(tmp_path, scene, browser) -> None:
    """`optviz export --all --format gif,...` asks every scene for an animation: a still says still."""
    im = Image.open(E.export(scene, tmp_path / "curves.gif", fps=2, seconds=1, browser=browser))
    assert im.n_frames == 1 and im.size == (1280, 720)
    html = E.export_bytes(scene, "html").decode()
    assert "▶ play" not in html  # no play button for a still


@needs_browser
@needs_ffmpeg
def test_the_decision_boundary_as_mp4(tmp_path, browser) -> None:
    """Heatmap frames are drawn by the heatmap path (numpy cells over a background rendered once)."""
    s = Scene(view="mlp", mlp=MLPConfig(steps=40, n=64, optimizers=("adam:lr=0.01",), figure="boundary"))
    data = E.export(s, tmp_path / "boundary.mp4", fps=4, seconds=1, browser=browser).read_bytes()
    assert data[4:8] == b"ftyp" and b"avc1" in data


BOUNDARY = Scene(view="mlp", mlp=MLPConfig(figure="boundary"))  # the default MLP scene's decision boundary


@needs_browser
def test_the_decision_boundary_gif_is_small_and_counts_its_steps(tmp_path, browser) -> None:
    """100 frames of the default scene (3 runs): under 3 MB (it was 10-11 MB), each frame with its step."""
    path = E.export(BOUNDARY, tmp_path / "boundary.gif", fps=20, seconds=5, browser=browser)
    assert path.stat().st_size <= 3_000_000, path.stat().st_size
    im = Image.open(path)
    assert im.n_frames == 100 and im.size == (1280, 720)
    im.seek(0)
    first = np.asarray(im.convert("RGB"), dtype=int)
    im.seek(50)
    middle = np.asarray(im.convert("RGB"), dtype=int)
    # the counter ("step N") sits at the bottom right, under the last panel's right edge
    counter = (slice(720 - 40, 720 - 4), slice(700, 1280))
    assert (np.abs(first[counter] - middle[counter]).max(axis=2) > 64).sum() > 20
    assert (first[counter] < 128).any(), "no counter drawn in the first frame"


@needs_browser
def test_a_drawn_boundary_frame_matches_kaleidos_render(browser) -> None:
    """The heatmap path against kaleido's render of the same frame, inside the panels.

    Measured: mean difference 2 levels; 1.2% of the pixels differ by more than 64, along cell
    edges (plotly.js rounds each cell's edges to whole pixels, we sample at pixel centres)."""
    s = Scene(view="mlp", mlp=MLPConfig(steps=60, n=64, optimizers=("adam:lr=0.01", "sgd:lr=0.1"), figure="boundary"))
    anim = E.Animator(E.animated_figure(s, R.run_mlp_scene(s), 10, 10), browser, scale=1)
    assert anim.mode == "heatmaps", "the heatmap path was not taken: nothing compared"
    k = 6
    mine = np.asarray(anim.frame(k), dtype=int)
    png = browser.render(anim.reference_figure(k), "png", width=anim.width, height=anim.height)
    ref = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    diff = np.abs(mine - ref).max(axis=2)
    for key in ("xy", "x2y2"):
        b = anim.boxes[key]
        area = diff[int(b.y) : int(b.y + b.h), int(b.x) : int(b.x + b.w)]
        assert area.mean() < 4.0, (key, area.mean())
        assert (area > 64).mean() < 0.03, (key, (area > 64).mean())


@needs_browser
def test_boundary_panels_keep_one_scale_in_exports(browser) -> None:
    """Every panel's plot box in the SVG (the PNG is the same render) has x and y at one scale."""
    from optviz.export.frames import _plot_boxes

    run = R.run_mlp_scene(BOUNDARY)
    fig = E.static_figure(BOUNDARY, run)
    svg = browser.render(fig, "svg", width=1280, height=720)
    panels = {m.group(1): box for key, box in _plot_boxes(svg).items() if (m := re.fullmatch(r"x(\d*)y\1", key))}
    assert sorted(panels) == ["", "2", "3"]
    for n, (_, _, w, h) in panels.items():
        key = f"x{n}y{n}"
        xa, ya = fig.layout[f"xaxis{n}"], fig.layout[f"yaxis{n}"]
        (x0, x1), (y0, y1) = xa.range, ya.range
        assert w / (x1 - x0) == pytest.approx(h / (y1 - y0), rel=0.01), (key, w, h)
        assert w > 250, (key, w)  # large enough to read, not a thumbnail
    png = E.export_bytes(BOUNDARY, "png", scale=1, browser=browser, results=run)
    assert Image.open(io.BytesIO(png)).size == (1280, 720)


def test_the_exported_figure_is_the_page_figure(scene) -> None:
    run = R.run_mlp_scene(scene)
    page = FM.mlp_figure(scene, run, "curves")
    still = E.static_figure(scene, run)
    assert [t.name for t in still.data] == [t.name for t in page.data]
    for a, b in zip(still.data, page.data):
        np.testing.assert_array_equal(np.asarray(a.y, dtype=float), np.asarray(b.y, dtype=float))
    assert still.layout.title.text == "MLP: Adam vs SGD" and still.layout.width == 1280


@pytest.mark.parametrize("name", ["mlp_init_schemes", "mlp_overfitting"])
def test_shipped_mlp_scenes_from_the_command_line(tmp_path, capsys, name: str) -> None:
    assert export_cli.main([name, "--format", "csv,json", "--out", str(tmp_path), "-q"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{name}.csv", f"{name}.json"]
    scene = E.load_scene(name)
    assert json.loads((tmp_path / f"{name}.json").read_text()) == json.loads(scene.to_json())


def test_a_bad_mlp_scene_file_is_one_line(tmp_path, capsys) -> None:
    d = Scene(view="mlp").to_dict()
    d["mlp"]["hidden"] = [64]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(d))
    assert export_cli.main([str(bad), "--format", "csv", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.json" in err[0] and "hidden must be a whole number from 2 to 32" in err[0]
    assert not Path(tmp_path / "out").exists()
