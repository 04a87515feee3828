"""Inside one step (issue 11): the arrows, the readout and the substituted rule against the runs.

Every check compares with numbers computed another way: the path's own step, the recorded state,
a textbook Adam written here from Kingma & Ba's algorithm box, `figures.surfaces._textbook_nesterov`,
and 1/(1 - beta^t) from its formula.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import plotly.graph_objects as go
import pytest

import optviz
from optviz.config import OptimizerSpec, Scene, SurfacesConfig
from optviz.figures.inside import ARROW_STYLE, coords_figure, inside_figure
from optviz.figures.style import as_array
from optviz.figures.surfaces import _textbook_nesterov
from optviz.optimizers import OPTIMIZERS
from optviz.runs.inside import readout, state_symbol, step_parts, substituted_rule

STEPS = 40
ROSENBROCK = (
    OptimizerSpec("sgd", (("lr", 1e-3),)),
    OptimizerSpec("momentum", (("lr", 2e-4), ("momentum", 0.9))),
    OptimizerSpec("nesterov", (("lr", 2e-4), ("momentum", 0.9))),
    OptimizerSpec("adagrad", (("lr", 0.3), ("lr_decay", 0.05))),
    OptimizerSpec("rmsprop", (("lr", 3e-3),)),
    OptimizerSpec("rmsprop", (("lr", 3e-3), ("momentum", 0.5), ("centered", True))),
    OptimizerSpec("adadelta"),
    OptimizerSpec("adam", (("lr", 0.02),)),
    OptimizerSpec("amsgrad", (("lr", 0.02),)),
    OptimizerSpec("adamw", (("lr", 0.02), ("weight_decay", 0.1))),
    OptimizerSpec("nadam", (("lr", 0.02),)),
    OptimizerSpec("radam", (("lr", 1e-3),)),
)
BOWL = (
    OptimizerSpec("momentum", (("lr", 0.02), ("momentum", 0.9))),
    OptimizerSpec("adam", (("lr", 0.1),)),
    OptimizerSpec("adamax", (("lr", 0.1),)),
    OptimizerSpec("adam", (("lr", 0.1), ("bias_correction", False))),
)


def _scene(surface: str, specs: tuple[OptimizerSpec, ...], steps: int = STEPS) -> Scene:
    return Scene(surfaces=SurfacesConfig(surface=surface, steps=steps, optimizers=specs))


def _runs(scene: Scene) -> list[optviz.Result]:
    s = scene.surfaces
    return [optviz.run(s.surface, o.name, record_state=True, **s.run_options(), **o.kwargs) for o in s.optimizers]


@pytest.fixture(scope="module")
def rosen(warm_jit):
    scene = _scene("rosenbrock", ROSENBROCK)
    return scene, _runs(scene)


@pytest.fixture(scope="module")
def bowl(warm_jit):
    scene = _scene("bowl", BOWL, 30)
    return scene, _runs(scene)


def _all(rosen, bowl):
    return rosen[1] + bowl[1]


def _close(a: np.ndarray, b: np.ndarray, theta: np.ndarray, rtol: float = 1e-12) -> None:
    """a == b to rtol, allowing for the rounding of a path step: path[t] - path[t-1] is exact only
    to an ulp of theta, which matters for updates many decades below theta."""
    atol = 8 * np.finfo(np.float64).eps * float(np.max(np.abs(theta)))
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- arrows


def test_every_run_steps_and_is_finite(rosen, bowl):
    for r in _all(rosen, bowl):
        assert r.steps_done >= 30 and r.diverged_at is None, r.optimizer


def test_update_arrow_is_the_path_step_exactly(rosen, bowl):
    for r in _all(rosen, bowl):
        for t in range(1, r.steps_done + 1):
            p = step_parts(r, t)
            assert np.array_equal(p.origin, r.path[t - 1])
            assert np.array_equal(p.arrow("update").origin, r.path[t - 1])
            assert np.array_equal(p.arrow("update").vector, r.path[t] - r.path[t - 1])
            assert np.array_equal(p.arrow("gradient").vector, -r.lr[t - 1] * r.grad[t - 1])


def test_scaled_arrow_equals_the_update(rosen, bowl):
    """Recomputed from the state (m, v, s, u), the scaled step lands where the path did."""
    n = 0
    for r in _all(rosen, bowl):
        for t in range(1, r.steps_done + 1):
            p = step_parts(r, t)
            if "scaled" in p.keys and p.arrow("scaled").same_as == "update":
                _close(p.arrow("scaled").vector, p.arrow("update").vector, r.path[t])
                n += 1
    assert n > 300


def test_adam_direction_and_scale_are_the_textbook_ones(bowl, rosen):
    """Kingma & Ba's algorithm box, written here from the recorded gradients: m_hat, v_hat."""
    for r in [bowl[1][1], rosen[1][7]]:
        assert r.optimizer == "adam"
        hp = r.hyperparams
        m = v = np.zeros(2)
        for t in range(1, r.steps_done + 1):
            g = r.grad[t - 1]
            m = hp["beta1"] * m + (1 - hp["beta1"]) * g
            v = hp["beta2"] * v + (1 - hp["beta2"]) * g * g
            m_hat, v_hat = m / (1 - hp["beta1"] ** t), v / (1 - hp["beta2"] ** t)
            p = step_parts(r, t)
            np.testing.assert_allclose(p.arrow("direction").vector, -r.lr[t - 1] * m_hat, rtol=1e-12)
            np.testing.assert_allclose(p.scale, 1 / (np.sqrt(v_hat) + hp["eps"]), rtol=1e-12)
            _close(p.arrow("direction").vector * p.scale, r.path[t] - r.path[t - 1], r.path[t])


