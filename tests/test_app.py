"""The page, run headless with Streamlit's AppTest: every widget by key, the figure it shows, the URL."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import optviz
from optviz.config import Scene, SurfacesConfig
from optviz.figures.live import decode_run
from tests.conftest import assert_page_ok
from tests.conftest import run_app as _app

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
WIDGET_KINDS = ("selectbox", "slider", "select_slider", "number_input", "checkbox", "toggle", "text_input")


def _ok(at: AppTest) -> None:
    assert_page_ok(at)


def _main_spec(at: AppTest) -> dict:
    """The live chart's traces, its runs decoded as the browser decodes them (path x, y and the kept steps)."""
    charts = [c for c in at.get("bidi_component") if c.proto.component_name == "optviz.live_chart"]
    assert charts, "no chart on the page"
    dynamic = json.loads(charts[0].proto.json)["dynamic"]
    runs = {r["index"]: decode_run(r) for r in dynamic["runs"]}
    data = [dict(t) for t in dynamic["data"]]
    for t in data:
        meta = t.get("meta") or {}
        if meta.get("role") == "path":
            run = runs[meta["index"]]
            t.update(x=run["x"], y=run["y"], steps=run["steps"])
    return {"data": data, "layout": dynamic["layout"], "frame_steps": dynamic["anim"]["frame_steps"]}


