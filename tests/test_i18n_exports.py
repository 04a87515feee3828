"""Exports in Korean (issue 10): `optviz.export(..., lang=)`, `optviz export --lang`, the frames' Pillow text
with a Hangul font (no tofu), and the words of the legend labels, the MLP panels and the link notices.

The Korean catalog is filled from every part of the project; these tests must not wait for it.  The
`korean` fixture installs the shipped catalog with the few messages read here added where it has no
Korean yet, in a temporary locale directory (`optviz.i18n.LOCALE_DIR`).  Elsewhere the expected text
is `_()` computed under `use_lang("ko")`, whatever the catalog holds.

The tofu check draws each character with the font the frames pick and compares it with the font's
.notdef glyph (the box a font draws for a character it lacks, here for U+FFFF, which no font maps):
a real glyph differs from the box, and two different syllables differ from each other.  The check
is shown to fail with a font that has no Hangul (a Latin-only font forced in its place).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from dataclasses import replace

import pytest
from PIL import Image, ImageDraw, ImageFont

import optviz
from optviz import export as E
from optviz import export_cli, i18n
from optviz.config import OptimizerSpec, Scene, run_labels
from optviz.config.mlp import MLPConfig
from optviz.export import frames as F
from optviz.i18n import _, use_lang
from optviz.runs.mlp import run_specs

IN_CI = os.environ.get("CI") == "true"
needs_browser = pytest.mark.skipif(
    E.find_browser() is None and not IN_CI, reason="no Chromium here (apt-get install -y chromium)"
)

SCENE_NAME = "momentum_vs_nesterov"  # Momentum, Nesterov and one more: a legend with a word in it
KOREAN = "학습률"  # learning rate: three distinct syllables
NOTDEF = "\uffff"  # a noncharacter: every font draws its .notdef box for it
PLAIN_FAMILY = '"Open Sans", verdana, arial, sans-serif'  # plotly's default: names no Korean font

# What these tests read, in the words of the lecture notes; the shipped catalog wins where it has them.
TEST_MESSAGES = {
    "Momentum": "모멘텀",
    "bias correction off": "편향 보정 끔",
    "history size": "기록 크기",
    "step {n}": "스텝 {n}",
    "full batch ({n})": "전체 배치 ({n})",
    "mini-batch {k}": "미니배치 {k}",
    "batch size 1": "배치 크기 1",
    "ignored unknown parameter {name}": "알 수 없는 매개변수 {name} 무시됨",
    "optviz · lecture deck": "optviz · 강의 자료",
}


@pytest.fixture
def korean(tmp_path, monkeypatch):
    """The Korean catalog with TEST_MESSAGES filled in where it has no translation yet."""
    from babel.messages.pofile import read_po, write_po

    with (i18n.LOCALE_DIR / "ko" / "LC_MESSAGES" / "optviz.po").open("rb") as f:
        catalog = read_po(f)
    for msgid, msgstr in TEST_MESSAGES.items():
        message = catalog.get(msgid)
        if message is None:
            catalog.add(msgid, msgstr)
        elif not message.string or message.fuzzy:
            message.string = msgstr
            message.flags.discard("fuzzy")
    where = tmp_path / "locale" / "ko" / "LC_MESSAGES"
    where.mkdir(parents=True)
    with (where / "optviz.po").open("wb") as f:
        write_po(f, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    i18n.translations.cache_clear()
    with use_lang("ko"):
        yield {k: _(k) for k in TEST_MESSAGES}
    i18n.translations.cache_clear()  # the next test reads the shipped catalog again


# ----------------------------------------------------------------------------- no tofu


def _picture(font: ImageFont.FreeTypeFont, text: str) -> bytes:
    """`text` drawn in black on white as the frames draw text (ImageDraw.text), as bytes."""
    im = Image.new("L", (8 * font.size, 2 * font.size), 255)
    ImageDraw.Draw(im).text((font.size // 2, font.size // 2), text, font=font, fill=0)
    return im.tobytes()


def assert_real_glyphs(font: ImageFont.FreeTypeFont, text: str) -> None:
    """Every character of `text` has a glyph of its own in `font`: not blank, not the .notdef box,
    and the distinct characters are distinct pictures."""
    blank = Image.new("L", (8 * font.size, 2 * font.size), 255).tobytes()
    box = _picture(font, NOTDEF)
    pictures = {ch: _picture(font, ch) for ch in dict.fromkeys(text) if not ch.isspace()}
    for ch, pic in pictures.items():
        assert pic != blank, f"{ch!r} draws nothing"
        assert pic != box, f"{ch!r} draws the .notdef box (tofu)"
    assert len(set(pictures.values())) == len(pictures), f"distinct characters of {text!r} draw alike (tofu)"


def _latin_only_font() -> str:
    """An installed font file without Hangul (fontconfig's list minus the fonts that have U+D559)."""
    fc = shutil.which("fc-list")
    if fc is None:
        pytest.skip("no fontconfig here")
    every = subprocess.run([fc, ":", "file"], capture_output=True, text=True).stdout.split()
    hangul = subprocess.run([fc, ":charset=d559", "file"], capture_output=True, text=True).stdout.split()
    latin = sorted(f.rstrip(":") for f in every if f not in hangul and f.rstrip(":").endswith((".ttf", ".otf")))
    if not latin:
        pytest.skip("no Latin-only font installed")
    return latin[0]


@pytest.mark.parametrize("family", [PLAIN_FAMILY, E._font_family_with_cjk(None), "DejaVu Sans"])
def test_frames_draw_hangul_with_a_font_that_has_it(family: str) -> None:
    """Whatever the figure's font family names, the frames' font for a Korean text has every glyph."""
    assert_real_glyphs(F._pil_font(family, 40, KOREAN), KOREAN)
    assert_real_glyphs(F._pil_font(family, 40, "스텝 120"), "스텝 120")
    assert_real_glyphs(F._pil_font(family, 40, "step 120"), "step 120")  # Latin text still works


def test_the_tofu_check_fails_with_a_latin_only_font(monkeypatch) -> None:
    latin = _latin_only_font()
    font = ImageFont.truetype(latin, 40)
    assert_real_glyphs(font, "step 120")  # the font is fine for Latin text
    with pytest.raises(AssertionError, match="tofu"):
        assert_real_glyphs(font, KOREAN)
    # forced into the frames' font choice, the check catches it there too
    monkeypatch.setattr(F, "_font_file", lambda family, chars: (latin, 0))
    with pytest.raises(AssertionError, match="tofu"):
        assert_real_glyphs(F._pil_font(PLAIN_FAMILY, 40, KOREAN), KOREAN)


def _counter_animator(labels: list[str]) -> F.Animator:
    """An Animator with only what `_draw_counter` reads (no browser, no figure)."""
    anim = F.Animator.__new__(F.Animator)
    anim._counter = labels
    anim._font_family, anim._font_size, anim._font_color = PLAIN_FAMILY, 20.0, "#444"
    anim.scale, anim.width, anim.height, anim.boxes = 1.0, 320, 80, {}
    return anim


def test_the_frame_counter_speaks_korean_and_is_drawn_in_hangul(korean, monkeypatch) -> None:
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=[0], y=[0]), frames=[go.Frame(name=str(k), data=[go.Scatter(x=[k])]) for k in (1, 2)])
    labels = F.Animator._counter_labels(fig)  # no slider: the exporter's own "step N"
    assert labels == [korean["step {n}"].format(n=1), korean["step {n}"].format(n=2)] == ["스텝 1", "스텝 2"]
    drawn = _counter_animator(labels)._draw_counter(Image.new("RGB", (320, 80), "white"), 0)
    assert_real_glyphs(F._pil_font(PLAIN_FAMILY, 20, labels[0]), labels[0])
    monkeypatch.setattr(F, "_font_file", lambda family, chars: (_latin_only_font(), 0))
    tofu = _counter_animator(labels)._draw_counter(Image.new("RGB", (320, 80), "white"), 0)
    assert drawn.tobytes() != tofu.tobytes()  # the Hangul font, not boxes