def test_adam_without_bias_correction_has_no_factors(bowl):
    r = bowl[1][3]
    assert r.optimizer == "adam" and not r.hyperparams["bias_correction"]
    p = step_parts(r, 3)
    np.testing.assert_allclose(p.arrow("direction").vector, -r.lr[2] * r.state["m"][2], rtol=1e-15)
    np.testing.assert_allclose(p.scale, 1 / (np.sqrt(r.state["v"][2]) + r.hyperparams["eps"]), rtol=1e-15)


def _chain(p, first: str, second: str) -> None:
    """`second` starts at `first`'s tip and ends at path[t]: the parts add up to the update."""
    a, b = p.arrow(first), p.arrow(second)
    assert np.array_equal(a.origin, p.origin)
    np.testing.assert_allclose(b.origin, a.tip, rtol=0, atol=0)
    _close(a.vector + b.vector, p.arrow("update").vector, p.origin)


def test_momentum_parts_sum_to_the_update(rosen, bowl):
    for r in (rosen[1][1], bowl[1][0]):
        assert r.optimizer == "momentum"
        for t in range(1, r.steps_done + 1):
            p = step_parts(r, t)
            _chain(p, "momentum_share", "gradient_share")
            _close(p.arrow("velocity").vector, p.arrow("update").vector, p.origin)
            # the momentum share is the previous step's velocity times mu (constant lr)
            prev = r.path[t - 1] - r.path[t - 2] if t > 1 else np.zeros(2)
            _close(p.arrow("momentum_share").vector, r.hyperparams["momentum"] * prev, p.origin, rtol=1e-9)


def test_nesterov_lookahead_and_parts(rosen):
    r = rosen[1][2]
    theta = _textbook_nesterov(r)  # the trajectory figure's textbook iterate, computed there
    for t in range(1, r.steps_done + 1):
        p = step_parts(r, t)
        _chain(p, "gradient_share", "momentum_share")
        np.testing.assert_allclose(p.points["theta"], theta[t - 1], rtol=1e-14)
        look = p.arrow("lookahead")
        np.testing.assert_allclose(look.origin, theta[t - 1], rtol=1e-14)
        _close(look.tip, r.path[t - 1], r.path[t - 1])
        # the gradient step from the look-ahead point ends at the next textbook iterate
        _close(p.arrow("gradient_share").tip, theta[t], theta[t], rtol=1e-12)