def _shown(a: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """What the live chart shows of a float64 series: the kept steps in float32, the ends exact."""
    out = a[steps].astype(np.float32).astype(np.float64)
    out[0], out[-1] = a[steps[0]], a[steps[-1]]
    return out


def _paths(spec: dict) -> list[dict]:
    """The path traces in the scene's optimizer order (they are drawn last-to-first)."""
    paths = [t for t in spec["data"] if (t.get("meta") or {}).get("role") == "path"]
    return sorted(paths, key=lambda t: t["meta"]["index"])


def _scene(at: AppTest) -> Scene:
    scene, notices = Scene.from_query(dict(at.query_params))
    assert not notices, notices
    return scene


def _widgets(at: AppTest) -> dict[str, object]:
    out = {}
    for kind in WIDGET_KINDS:
        for w in getattr(at, kind):
            if w.key and not w.key.startswith("$$"):
                out[w.key] = w
    return out


def _change(at: AppTest, key: str) -> None:
    """Give the widget `key` another valid value."""
    w = _widgets(at)[key]
    kind = type(w).__name__
    if kind == "Selectbox":
        n = len(w.options)
        cur = w.index if w.index is not None else -1
        w.select_index((cur + 1) % n)
    elif kind == "SelectSlider":
        opts = at.session_state[f"_opts_{key}"]
        i = opts.index(w.value)
        w.set_value(opts[i + 1] if i + 1 < len(opts) else opts[i - 1])
    elif kind == "Slider":
        w.set_value(w.min if w.value != w.min else w.max)
    elif kind == "NumberInput":
        if w.max is not None and w.value + (w.step or 1) > w.max:
            w.decrement()
        else:
            w.increment()
    elif kind in ("Checkbox", "Toggle"):
        w.set_value(not w.value)
    elif kind == "TextInput":
        w.input({"sched_boundaries": "200, 500", "sched_values": "1, 0.3, 0.1"}.get(key, "A lecture title"))
    else:  # pragma: no cover
        raise AssertionError(kind)


@pytest.fixture(scope="module")
def at(warm_jit) -> AppTest:
    return _app()


def test_default_page(at):
    _ok(at)
    assert not at.error
    spec = _main_spec(at)
    assert len(_paths(spec)) == 5
    assert [p["name"] for p in _paths(spec)] == ["SGD", "Momentum", "Nesterov", "RMSProp", "Adam"]
    assert len(spec["frame_steps"]) == 100  # the browser plays 100 frames
    assert dict(at.query_params) == Scene().to_query()  # the address reproduces the page
    assert at.session_state["_timing"]["compute_s"] >= 0
    assert any("Rosenbrock" in m.value for m in at.markdown)


def test_paths_equal_optviz_run(warm_jit):
    at = _app({"surface": "bowl", "sp": "kappa=50.0,theta=0.3", "steps": "400", "noise": "0.1", "seed": "5"})
    _ok(at)
    scene = _scene(at)
    assert scene.surfaces.surface == "bowl" and dict(scene.surfaces.surface_params)["kappa"] == 50.0
    spec = _main_spec(at)
    paths = _paths(spec)
    assert len(paths) == len(scene.surfaces.optimizers)
    for trace, o in zip(paths, scene.surfaces.optimizers):
        r = optviz.run(
            "bowl",
            o.name,
            start=(-2.5, 1.5),
            steps=400,
            surface_params={"kappa": 50.0, "theta": 0.3},
            noise=0.1,
            noise_seed=5,
            **o.kwargs,
        )
        np.testing.assert_array_equal(trace["steps"], np.arange(401))  # 401 points: every one is shown
        np.testing.assert_array_equal(trace["x"], _shown(r.path[:, 0], trace["steps"]))
        np.testing.assert_array_equal(trace["y"], _shown(r.path[:, 1], trace["steps"]))


def test_every_widget_can_be_changed(warm_jit):
    at = _app()
    keys = list(_widgets(at))
    assert len(keys) >= 35

    def late(k: str) -> int:  # widgets that replace other widgets go last
        if k == "title":  # before its checkbox switches it off
            return -1
        return 3 if k in ("demo", "lecture") else 2 if k in ("surface", "sched") else 1 if k.endswith("_name") else 0

    keys.sort(key=late)
    changed: list[str] = []
    for last in (False, False, True):  # second pass: widgets enabled by another (clip norm by its checkbox)
        for key in keys:
            if (late(key) >= 2) != last:
                continue
            w = _widgets(at).get(key)
            if w is None or key in changed or w.proto.disabled:  # gone (slot's optimizer changed) or disabled
                continue
            _change(at, key)
            at.run()
            _ok(at)
            assert not at.error, (key, [e.value for e in at.error])
            changed.append(key)
    assert len(changed) >= 30 and "clip_norm" in changed and "title" in changed
    # The widgets that only appear with another surface or schedule.
    at.selectbox(key="surface").select("bowl")
    at.run()
    for key in ("sp_bowl_kappa", "sp_bowl_theta"):
        _change(at, key)
        at.run()
        _ok(at)
    for sched in ("step", "exponential", "polynomial", "cosine"):
        at.selectbox(key="sched").select(sched)
        at.run()
        _ok(at)
        for key in [k for k in _widgets(at) if k.startswith("sched_")]:
            _change(at, key)
            at.run()
            _ok(at)
            assert not at.error, (sched, key, [e.value for e in at.error])
    assert _scene(at).surfaces.schedule.name == "cosine"


def test_buttons_add_and_remove(warm_jit):
    at = _app()
    at.selectbox(key="add_choice").select("adam")
    at.button(key="add_btn").click()
    at.run()
    _ok(at)
    assert len(_paths(_main_spec(at))) == 6
    new = at.session_state["slots"][-1]
    at.select_slider(key=f"o{new}_adam_beta2").set_value(0.9)
    at.run()
    _ok(at)
    scene = _scene(at)
    adams = [o for o in scene.surfaces.optimizers if o.name == "adam"]
    assert [o.kwargs["beta2"] for o in adams] == [0.999, 0.9]  # two Adams race with different beta2
    names = [p["name"] for p in _paths(_main_spec(at))]
    assert len(set(names)) == 6
    first = at.session_state["slots"][0]
    at.button(key=f"o{first}_remove").click()
    at.run()
    _ok(at)
    assert [p["name"] for p in _paths(_main_spec(at))][0] == "Momentum"


def test_changing_an_optimizer_type(warm_jit):
    at = _app()
    at.selectbox(key="o0_name").select("newton")
    at.run()
    _ok(at)
    assert _scene(at).surfaces.optimizers[0].name == "newton"
    assert "o0_newton_lr" in _widgets(at)


def test_huge_lr_shows_divergence_not_an_error(warm_jit):
    at = _app()
    at.select_slider(key="o0_sgd_lr").set_value(0.1)
    at.run()
    _ok(at)
    assert not at.error
    warnings = " ".join(w.value for w in at.warning)
    assert "SGD diverged at step" in warnings
    marks = [t for t in _main_spec(at)["data"] if (t.get("meta") or {}).get("role") == "diverged"]
    assert marks
    table = at.dataframe[0].value
    assert str(table["diverged"].iloc[0]).startswith("diverged at step")


@pytest.mark.parametrize(
    "boundaries,values,message",
    [
        ("600, 300", "1, 0.1, 0.01", "boundaries must be increasing"),
        ("300", "1, 0.1, 0.01", "values must hold"),
        ("300, 600", "1, x, 0.01", "factors must be numbers"),
    ],
)
def test_invalid_schedule_is_a_readable_error(warm_jit, boundaries, values, message):
    at = _app()
    at.selectbox(key="sched").select("step")
    at.run()
    valid = _scene(at).surfaces.schedule
    at.text_input(key="sched_boundaries").input(boundaries)
    at.text_input(key="sched_values").input(values)
    at.run()
    _ok(at)
    errors = " ".join(e.value for e in at.error)
    assert message in errors and "do not combine" in errors
    # beside the schedule's widgets, in the sidebar; the page draws on with the last valid schedule
    assert any(message in e.value for e in at.sidebar.error)
    assert len(_paths(_main_spec(at))) == 5
    assert _scene(at).surfaces.schedule == valid
    at.text_input(key="sched_boundaries").input("300, 600")  # fixing it takes the schedule into the run
    at.text_input(key="sched_values").input("1, 0.1, 0.01")
    at.run()
    _ok(at)
    assert not at.error and _scene(at).surfaces.schedule.boundaries == (300, 600)


def test_bad_query_params_give_notices(warm_jit):
    at = _app({"steps": "abc", "surface": "no_such_surface", "opt": "adam:lr=99999", "bogus": "1", "d_fps": "0"})
    _ok(at)
    notices = " ".join(w.value for w in at.warning)
    for part in ("steps", "surface", "opt", "bogus", "d_fps"):
        assert part in notices
    assert len(_paths(_main_spec(at))) == 5  # defaults instead


def test_query_params_round_trip(warm_jit):
    q = Scene(
        surfaces=SurfacesConfig(
            surface="himmelblau",
            start=(1.0, -1.0),
            steps=321,
            noise=0.05,
            noise_seed=9,
            schedule={"name": "exponential", "decay_rate": 0.5, "decay_steps": 50},
        )
    ).to_query()
    at = _app(q)
    _ok(at)
    assert dict(at.query_params) == q
    at.number_input(key="steps").set_value(500)
    at.run()
    assert at.query_params["steps"] == "500"


def test_lecture_scenes_load(warm_jit):
    at = _app()
    demo = [w for w in at.selectbox if w.key == "demo"]
    if not demo:
        pytest.skip("no prepared scenes in optviz/scenes")
    for name in list(demo[0].options):
        at.selectbox(key="demo").select(name.replace(" ", "_"))
        at.run()
        _ok(at)
        assert not at.error, name
        want = Scene.from_json((ROOT / "optviz" / "scenes" / f"{name.replace(' ', '_')}.json").read_text())
        got = _scene(at)
        g, w = got.surfaces, want.surfaces
        assert (g.surface, g.steps, g.optimizers) == (w.surface, w.steps, w.optimizers)


def test_3d_and_lookahead(warm_jit):
    at = _app()
    at.toggle(key="show_3d").set_value(True)
    at.toggle(key="lookahead").set_value(True)
    at.run()
    _ok(at)
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert any(t["type"] == "surface" for s in specs for t in s["data"])
    roles = [(t.get("meta") or {}).get("role") for t in _main_spec(at)["data"]]
    assert "lookahead_path" in roles


def test_changing_the_surface_suggests_learning_rates(warm_jit):
    at = _app()
    at.selectbox(key="surface").set_value("bowl").run()
    _ok(at)
    scene = _scene(at)
    lrs = {o.name: o.kwargs["lr"] for o in scene.surfaces.optimizers}
    # rounded down to two significant digits: SGD 1.7/L = 0.17 on the kappa = 10 bowl, above 1/L so
    # it zig-zags (the 1-2-3-5 grid gave 0.1 = 1/L, straight to the axis)
    assert lrs["sgd"] == 0.17 and 0.1 < lrs["sgd"] <= optviz.suggest_lr("bowl", "sgd") * (1 + 1e-9)
    assert lrs["adam"] == 0.046 and lrs["rmsprop"] == 0.015 and lrs["momentum"] == 0.01
    assert any("Learning rates suggested" in t.value for t in at.toast)
    # and the page shows the runs with those rates
    shown = _paths(_main_spec(at))[0]
    want = optviz.run("bowl", "sgd", steps=scene.surfaces.steps, lr=0.17).path[:, 0]
    np.testing.assert_array_equal(shown["x"], _shown(want, shown["steps"]))


def test_an_expander_label_holds_no_lr(warm_jit):
    """The optimizer's expander keeps its label (and so stays open) while its lr moves."""
    at = _app()
    labels = [e.label for e in at.expander if e.label[:1].isdigit()]
    assert labels[:2] == ["1 · SGD", "2 · Momentum"]
    at.select_slider(key="o0_sgd_lr").set_value(0.0005)
    at.run()
    _ok(at)
    assert [e.label for e in at.expander if e.label[:1].isdigit()] == labels
    assert not any("lr" in label or "0.0005" in label for label in labels)


def test_steps_above_ten_thousand(warm_jit):
    at = _app({"steps": "20000"})
    _ok(at)
    assert not at.warning  # no notice: the page takes what the engine takes
    assert at.number_input(key="steps").value == 20_000
    at.number_input(key="steps").set_value(30_000)
    at.run()
    _ok(at)
    assert at.query_params["steps"] == "30000"
    # 30 001 points per run reach the page downsampled for display, always up to the last step
    assert max(int(p["steps"][-1]) for p in _paths(_main_spec(at))) == 30_000


def test_changing_kappa_resuggests_the_curvature_based_lrs(warm_jit):
    """At kappa = 50 the kappa = 10 suggestion (0.17) would diverge: the page re-suggests SGD's and
    momentum's lr from the new curvature, and leaves Adam's (span-based) alone."""
    at = _app()
    at.selectbox(key="surface").set_value("bowl").run()
    at.select_slider(key="sp_bowl_kappa").set_value(50.0).run()
    _ok(at)
    lrs = {o.name: o.kwargs["lr"] for o in _scene(at).surfaces.optimizers}
    assert lrs["sgd"] == 0.034 and 1 / 50 < lrs["sgd"] < 2 / 50
    assert lrs["momentum"] == 0.002 and lrs["adam"] == 0.046
    assert not any("diverged" in w.value for w in at.warning)


def test_an_added_optimizer_gets_a_suggested_lr(warm_jit):
    at = _app()
    at.selectbox(key="surface").set_value("bowl").run()
    at.selectbox(key="add_choice").set_value("sgd").run()
    at.button(key="add_btn").click().run()
    _ok(at)
    specs = _scene(at).surfaces.optimizers
    assert specs[-1].name == "sgd" and specs[-1].kwargs["lr"] == 0.17


def test_a_saddle_escape_is_not_called_a_divergence(warm_jit):
    at = _app()
    at.selectbox(key="demo").select("c10_saddle_escape")
    at.run()
    _ok(at)
    assert not any("diverged" in w.value for w in at.warning)
    assert any("unbounded below" in i.value for i in at.info)
    assert at.caption and any("ridge" in c.value for c in at.caption)