@pytest.fixture(scope="module")
def browser():
    b = E.Browser()
    yield b
    b.close()


@needs_browser
def test_a_kaleido_png_draws_a_korean_title_with_real_glyphs(browser) -> None:
    """Chromium (kaleido) draws the title: two Korean titles differ, and neither is the picture of
    characters no font has (U+0378 is unassigned: Chromium draws its boxes; U+FFFF breaks plotly.js)."""
    scene = E.load_scene(SCENE_NAME)
    results = E.view_exporter(scene).run(scene)
    w, h = scene.display.size

    def png(title: str) -> bytes:
        titled = replace(scene, display=replace(scene.display, title=title))
        picture = browser.render(E.static_figure(titled, results), "png", width=w, height=h, scale=1)
        return Image.open(io.BytesIO(picture)).convert("L").tobytes()

    a, b, box = png("학습률 학습률"), png("모멘텀 모멘텀"), png("\u0378\u0378\u0378 \u0378\u0378\u0378")
    assert a != b and a != box and b != box


# ----------------------------------------------------------------------------- export(..., lang=)


def test_export_lang_validates_and_overrides(tmp_path) -> None:
    scene = E.load_scene(SCENE_NAME)
    for bad in ("xx", "KO", 1):
        with pytest.raises(ValueError, match="lang"):
            optviz.export(scene, tmp_path / "x.csv", lang=bad)
        with pytest.raises(ValueError, match="lang"):
            E.export_bytes(scene, "csv", lang=bad)
        with pytest.raises(ValueError, match="lang"):
            E.export_many([scene], "csv", tmp_path, lang=bad)
    assert not (tmp_path / "x.csv").exists()
    korean_scene = replace(scene, display=replace(scene.display, lang="ko"))
    assert E.in_language(scene, None) is scene and E.in_language(scene, "ko") == korean_scene
    assert E.in_language(korean_scene, "en").display.lang == "en"
    written = json.loads(E.export_bytes(scene, "json", lang="ko"))
    assert written["display"]["lang"] == "ko"  # the scene file records the language it was written in
    assert Scene.from_json(E.export_bytes(korean_scene, "json", lang="en").decode()).display.lang == "en"