def test_rmsprop_momentum_adamw_nadam_parts(rosen):
    by = {(r.optimizer, bool(r.hyperparams.get("momentum"))): r for r in rosen[1]}
    for r, (first, second) in (
        (by[("rmsprop", True)], ("momentum_share", "scaled")),
        (by[("adamw", False)], ("decay", "scaled")),
        (by[("nadam", False)], ("gradient_share", "momentum_share")),
    ):
        for t in (1, 2, 17, r.steps_done):
            _chain(step_parts(r, t), first, second)
    r = by[("adamw", False)]
    p = step_parts(r, 9)
    np.testing.assert_allclose(p.arrow("decay").vector, -r.lr[8] * 0.1 * r.path[8], rtol=1e-15)


@pytest.mark.parametrize("t", [0, -1, 41, 1.0, True, "3", None])
def test_bad_t(rosen, t):
    r = rosen[1][7]
    for fn in (step_parts, readout, substituted_rule):
        with pytest.raises(ValueError, match=r"t must be .* from 1 to 40"):
            fn(r, t)


def test_no_state_is_an_error(rosen):
    r = optviz.run("rosenbrock", "adam", steps=5)
    for fn in (step_parts, readout, substituted_rule):
        with pytest.raises(ValueError, match=r"record_state=True"):
            fn(r, 1)
    scene = _scene("rosenbrock", (OptimizerSpec("adam"),), 5)
    for fig in (lambda: inside_figure(scene, [r], 1), lambda: coords_figure(scene, [r])):
        with pytest.raises(ValueError, match=r"record_state=True"):
            fig()


# ----------------------------------------------------------------------------- readout and rule

_NUM = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")


def _values(text: str) -> np.ndarray:
    return np.array([float(x) for x in _NUM.findall(text)])


def test_readout_numbers_are_the_state(rosen, bowl):
    for r in _all(rosen, bowl):
        for t in (1, 12, r.steps_done):
            rows = dict(readout(r, t))
            assert len(rows) == len(readout(r, t)), "a symbol appears twice"
            for key, arr in r.state.items():
                got = _values(rows[state_symbol(r.optimizer, key)])
                np.testing.assert_allclose(got, np.atleast_1d(arr[t - 1]), rtol=5e-4, atol=1e-300)
            np.testing.assert_allclose(_values(rows["g"]), r.grad[t - 1], rtol=5e-4)
            np.testing.assert_allclose(_values(rows["η"]), r.lr[t - 1], rtol=5e-4)
            np.testing.assert_allclose(_values(rows["Δθ"]), r.path[t] - r.path[t - 1], rtol=5e-4)
            np.testing.assert_allclose(_values(rows["θₜ"]), r.path[t - 1], rtol=5e-4)
            for value in rows.values():  # 4 significant digits
                for x in _NUM.findall(value):
                    assert len(re.sub(r"e.*|[-.]|^0+", "", x.lstrip("-0."))) <= 4, value


_TEX_NUM = re.compile(r"-?10\^\{-?\d+\}|-?\d+(?:\.\d+)?(?:\\times10\^\{-?\d+\})?")


def _tex_values(text: str) -> np.ndarray:
    out = []
    for x in _TEX_NUM.findall(text):
        if x.lstrip("-").startswith("10^{"):
            out.append(float(x.replace("10^{", "1e").rstrip("}")))
        else:
            out.append(float(x.replace(r"\times10^{", "e").rstrip("}")))
    return np.array(out)


def _lines(tex: str) -> dict[str, list[str]]:
    """lhs -> [formula, numbers, value] of each line of the aligned block."""
    assert tex.startswith(r"\begin{aligned} ") and tex.endswith(r" \end{aligned}")
    body = tex[len(r"\begin{aligned} ") : -len(r" \end{aligned}")]
    out = {}
    for line in body.split(r" \\ "):
        lhs, rhs = line.split(" & = ", 1)
        out[lhs] = rhs.split(" = ")
    return out


