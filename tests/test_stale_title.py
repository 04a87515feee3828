"""A shipped title belongs to the shipped settings (issue 9): once a setting changes, the lecture scene's
title and caption are marked ("(settings changed)") or dropped, in the config layer (`shown_scene`),
and the figures draw the mark apart from the words."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from optviz.config import Display, Scene
from optviz.config.scene import (
    STALE_CAPTION,
    STALE_SUFFIX,
    changed_settings,
    display_applies,
    shown_scene,
)
from optviz.figures.style import title_markup
from optviz.views import MLP, SURFACES

SCENES = Path(__file__).resolve().parent.parent / "optviz" / "scenes"


def shipped(name: str) -> Scene:
    return Scene.from_json((SCENES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def c02() -> Scene:
    return shipped("c02_learning_rate")


def kappa(scene: Scene, k: float) -> Scene:
    s = scene.surfaces
    return replace(scene, surfaces=replace(s, surface_params=(("kappa", k), *s.surface_params[1:])))


def test_the_shipped_scene_and_display_changes_keep_the_title(c02: Scene) -> None:
    assert display_applies(c02, c02) and changed_settings(c02, c02) == ()
    assert shown_scene(c02, c02) is c02
    redrawn = replace(c02, display=replace(c02.display, theme="dark", font_size=20, frames=50, log_loss=False))
    assert display_applies(c02, redrawn) and shown_scene(c02, redrawn) is redrawn


def test_a_changed_setting_marks_or_drops_the_title_and_caption(c02: Scene) -> None:
    # the case: "lr < 0.2" stays in the title at κ = 30, where two runs diverge
    now = kappa(c02, 30.0)
    assert not display_applies(c02, now) and changed_settings(c02, now) == ("surfaces.surface_params",)
    marked = shown_scene(c02, now)
    assert marked.display.title == c02.display.title + STALE_SUFFIX
    assert marked.display.caption == STALE_CAPTION + c02.display.caption
    assert marked.surfaces == now.surfaces  # only the display's words change
    dropped = shown_scene(c02, now, stale="drop")
    assert dropped.display.title == "" and dropped.display.caption == ""
    # any setting counts: an optimizer's lr, the steps, the view
    lr = replace(c02.surfaces.optimizers[1], hyperparams=(("lr", 0.1),))
    now = replace(c02, surfaces=replace(c02.surfaces, optimizers=(c02.surfaces.optimizers[0], lr)))
    assert changed_settings(c02, now) == ("surfaces.optimizers",)
    now = replace(c02, surfaces=replace(c02.surfaces, steps=151))
    assert changed_settings(c02, now) == ("surfaces.steps",)
    assert changed_settings(c02, replace(c02, view="mlp"))[0] == "view"
    with pytest.raises(ValueError, match="stale must be one of: mark, drop"):
        shown_scene(c02, now, stale="hide")


def test_marking_is_idempotent_and_undone_when_the_settings_return(c02: Scene) -> None:
    marked = shown_scene(c02, kappa(c02, 30.0))
    assert shown_scene(c02, marked) == marked
    back = kappa(marked, 10.0)  # the lecturer moves κ back to the shipped 10
    assert shown_scene(c02, back).display == c02.display


def test_a_title_the_user_wrote_stays(c02: Scene) -> None:
    mine = replace(kappa(c02, 30.0), display=replace(c02.display, title="κ = 30: two runs diverge", caption=""))
    assert shown_scene(c02, mine) == mine and shown_scene(c02, mine, stale="drop") == mine
    plain = Scene()  # no shipped title: nothing to mark
    assert shown_scene(plain, kappa(replace(plain, surfaces=c02.surfaces), 30.0)).display == Display()


def test_mlp_scenes_count_their_settings_not_the_figure_exported() -> None:
    c28 = shipped("c28_early_stopping")
    other_figure = replace(c28, mlp=replace(c28.mlp, figure="boundary"))
    assert display_applies(c28, other_figure)
    deeper = replace(c28, mlp=replace(c28.mlp, hidden=(32, 32)))
    assert changed_settings(c28, deeper) == ("mlp.hidden",)
    no_stop = replace(c28, mlp=replace(c28.mlp, patience=None))
    assert shown_scene(c28, no_stop).display.title == c28.display.title + STALE_SUFFIX
    # the surfaces block of an MLP scene is not on the picture
    hidden = replace(c28, surfaces=replace(c28.surfaces, steps=10))
    assert display_applies(c28, hidden)


def test_the_figures_draw_the_mark_apart_and_the_dropped_title_is_automatic(c02: Scene, warm_jit) -> None:  # noqa: ANN001
    now = replace(kappa(c02, 30.0), surfaces=replace(kappa(c02, 30.0).surfaces, steps=20))
    marked = shown_scene(c02, now)
    results = SURFACES.run(marked)
    text = SURFACES.figure(marked, results).layout.title.text
    assert text.startswith(c02.display.title + " <span") and "<i>(settings changed)</i>" in text
    dropped = shown_scene(c02, now, stale="drop")
    auto = SURFACES.figure(dropped, results).layout.title.text
    assert c02.display.title not in auto and "Anisotropic bowl" in auto
    # the shipped title, unchanged settings: drawn as it is
    assert title_markup(c02.display.title, c02.display) == c02.display.title
    c28 = shipped("c28_early_stopping")
    stale = shown_scene(c28, replace(c28, mlp=replace(c28.mlp, steps=100)))
    fig = MLP.figure(stale, MLP.run(stale), "curves")
    assert fig.layout.title.text.startswith(c28.display.title + " <span")


def test_a_marked_title_of_200_characters_still_fits() -> None:
    long = Scene(display=Display(title="x" * 200, caption="y" * 1000))
    now = replace(long, surfaces=replace(long.surfaces, steps=5))
    marked = shown_scene(long, now)
    assert len(marked.display.title) == 200 and marked.display.title.endswith(STALE_SUFFIX)
    assert shown_scene(long, marked) == marked and shown_scene(long, replace(marked, surfaces=long.surfaces)) == long


def test_the_page_marks_a_loaded_scenes_title_once_a_setting_changes(warm_jit) -> None:
    """In the app: C2 loaded from its link shows its title and caption as shipped; one more step and
    the chart's title and the caption above it carry the mark; back to the shipped steps, unmarked."""
    import json

    from streamlit.testing.v1 import AppTest

    scene = shipped("c02_learning_rate")
    at = AppTest.from_file(str(SCENES.parent.parent / "app.py"), default_timeout=60)
    for k, v in scene.to_query().items():
        at.query_params[k] = v
    at.run()

    def title_and_caption() -> tuple[str, str]:
        (live,) = [c for c in at.get("bidi_component") if c.proto.component_name == "optviz.live_chart"]
        title = json.loads(live.proto.json)["dynamic"]["layout"]["title"]["text"]
        caption = next(c.value for c in at.caption if scene.display.caption in c.value)
        return title, caption

    assert not at.exception
    title, caption = title_and_caption()
    assert scene.display.title in title and STALE_SUFFIX.strip() not in title
    assert caption == scene.display.caption
    steps = scene.surfaces.steps
    at.number_input(key="steps").set_value(steps + 1).run()
    title, caption = title_and_caption()
    assert STALE_SUFFIX.strip() in title and caption.startswith(STALE_CAPTION)
    assert STALE_SUFFIX.strip() in at.query_params["d_title"]  # the share link carries the mark too
    at.number_input(key="steps").set_value(steps).run()
    title, caption = title_and_caption()
    assert STALE_SUFFIX.strip() not in title and caption == scene.display.caption