def test_html_export_in_korean(tmp_path, korean) -> None:
    path = optviz.export(SCENE_NAME, tmp_path / "k.html", lang="ko")
    page = path.read_text(encoding="utf-8")
    assert korean["Momentum"] in page  # the legend's word, translated
    assert '<html lang="ko">' in page
    for font in ("Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic"):
        assert font in page  # the page's CSS falls back to a CJK font on every system
    english = optviz.export(SCENE_NAME, tmp_path / "e.html").read_text(encoding="utf-8")
    assert korean["Momentum"] not in english and '<html lang="en">' in english  # English stays the default


def test_html_export_follows_the_scenes_own_language(tmp_path, korean) -> None:
    scene = E.load_scene(SCENE_NAME)
    korean_scene = replace(scene, display=replace(scene.display, lang="ko"))
    assert korean["Momentum"] in E.export_bytes(korean_scene, "html").decode()
    assert korean["Momentum"] not in E.export_bytes(korean_scene, "html", lang="en").decode()


def test_csv_export_in_korean_still_works(tmp_path) -> None:
    ko = list(csv.DictReader(io.StringIO(optviz.export(SCENE_NAME, tmp_path / "k.csv", lang="ko").read_text())))
    en = list(csv.DictReader(io.StringIO(optviz.export(SCENE_NAME, tmp_path / "e.csv").read_text())))
    assert len(ko) == len(en) > 0 and list(ko[0]) == list(en[0])  # the same table, the same columns
    assert [r["loss"] for r in ko] == [r["loss"] for r in en]


