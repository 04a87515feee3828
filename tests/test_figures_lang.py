"""Figures speak their scene's language (issue 10): `display.lang`, not the caller's current one.

The Korean catalog is replaced by a marker translation ("⟪msgid⟫"), so the tests do not depend on
which messages are translated yet: a marked text was looked up in the scene's language, an
unmarked one in English.
"""

from __future__ import annotations

import gettext
from dataclasses import replace

import pytest

import optviz.i18n as I
from optviz.config import Display, MLPConfig, Scene
from optviz.figures.style import font_family
from optviz.runs.mlp import run_mlp_scene
from optviz.views import MLP, SURFACES


class Marked(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return f"⟪{message}⟫"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"⟪{singular if n == 1 else plural}⟫"


@pytest.fixture
def marked_ko(monkeypatch):
    monkeypatch.setattr(I, "translations", lambda lang: Marked() if lang == "ko" else gettext.NullTranslations())


@pytest.fixture(scope="module")
def surfaces_run():
    scene = Scene(display=Display(frames=4))
    return scene, SURFACES.run(scene)


@pytest.fixture(scope="module")
def mlp_run():
    scene = Scene(view="mlp", mlp=MLPConfig(steps=40), display=Display(frames=4))
    return scene, run_mlp_scene(scene, parts=())


def test_a_korean_scene_draws_in_korean_whatever_the_current_language(marked_ko, surfaces_run) -> None:
    scene, results = surfaces_run
    ko = replace(scene, display=replace(scene.display, lang="ko"))
    assert I.current_lang() == "en"
    fig = SURFACES.figure(ko, results, "scene")
    assert "⟪{steps} steps⟫" in fig.layout.title.text or "⟪" in fig.layout.title.text
    assert fig.layout.xaxis2.title.text == "⟪step⟫"
    assert fig.layout.sliders[0].currentvalue.prefix.startswith("⟪step⟫")
    names = {t.name for t in fig.data}
    assert "⟪start⟫" in names and "⟪global minimum⟫" in names
    assert fig.layout.font.family.startswith("'Noto Sans CJK KR'")
    # the same scene in English, built while the current language is Korean
    with I.use_lang("ko"):
        en = SURFACES.figure(scene, results, "scene")
    assert "⟪" not in en.layout.title.text and en.layout.xaxis2.title.text == "step"
    assert en.layout.font.family.startswith("Inter")
    assert I.current_lang() == "en"


def test_tables_translate_headers_and_csv_keeps_english_columns(marked_ko, surfaces_run) -> None:
    scene, results = surfaces_run
    ko = replace(scene, display=replace(scene.display, lang="ko"))
    row = SURFACES.table(ko, results)[0]
    assert "⟪optimizer⟫" in row and "⟪final loss⟫" in row
    assert set(SURFACES.table(scene, results)[0]) >= {"optimizer", "final loss", "steps run"}
    first = next(iter(SURFACES.csv_rows(ko, results)))
    assert tuple(first) == SURFACES.csv_columns


def test_mlp_panels_are_named_in_the_figures_language_not_the_training_one(marked_ko, mlp_run) -> None:
    """The page caches a run by its settings: its labels were made in whatever language trained it."""
    scene, run = mlp_run
    ko = replace(scene, display=replace(scene.display, lang="ko"))
    fig = MLP.figure(ko, run, "boundary")
    assert fig.layout.updatemenus[0].buttons[0].label == "▶ ⟪play⟫"
    corner = [a.text for a in fig.layout.annotations if a.bgcolor]
    assert corner and all(t.startswith("⟪step 40: train ") for t in corner)
    row = MLP.table(ko, run)[0]
    assert "⟪run⟫" in row and "⟪train loss⟫" in row
    with I.use_lang("ko"):  # the same settings trained (and labelled) while the page spoke Korean
        run_ko = run_mlp_scene(scene, parts=())

    def names(s: Scene, r) -> list[str]:
        return [t.name for t in MLP.figure(s, r, "curves").data]

    assert names(scene, run_ko) == names(scene, run)  # drawn in English: English labels
    assert names(ko, run) == names(ko, run_ko)  # drawn in Korean: Korean labels
    assert [r["run"] for r in MLP.csv_rows(scene, run_ko)][:1] == [r["run"] for r in MLP.csv_rows(scene, run)][:1]


def test_font_stacks_put_a_hangul_font_where_it_is_needed() -> None:
    ko, en = font_family("ko"), font_family("en")
    assert ko.split(",")[0].strip() == "'Noto Sans CJK KR'"
    assert "'Noto Sans CJK KR'" in en and en.index("'Noto Sans CJK KR'") < en.index("sans-serif")
    assert en.split(",")[0].strip() == "Inter"
