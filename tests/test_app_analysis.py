"""The surfaces page's tabs of one step and of many runs, under AppTest: each opens from a link or
a scene, shows its picture and its numbers, and its controls change the scene (and the link)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_page_ok, run_app

import optviz
from optviz.config import Scene
from optviz.runs.inside import substituted_rule
from optviz.views.surfaces import SCENES_DIR


def _scene_query(name: str) -> dict[str, str]:
    return Scene.from_json((SCENES_DIR / f"{name}.json").read_text(encoding="utf-8")).to_query()


def _chart_keys(at) -> list[str]:
    return [c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")]


def test_inside_tab_opens_from_a_link_and_steps(warm_jit) -> None:
    at = run_app({"a_figure": "inside", "a_step": "7"})
    assert_page_ok(at, errors=True)
    assert at.session_state["surfaces_tab"] == "Inside one step"
    assert {"chart_inside", "chart_coords"} <= set(_chart_keys(at))
    assert at.slider(key="a_step").value == 7
    # the readout shows the focused run's rule with this step's numbers (momentum: automatic focus)
    scene, _ = Scene.from_query(at.query_params)
    r = optviz.run("rosenbrock", "momentum", start=(-1.5, 2.0), steps=7, lr=2e-4, momentum=0.9, record_state=True)
    latex = [e.value for e in at.get("latex")]
    assert any("b_t" in t and "0.9" in t for t in latex)
    assert substituted_rule(r, 7).count("=") > 0
    at.button(key="a_step_next").click().run()
    assert at.slider(key="a_step").value == 8
    assert at.query_params["a_step"] == ["8"] or at.query_params["a_step"] == "8"
    at.button(key="a_step_prev").click().run()
    at.button(key="a_step_prev").click().run()
    assert at.slider(key="a_step").value == 6


def test_inside_zoom_follows_the_chosen_run(warm_jit) -> None:
    at = run_app({"a_figure": "inside"})
    at.selectbox(key="a_focus").set_value(5).run()  # Adam, the fifth run of the default scene
    assert_page_ok(at, errors=True)
    assert at.markdown  # the page is still there
    bold = [m.value for m in at.markdown if m.value.startswith("**")]
    assert any("Adam" in m for m in bold)
    assert not any("Momentum" in m for m in bold if m.startswith("**Momentum"))
    q = at.query_params["a_focus"]
    assert (q[-1] if isinstance(q, list) else q) == "5"


def test_a_clicked_map_cell_loads_into_the_first_slot(warm_jit) -> None:
    at = run_app(_scene_query("hpmap_bowl_momentum"))
    assert_page_ok(at, errors=True)
    assert at.session_state["surfaces_tab"] == "Hyperparameter map"
    assert "chart_hpmap" in _chart_keys(at)
    at.session_state["_pending_cell"] = {"lr": 0.0316, "momentum": 0.71}
    at.run()
    assert_page_ok(at, errors=True)
    scene, _ = Scene.from_query({k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()})
    first = dict(scene.surfaces.optimizers[0].kwargs)
    assert first["lr"] == pytest.approx(0.0316) and first["momentum"] == pytest.approx(0.71)


def test_basins_tab_draws_two_optimizers_and_says_when_a_surface_has_one_minimum(warm_jit) -> None:
    at = run_app(_scene_query("basins_himmelblau"))
    assert_page_ok(at, errors=True)
    assert at.session_state["surfaces_tab"] == "Basins of attraction"
    assert "chart_basins" in _chart_keys(at)
    at = run_app({"a_figure": "basins"})  # Rosenbrock: one minimum, coloured by steps
    assert_page_ok(at, errors=True)
    assert any("one" in i.value or "1" in i.value for i in at.info)
    assert at.selectbox(key="a_basin_color").disabled


def test_seed_bands_ask_for_noise_then_draw_it(warm_jit) -> None:
    at = run_app({"a_figure": "seeds"})
    assert_page_ok(at, errors=True)
    assert "chart_seeds" not in _chart_keys(at)
    assert any("deterministic" in i.value for i in at.info)
    at.button(key="a_add_noise").click().run()
    assert_page_ok(at, errors=True)
    assert "chart_seeds" in _chart_keys(at)
    q = at.query_params["noise"]
    assert float(q[-1] if isinstance(q, list) else q) == 0.5


def test_the_shipped_analysis_scenes_export_their_picture() -> None:
    from optviz import export

    for name, fig_name in [
        ("inside_one_step", "inside"),
        ("basins_himmelblau", "basins"),
        ("seed_bands_himmelblau", "seeds"),
        ("hpmap_bowl_momentum", "hpmap"),
    ]:
        scene = Scene.from_json((SCENES_DIR / f"{name}.json").read_text(encoding="utf-8"))
        fig = export.static_figure(scene)
        roles = {(t.meta or {}).get("role") for t in fig.data if isinstance(t.meta, dict)}
        assert roles, name
        if fig_name == "inside":
            assert any(str(r).startswith("inside") or r == "arrow_key" for r in roles)
        assert np.isfinite(fig.layout.width) and fig.layout.width == scene.display.size[0]


def test_the_step_by_step_animation_shows_each_step_s_update() -> None:
    """GIF/MP4/HTML of "inside": one frame per step from the scene's step on, each frame's update
    arrows ending where the run went that step (not a repeat of the first frame)."""
    from optviz.views import SURFACES

    scene = Scene.from_json((SCENES_DIR / "inside_one_step.json").read_text(encoding="utf-8"))
    results = SURFACES.run(scene)
    assert all(r.state is not None for r in results)  # the view records the state for this figure
    fig = SURFACES.figure(scene, results, animate=True)
    names = [int(fr.name) for fr in fig.frames]
    assert len(names) >= 10 and names == list(range(scene.analysis.step, scene.analysis.step + len(names)))
    for fr in (fig.frames[0], fig.frames[-1]):
        t = int(fr.name)
        updates = [d for d in fr.data if (d.meta or {}).get("role") == "arrow" and d.meta["kind"] == "update"]
        assert updates
        for d in updates:
            r = results[d.meta["index"]]
            assert (d.x[0], d.y[0]) == tuple(r.path[t - 1])
            assert np.allclose((d.x[1], d.y[1]), r.path[t], rtol=0, atol=1e-12)
    labels = [s.label for s in fig.layout.sliders[0].steps]
    assert labels[0] == f"step {names[0]}"