@needs_browser
def test_svg_export_in_korean(korean, browser) -> None:
    svg = E.export_bytes(SCENE_NAME, "svg", lang="ko", browser=browser).decode()
    assert korean["Momentum"] in svg and E.CJK_FONT in svg


# ----------------------------------------------------------------------------- the CLI


def test_cli_accepts_lang_ko(tmp_path, capsys, korean) -> None:
    assert "--lang" in export_cli.build_parser().format_help()
    code = export_cli.main([SCENE_NAME, "--format", "json,csv,html", "--out", str(tmp_path), "-q", "--lang", "ko"])
    assert code == 0
    assert json.loads((tmp_path / f"{SCENE_NAME}.json").read_text())["display"]["lang"] == "ko"
    assert korean["Momentum"] in (tmp_path / f"{SCENE_NAME}.html").read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as bad:
        export_cli.main([SCENE_NAME, "--out", str(tmp_path), "--lang", "xx"])
    assert bad.value.code == 2 and "--lang" in capsys.readouterr().err


def test_cli_deck_index_in_korean(tmp_path, korean) -> None:
    names = ["c03_zigzag_bowl"]
    written = [tmp_path / f"{n}.{f}" for n in names for f in ("png", "json")]
    with use_lang("ko"):
        page = export_cli.write_index(tmp_path, names, written, export_cli.APP_URL).read_text(encoding="utf-8")
    assert '<html lang="ko">' in page and korean["optviz · lecture deck"] in page
    assert "d_lang=ko" in page  # the share link opens the page in Korean


# ----------------------------------------------------------------------------- the words of the labels


MOMENTA = [OptimizerSpec("momentum", (("momentum", m),)) for m in (0.5, 0.9, 0.99)]
ADAMS = [OptimizerSpec("adam"), OptimizerSpec("adam", (("bias_correction", 0.0),))]


def test_run_labels_in_korean_follow_the_catalog() -> None:
    """Against whatever the shipped catalog holds: the words are `_`'s, the symbols and numbers stay."""
    with use_lang("ko"):
        momentum, off = _("Momentum"), _("bias correction off")
        assert run_labels(MOMENTA) == [f"{momentum} (μ = 0.5)", f"{momentum} (μ = 0.9)", f"{momentum} (μ = 0.99)"]
        assert run_labels(ADAMS) == ["Adam", f"Adam ({off})"]
        assert run_labels([OptimizerSpec("sgd"), OptimizerSpec("sgd")]) == ["SGD #1", "SGD #2"]
    assert run_labels(MOMENTA)[0] == "Momentum (μ = 0.5)"  # English again outside


def test_run_labels_in_korean(korean) -> None:
    assert run_labels(MOMENTA) == ["모멘텀 (μ = 0.5)", "모멘텀 (μ = 0.9)", "모멘텀 (μ = 0.99)"]
    assert run_labels(ADAMS) == ["Adam", "Adam (편향 보정 끔)"]
    lbfgs = [OptimizerSpec("lbfgs", (("history_size", 5),)), OptimizerSpec("lbfgs")]
    assert run_labels(lbfgs) == ["L-BFGS (기록 크기 = 5)", "L-BFGS (기록 크기 = 10)"]
    assert run_labels([*MOMENTA[:1], *MOMENTA[:1]]) == ["모멘텀 #1", "모멘텀 #2"]
    assert run_labels(MOMENTA[:1], detailed=True) == ["모멘텀 (η = 0.01, μ = 0.5)"]


def test_mlp_panel_labels_and_link_notices_in_korean(korean) -> None:
    labels = [r.label for r in run_specs(MLPConfig(compare="batch_size"), 192)]
    assert labels == ["전체 배치 (192)", "미니배치 16", "배치 크기 1"]
    scene, notices = Scene.from_query({"nope": "1"})
    assert scene == Scene() and notices == ["알 수 없는 매개변수 'nope' 무시됨"]
    with use_lang("en"):
        assert Scene.from_query({"nope": "1"})[1] == ["ignored unknown parameter 'nope'"]
