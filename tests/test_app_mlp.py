"""The MLP view of the page, run headless with Streamlit's AppTest: the view switch, every mlp_
widget, the curves against `optviz.mlp.train`, readable errors, divergence shown as a result."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from optviz import mlp
from optviz.config import MLPConfig, Scene, run_labels
from optviz.config import mlp as M
from optviz.figures import as_array

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TAB_WIDGETS = {"mlp_directions": "Landscape", "mlp_probe": "Initialisation"}  # drawn inside their tab
WIDGET_KINDS = ("selectbox", "slider", "select_slider", "number_input", "checkbox", "toggle", "text_input", "radio")


@pytest.fixture(scope="module")
def warm_mlp() -> None:
    mlp.warmup()


def _app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in ({"view": "mlp"} if query is None else query).items():
        at.query_params[k] = v
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _key(chart) -> str:
    """A chart's automatic title (what its figure is)."""
    spec = json.loads(chart.proto.spec)
    return (spec["layout"].get("meta") or {}).get("auto_title", "")


def _charts(at: AppTest) -> dict[str, dict]:
    return {_key(c): json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def _live(at: AppTest) -> dict | None:
    """The MLP live chart's payload (the decision boundary, and the training curves under its player)."""
    live = [c for c in at.get("bidi_component") if c.proto.component_name == "optviz.live_chart"]
    return json.loads(live[0].proto.json) if live else None


def _curves(at: AppTest) -> dict:
    """The training curves' figure: drawn in the live chart, under the boundary's player."""
    payload = _live(at)
    assert payload is not None, "no live chart on the page"
    return payload["dynamic"]["companion"]


def _drawn(at: AppTest) -> bool:
    return bool(at.get("plotly_chart")) or _live(at) is not None


def _scene(at: AppTest) -> Scene:
    scene, notices = Scene.from_query(dict(at.query_params))
    assert not notices, notices
    return scene


def _mlp_widgets(at: AppTest) -> dict[str, object]:
    out = {}
    for kind in (*WIDGET_KINDS, "segmented_control"):
        for w in getattr(at, kind):
            if w.key and w.key.startswith("mlp_"):
                out[w.key] = w
    return out


def _change(at: AppTest, key: str) -> None:
    """Give the widget `key` another valid value."""
    w = _mlp_widgets(at)[key]
    kind = type(w).__name__
    if kind == "Selectbox":
        w.select_index(((w.index if w.index is not None else -1) + 1) % len(w.options))
    elif kind == "Radio":
        w.set_value(w.options[(w.index + 1) % len(w.options)])  # a formatted label works too
    elif kind == "SelectSlider":
        opts = at.session_state[f"_opts_{key}"]
        i = opts.index(w.value)
        w.set_value(opts[i + 1] if i + 1 < len(opts) else opts[i - 1])
    elif kind == "Slider":  # to the max first: a validation share of 0 would not combine with early stopping
        w.set_value(w.max if w.value != w.max else w.min)
    elif kind == "NumberInput":
        if w.max is not None and w.value + (w.step or 1) > w.max:
            w.decrement()
        else:
            w.increment()
    elif kind in ("Checkbox", "Toggle"):
        w.set_value(not w.value)
    elif kind == "ButtonGroup":
        opts = list(w.options)
        w.set_value(opts[(opts.index(w.value) + 1) % len(opts)])
    elif kind == "TextInput":
        w.input({"mlp_sched_boundaries": "100, 300", "mlp_sched_values": "1, 0.3, 0.1"}[key])
    else:  # pragma: no cover
        raise AssertionError(kind)


# ----------------------------------------------------------------------------- the view switch


def test_the_default_mlp_page(warm_mlp) -> None:
    at = _app()
    _ok(at)
    scene = _scene(at)
    assert scene.view == "mlp" and scene.mlp == MLPConfig()
    assert not any(k.startswith("m_") for k in at.query_params)  # the short address ?view=mlp
    # the decision boundary plays in the browser (the live chart), the curves under its player follow it
    (live,) = [c for c in at.get("bidi_component") if c.proto.component_name == "optviz.live_chart"]
    dynamic = json.loads(live.proto.json)["dynamic"]
    assert dynamic["kind"] == "mlp" and len(dynamic["panels"]) == 3
    assert dynamic["companion"]["layout"]["meta"]["auto_title"].startswith("training and validation")
    assert sum(sh.get("name") == "optviz_step" for sh in dynamic["companion"]["layout"]["shapes"]) == 2
    assert at.session_state["mlp_tab"] == "Training"
    assert any(m.value.startswith("**optimizers from one init.**") for m in at.markdown)  # the defaults' preset


def test_view_switch_keeps_both_views(warm_mlp) -> None:
    at = _app({})
    _ok(at)
    at.number_input(key="steps").set_value(321)
    at.run()
    at.segmented_control(key="_view").set_value("mlp")
    at.run()
    _ok(at)
    assert at.query_params["view"] == "mlp" and at.query_params["steps"] == "321"
    at.select_slider(key="mlp_n").set_value(128)
    at.run()
    assert at.query_params["m_n"] == "128"
    at.segmented_control(key="_view").set_value("surfaces")
    at.run()
    _ok(at)
    scene = _scene(at)
    assert scene.view == "surfaces" and scene.surfaces.steps == 321 and scene.mlp.n == 128
    assert at.number_input(key="steps").value == 321
    at.segmented_control(key="_view").set_value("mlp")
    at.run()
    _ok(at)
    assert at.select_slider(key="mlp_n").value == 128  # restored after Streamlit dropped the widget


def test_every_tab_draws(warm_mlp) -> None:
    at = _app()
    for tab, figs in M.TABS.items():
        at.session_state["mlp_tab"] = tab
        at.run()
        _ok(at)
        titles = [_key(c) for c in at.get("plotly_chart")]
        payload = _live(at)  # the boundary, and the curves under its player: two figures
        live = 0 if payload is None else 1 + ("companion" in payload["dynamic"])
        assert len(titles) + live >= len([f for f in figs if f != "lr"]), (tab, titles)
        if tab == "Gradients":
            assert [m.label for m in at.metric][0].startswith("relative error")
            assert float(at.metric[0].value) < 1e-7


# ----------------------------------------------------------------------------- every widget


def test_every_mlp_widget_can_be_changed(warm_mlp) -> None:
    at = _app({"view": "mlp", "m_steps": "50"})  # quick: ~50 reruns follow
    _ok(at)
    at.session_state["mlp_tab"] = "Landscape"  # the landscape's and the init tab's widgets exist there
    at.run()
    keys = list(_mlp_widgets(at))
    for tab in ("Initialisation", "Training"):
        at.session_state["mlp_tab"] = tab
        at.run()
        keys += [k for k in _mlp_widgets(at) if k not in keys]
    assert len(keys) >= 35, keys

    def late(k: str) -> int:  # widgets that replace or reshape others go last
        if k in ("mlp_dataset", "mlp_layers", "mlp_compare", "mlp_figure", "mlp_preset", "mlp_sched"):
            return 2
        return 1 if k.endswith("_name") else 0

    keys.sort(key=late)
    changed: list[str] = []
    for rnd in (0, 1, 2):  # later rounds: widgets enabled by another (k by the batch mode)
        for key in keys:
            if late(key) > rnd and rnd < 2:
                continue
            if key in TAB_WIDGETS and at.session_state["mlp_tab"] != TAB_WIDGETS[key]:
                at.session_state["mlp_tab"] = TAB_WIDGETS[key]
                at.run()
            w = _mlp_widgets(at).get(key)
            if w is None or key in changed or w.proto.disabled or key == "mlp_preset":
                continue
            before = dict(at.query_params)
            for _ in range(8):  # a value that does not combine with the others: a readable error, then the next
                _change(at, key)
                at.run()
                assert not at.exception, [e.value for e in at.exception]
                if not at.error:
                    break
                assert all("do not combine" in e.value for e in at.error), key
            _ok(at)
            changed.append(key)
            if key not in ("mlp_tab", "mlp_add_choice") and not key.endswith("_remove"):
                assert dict(at.query_params) != before or key.startswith(("mlp_sched_", "mlp_clip", "mlp_es")), key
    for must in ("mlp_batch", "mlp_batch_k", "mlp_standardize", "mlp_compare", "mlp_directions", "mlp_probe"):
        assert must in changed, must
    assert len(changed) >= 30
    # the schedules' own widgets
    for sched in ("step", "exponential", "polynomial", "cosine"):
        at.selectbox(key="mlp_sched").select(sched)
        at.run()
        _ok(at)
        for key in [k for k in _mlp_widgets(at) if k.startswith("mlp_sched_")]:
            _change(at, key)
            at.run()
            _ok(at)
    assert _scene(at).mlp.schedule.name == "cosine"


def test_presets_load(warm_mlp) -> None:
    at = _app()
    for name in ("init schemes with sigmoid", "batch size: full / 16 / 1", "early stopping"):
        at.selectbox(key="mlp_preset").select(name)
        at.run()
        _ok(at)
        assert _scene(at).mlp == M.preset(name)
        assert at.session_state["mlp_tab"] == M.TAB_OF_FIGURE[M.preset(name).figure]
        assert any(m.value.startswith(f"**{name}.**") for m in at.markdown)


def test_buttons_add_and_remove(warm_mlp) -> None:
    at = _app()
    at.selectbox(key="mlp_add_choice").select("rmsprop")
    at.button(key="mlp_add_btn").click()
    at.run()
    _ok(at)
    assert [o.name for o in _scene(at).mlp.optimizers] == ["adam", "sgd", "momentum", "rmsprop"]
    assert not _charts(at)  # the boundary and, under its player, the curves: both in the live chart
    assert len([t for t in _curves(at)["data"] if str(t.get("name", "")).endswith(" train")]) == 4
    (live,) = [c for c in at.get("bidi_component") if c.proto.component_name == "optviz.live_chart"]
    assert len(json.loads(live.proto.json)["dynamic"]["panels"]) == 4
    first = at.session_state["mlp_slots"][0]
    at.button(key=f"mlp_o{first}_remove").click()
    at.run()
    _ok(at)
    assert [o.name for o in _scene(at).mlp.optimizers] == ["sgd", "momentum", "rmsprop"]


# ----------------------------------------------------------------------------- numbers and errors


def test_the_loss_curve_is_mlp_train(warm_mlp) -> None:
    at = _app({"view": "mlp", "m_steps": "200", "m_activation": "relu", "m_init": "he_normal", "m_noise": "0.3"})
    _ok(at)
    s = _scene(at).mlp
    X, y = mlp.make_dataset("moons", n=256, noise=0.3, seed=0)
    Xt, Xv, yt, yv = mlp.split(X, y, 0.25, 0)
    Xt, Xv, _, _ = mlp.standardize(Xt, Xv)
    spec = _curves(at)
    for o in s.optimizers:
        r = mlp.train(
            Xt, yt, hidden=(16, 16), activation="relu", init="he_normal", optimizer=o.name, steps=200,
            X_val=Xv, y_val=yv, **o.kwargs,
        )  # fmt: skip
        label = run_labels([o], detailed=True)[0]
        train = next(t for t in spec["data"] if t.get("name") == f"{label} train")
        val = next(t for t in spec["data"] if t.get("name") == f"{label} validation")
        np.testing.assert_array_equal(as_array(train["x"]), r.step)
        np.testing.assert_array_equal(as_array(train["customdata"]), r.data_loss.astype(np.float32))
        np.testing.assert_array_equal(as_array(val["customdata"]), r.val_loss.astype(np.float32))


def test_a_bad_combination_is_a_readable_error(warm_mlp) -> None:
    at = _app()
    at.slider(key="mlp_val_fraction").set_value(0.0)
    at.checkbox(key="mlp_es_on").check()
    at.run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "do not combine" in errors and "validation fraction above 0" in errors
    assert any("validation fraction above 0" in e.value for e in at.sidebar.error)  # beside the controls
    assert _drawn(at)  # and the page still draws, with the last valid settings
    at.slider(key="mlp_val_fraction").set_value(0.25)  # fixing it brings the page back
    at.run()
    _ok(at)
    assert _drawn(at)


def test_a_bad_link_gives_a_notice(warm_mlp) -> None:
    at = _app({"view": "mlp", "m_hidden": "1|2|3|4", "m_n": "100"})
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert "m_hidden" in notices
    assert _scene(at).mlp.n == 100


def test_a_huge_lr_shows_divergence_not_an_error(warm_mlp) -> None:
    # A deep ReLU net: its activations (and so its gradients) are not bounded, unlike tanh's.
    at = _app({"view": "mlp", "m_activation": "relu", "m_hidden": "32|32|32"})
    _ok(at)
    slot = at.session_state["mlp_slots"][1]
    at.select_slider(key=f"mlp_o{slot}_sgd_lr").set_value(10.0)
    at.run()
    _ok(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "SGD (η = 10) diverged at step 10" in warnings
    spec = _curves(at)
    assert any(t.get("name") == "SGD (η = 10) diverged" for t in spec["data"])
    table = at.dataframe[0].value
    assert list(table["diverged"]) == ["no", "step 10", "no"]