# Delta theta from the numbers written in the rule's Delta line (4 significant digits each), per
# optimizer: signed numbers in order of appearance (so "1-0.45" reads as 1 and -0.45).
_FROM_NUMBERS = {
    "sgd": lambda n: n[0] * n[1:3],
    "momentum": lambda n: n[0] * n[1:3],
    "nesterov": lambda n: n[0] * (n[1:3] + n[3] * n[4:6]),
    "adagrad": lambda n: -n[0] / (np.sqrt(n[1:3]) + n[3]) * n[4:6],
    "rmsprop": lambda n: -n[0] / (np.sqrt(n[1:3]) + n[3]) * n[4:6],
    "adam": lambda n: n[0] * n[1:3] / (np.sqrt(n[3:5]) + n[5]),
    "amsgrad": lambda n: n[0] * n[1:3] / (np.sqrt(n[3:5]) + n[5]),
    "adamw": lambda n: n[0] * (n[1:3] / (np.sqrt(n[3:5]) + n[5]) + n[6] * n[7:9]),
    "nadam": lambda n: (
        -n[0] / (np.sqrt(n[1:3]) + n[3]) * ((n[4] + n[5]) * n[6:8] / (n[8] + n[9]) + n[10] * n[11:13] / (n[13] + n[14]))
    ),
    "adamax": lambda n: -n[0] / (n[1] - n[2] ** n[3]) * n[4:6] / n[6:8],
}


def test_substituted_rule_evaluates_back_to_the_update(rosen, bowl):
    checked = Counter()
    for r in _all(rosen, bowl):
        for t in (1, 2, 12, r.steps_done):
            lines = _lines(substituted_rule(r, t))
            upd = r.path[t] - r.path[t - 1]
            delta = next(v for k, v in lines.items() if k.endswith(r"\Delta\theta_t"))
            np.testing.assert_allclose(_tex_values(delta[-1]), upd, rtol=5e-4)
            np.testing.assert_allclose(_tex_values(lines[r"\theta_{t+1}"][-1]), r.path[t], rtol=5e-4)
            if r.optimizer in _FROM_NUMBERS and not (r.optimizer == "rmsprop" and r.hyperparams["momentum"]):
                n = _tex_values(delta[1])
                np.testing.assert_allclose(_FROM_NUMBERS[r.optimizer](n), upd, rtol=4e-3, atol=4e-3 * np.abs(upd).max())
                checked[r.optimizer] += 1
    assert set(checked) == set(_FROM_NUMBERS), checked


def test_substituted_moments_are_the_state(rosen):
    r = rosen[1][7]
    t = 12
    lines = _lines(substituted_rule(r, t))
    hp = r.hyperparams
    np.testing.assert_allclose(_tex_values(lines["m_t"][-1]), r.state["m"][t - 1], rtol=5e-4)
    np.testing.assert_allclose(_tex_values(lines["v_t"][-1]), r.state["v"][t - 1], rtol=5e-4)
    # m_t's numbers: beta1 * m_{t-1} + (1 - beta1) * g_t, from what is written
    n = _tex_values(lines["m_t"][1])
    np.testing.assert_allclose(n[0] * n[1:3] + n[3] * n[4:6], r.state["m"][t - 1], rtol=2e-3)
    assert lines[r"\hat m_t"][1].endswith(rf"(1 - {hp['beta1']:g}^{{{t}}})")
    # each line's value follows from its written numbers, and the next line uses that value
    for hat, beta in ((r"\hat m_t", "beta1"), (r"\hat v_t", "beta2")):
        n = _tex_values(lines[hat][1])  # (x, y) / (1 - beta^t)
        assert n[3] == hp[beta] and n[4] == t
        np.testing.assert_allclose(_tex_values(lines[hat][-1]), n[:2] / (n[2] - n[3] ** n[4]), rtol=2e-3)
    n = _tex_values(lines[r"\Delta\theta_t"][1])  # -eta * m_hat / (sqrt(v_hat) + eps)
    np.testing.assert_array_equal(n[1:3], _tex_values(lines[r"\hat m_t"][-1]))
    np.testing.assert_array_equal(n[3:5], _tex_values(lines[r"\hat v_t"][-1]))


def test_the_rule_shown_is_the_one_that_runs(rosen):
    """torch's arrangement: eps outside the square root, AdaGrad's lr decay, NAdam's schedule,
    momentum's buffer b (v = -eta b), AdamW's decay on theta."""
    by = {}
    for r in rosen[1]:
        by.setdefault(r.optimizer, r)  # the first RMSProp: uncentered, no momentum
    assert r"\sqrt{\hat v_t} + \epsilon" in substituted_rule(by["adam"], 5)
    assert r"\sqrt{s_t} + \epsilon" in substituted_rule(by["rmsprop"], 5)
    assert r"\eta_t & = \eta / (1 + (t-1)" in substituted_rule(by["adagrad"], 5)
    assert "0.96^{5" in substituted_rule(by["nadam"], 5)
    assert r"v_{t+1} = \Delta\theta_t & = -\eta\,b_t" in substituted_rule(by["momentum"], 5)
    assert r"\lambda\,\theta_t" in substituted_rule(by["adamw"], 5)
    assert r"\max(v^{\max}_{t-1},\ v_t)" in substituted_rule(by["amsgrad"], 5)


def test_every_registered_optimizer_has_parts_readout_and_rule(warm_jit):
    for name in OPTIMIZERS:
        r = optviz.run("rosenbrock", name, steps=8, record_state=True)
        for t in range(1, r.steps_done + 1):
            p = step_parts(r, t)
            assert p.keys[:2] == (("update",) if OPTIMIZERS[name].gradient_free else ("gradient", "update"))[:2]
            assert readout(r, t)[0] == ("t", str(t))
            lines = _lines(substituted_rule(r, t))
            np.testing.assert_allclose(_tex_values(lines[r"\theta_{t+1}"][-1]), r.path[t], rtol=5e-4)


# ----------------------------------------------------------------------------- figures


def _arrows(fig: go.Figure) -> list:
    return [t for t in fig.data if isinstance(t.meta, dict) and t.meta.get("role") == "arrow"]


@pytest.mark.parametrize("which,step", [("rosen", 1), ("rosen", 17), ("bowl", 30)])
def test_inside_figure_draws_each_runs_arrows_once(rosen, bowl, which, step):
    scene, results = {"rosen": rosen, "bowl": bowl}[which]
    fig = inside_figure(scene, results, step)
    go.Figure(fig.to_dict())  # plotly's full validation
    arrows = _arrows(fig)
    count = Counter((t.meta["index"], t.meta["kind"]) for t in arrows)
    assert set(count.values()) == {1}
    for k, r in enumerate(results):
        p = step_parts(r, step)
        drawn = [a for a in p.arrows if not a.same_as]
        assert {kind for i, kind in count if i == k} == {a.key for a in drawn}
        for a in drawn:
            (tr,) = [t for t in arrows if t.meta["index"] == k and t.meta["kind"] == a.key]
            np.testing.assert_array_equal(np.array([tr.x, tr.y]).T, [a.origin, a.tip])
        (upd,) = [t for t in arrows if t.meta["index"] == k and t.meta["kind"] == "update"]
        np.testing.assert_array_equal(np.array([upd.x, upd.y]).T, r.path[step - 1 : step + 1])
        # the run's colour, the kind's dash
        assert upd.line.color == optviz.figures.color_for(k) and upd.line.dash == ARROW_STYLE["update"][1]
    keys = [t.meta["kind"] for t in fig.data if isinstance(t.meta, dict) and t.meta.get("role") == "arrow_key"]
    assert sorted(k for k in keys if k != "theta") == sorted({kind for _i, kind in count})
    # the window: every arrow inside, one scale for x and y
    x0, x1 = fig.layout.xaxis.range
    y0, y1 = fig.layout.yaxis.range
    assert fig.layout.yaxis.scaleanchor == "x" and np.isclose(x1 - x0, y1 - y0)
    for t in arrows:
        assert all(x0 <= v <= x1 for v in t.x) and all(y0 <= v <= y1 for v in t.y)


def test_inside_figure_focus_zooms_on_one_run(rosen):
    scene, results = rosen
    k = 1  # momentum: steps of ~1e-3 among runs spread over ~0.5
    p = step_parts(results[k], 20)
    longest = max(float(np.hypot(*a.vector)) for a in p.arrows if not a.same_as)
    fig = inside_figure(scene, results, 20, focus=k)
    width = fig.layout.xaxis.range[1] - fig.layout.xaxis.range[0]
    assert longest / width > 0.3  # the longest arrow takes a good part of the window
    wide = inside_figure(scene, results, 20)
    assert wide.layout.xaxis.range[1] - wide.layout.xaxis.range[0] > 10 * width
    for bad in (-1, 12, 1.0, True):
        with pytest.raises(ValueError, match="focus"):
            inside_figure(scene, results, 20, focus=bad)


def test_diverged_run(warm_jit):
    scene = _scene("rosenbrock", (OptimizerSpec("sgd", (("lr", 0.01),)), OptimizerSpec("adam", (("lr", 0.02),))), 30)
    results = _runs(scene)
    k = results[0].steps_done
    assert results[0].diverged_at == k + 1 and k < 10
    fig = inside_figure(scene, results, k + 5)
    assert {t.meta["index"] for t in _arrows(fig)} == {1}
    assert "SGD" in fig.layout.annotations[0].text
    assert {t.meta["index"] for t in _arrows(inside_figure(scene, results, k))} == {0, 1}
    with pytest.raises(ValueError, match=r"step must be .* from 1 to 30"):
        inside_figure(scene, results, 31)
    with pytest.raises(ValueError, match=r"t must be .* from 1 to"):
        step_parts(results[0], k + 1)
    fig = coords_figure(scene, results)
    (sgd,) = [t for t in fig.data if t.meta["index"] == 0 and t.meta["panel"] == "step_size" and t.meta["coord"] == "x"]
    assert len(as_array(sgd.y)) == k


def _coord(fig: go.Figure, k: int, panel: str, coord: str, key: str | None = None) -> np.ndarray:
    (tr,) = [
        t
        for t in fig.data
        if t.meta["index"] == k
        and t.meta["panel"] == panel
        and t.meta["coord"] == coord
        and (key is None or t.meta["key"] == key)
    ]
    assert tr.x0 == 1 and tr.dx == 1  # row t-1 is step t
    return as_array(tr.y)


def test_coords_figure_is_the_state(rosen, bowl):
    for scene, results in (rosen, bowl):
        fig = coords_figure(scene, results)
        go.Figure(fig.to_dict())
        for k, r in enumerate(results):
            ss = np.where(r.state["step_size"] > 0, r.state["step_size"], np.nan)
            np.testing.assert_array_equal(_coord(fig, k, "step_size", "x"), ss[:, 0])
            np.testing.assert_array_equal(_coord(fig, k, "step_size", "y"), ss[:, 1])
            if "m" in r.state:
                np.testing.assert_array_equal(_coord(fig, k, "first", "y"), r.state["m"][:, 1])
            if r.optimizer == "momentum":
                np.testing.assert_array_equal(_coord(fig, k, "first", "x"), r.state["b"][:, 0])
            if r.optimizer == "amsgrad":  # the running maximum is what the step divides by
                np.testing.assert_array_equal(_coord(fig, k, "second", "x"), r.state["vhat"][:, 0])


def test_coords_bias_panel_is_one_over_one_minus_beta_t(bowl):
    scene, results = bowl
    fig = coords_figure(scene, results)
    t = np.arange(1, 31)
    for k in (1, 2):
        hp = results[k].hyperparams
        np.testing.assert_allclose(_coord(fig, k, "bias", "", "bias1"), 1 / (1 - hp["beta1"] ** t), rtol=1e-14)
    np.testing.assert_allclose(_coord(fig, 1, "bias", "", "bias2"), 1 / (1 - 0.999**t), rtol=1e-14)
    # momentum has no bias factors and Adamax no second one: left out, named in the panel's note
    assert not [tr for tr in fig.data if tr.meta["panel"] == "bias" and tr.meta["index"] == 0]
    notes = [a.text for a in fig.layout.annotations]
    assert any("Momentum" in n for n in notes)


def test_figures_for_every_registered_optimizer(warm_jit):
    names = list(OPTIMIZERS)
    for chunk in (names[:12], names[12:]):
        scene = _scene("rosenbrock", tuple(OptimizerSpec(n) for n in chunk), 6)
        results = _runs(scene)
        step = max(r.steps_done for r in results)
        go.Figure(inside_figure(scene, results, step).to_dict())
        go.Figure(coords_figure(scene, results).to_dict())
