"""The lecturer's own surface: safe parsing, symbolic derivatives, the engine, scenes and exports."""

from __future__ import annotations

import builtins
import os
import subprocess

import numpy as np
import pytest
import sympy  # noqa: F401 - imported before the hostile-input test forbids exec/open (sympy's import uses them)

import optviz
from optviz import kernel
from optviz.config.scene import Scene, SurfacesConfig
from surfaces import SURFACES, define_custom, get_surface

# ------------------------------------------------------------------ derivatives vs finite differences

_LEAVES = ("x", "y", "0.7", "1.3", "2")
_UNARY = ("sin", "cos", "tanh", "atan")


def _random_formula(rng: np.random.Generator, depth: int) -> str:
    """A random formula of the grammar, smooth everywhere (no division by a value that can vanish)."""
    if depth == 0 or rng.random() < 0.2:
        return str(rng.choice(_LEAVES))
    k = rng.integers(0, 6)
    a = _random_formula(rng, depth - 1)
    if k == 0:
        return f"{rng.choice(_UNARY)}({a})"
    if k == 1:
        return f"exp(0.3*{rng.choice(_UNARY)}({a}))"
    if k == 2:
        return f"({a})**{int(rng.integers(2, 4))}"
    if k == 3:
        return f"({a}) / (1.5 + sin({_random_formula(rng, depth - 1)}))"
    op = rng.choice(["+", "-", "*"])
    return f"({a}) {op} ({_random_formula(rng, depth - 1)})"


@pytest.mark.parametrize("seed", range(12))
def test_gradient_and_hessian_match_central_differences_on_random_formulas(seed):
    rng = np.random.default_rng(seed)
    formula = _random_formula(rng, 4)
    surf = define_custom(formula, ((-2, 2), (-2, 2)))
    x, y = rng.uniform(-1.5, 1.5, 20), rng.uniform(-1.5, 1.5, 20)
    h = 1e-5
    gx, gy = surf.grad(x, y)
    fd_gx = (surf.f(x + h, y) - surf.f(x - h, y)) / (2 * h)
    fd_gy = (surf.f(x, y + h) - surf.f(x, y - h)) / (2 * h)
    scale = 1.0 + np.abs(surf.f(x, y))
    np.testing.assert_allclose(gx, fd_gx, atol=1e-6 * scale.max(), rtol=1e-6, err_msg=formula)
    np.testing.assert_allclose(gy, fd_gy, atol=1e-6 * scale.max(), rtol=1e-6, err_msg=formula)
    hxx, hxy, hyy = surf.hess(x, y)
    np.testing.assert_allclose(hxx, (surf.grad(x + h, y)[0] - surf.grad(x - h, y)[0]) / (2 * h), atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(hxy, (surf.grad(x, y + h)[0] - surf.grad(x, y - h)[0]) / (2 * h), atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(hyy, (surf.grad(x, y + h)[1] - surf.grad(x, y - h)[1]) / (2 * h), atol=1e-5, rtol=1e-5)


# ------------------------------------------------------------------ hostile input

HOSTILE = [
    ("__import__('os')", "unknown function '__import__'"),
    ("__import__('os').system('echo pwned')", "attribute access"),
    ("os.system('ls')", "attribute access"),
    ("x.__class__", "attribute access"),
    ("(lambda: 1)()", "lambda"),
    ("[x for x in y]", "comprehension"),
    ("sum(x for x in y)", "unknown function 'sum'"),
    ("x[0]", "indexing"),
    ("x**10**10", "exponents"),
    ("2**200 + x", "exponents"),
    ("x**1e6", "exponents"),
    ("x" + "+x" * 5000, "at most 500 characters"),
    ("(" * 240 + "x" + ")" * 240, "nested"),
    ("sin(" * 40 + "x" + ")" * 40, "nested too deeply"),
    ("-" * 60 + "x", "nested too deeply"),
    ("z + 1", "unknown name 'z'"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("x if y else 1", "if/else"),
    ("'abc'", "str"),
    ("x < y", "comparison"),
    ("sin(x, y)", "exactly one argument"),
    ("sin(x=1)", "exactly one argument"),
    ("x / 0", "division by zero"),
    ("exp + x", "exp is a function"),
    ("", "empty"),
    ("x; import os", "not a valid expression"),
    ("x = 1", "not a valid expression"),
    ("(x := 3)", "assignment"),
    ("{'a': x}", "dict"),
    ("x @ y", "operator MatMult"),
    ("1e999 * x", "too large"),
]


@pytest.mark.parametrize("text,expected", HOSTILE)
def test_hostile_formulas_are_refused_with_a_message_and_nothing_runs(text, expected, monkeypatch):
    def forbidden(*a, **k):
        raise AssertionError("user text reached the interpreter")

    for mod, name in ((os, "system"), (os, "popen"), (subprocess, "Popen"), (builtins, "eval"), (builtins, "exec")):
        monkeypatch.setattr(mod, name, forbidden)
    monkeypatch.setattr(builtins, "open", forbidden)
    with pytest.raises(ValueError) as e:
        define_custom(text)
    msg = str(e.value)
    assert msg.startswith("formula"), msg
    assert expected in msg, msg
    assert len(msg) < 400  # readable, not the 10 kB input echoed back


def test_errors_point_at_the_offending_column():
    with pytest.raises(ValueError, match=r"unknown name 'z'.*\(at column 8\)"):
        define_custom("x**2 + z")
    with pytest.raises(ValueError, match=r"column"):
        define_custom("x + * y")


def test_bounds_are_checked_and_named():
    for bad in (((1, 0), (0, 1)), ((0, np.inf), (0, 1)), "wide", ((0, 1),)):
        with pytest.raises(ValueError, match="^bounds"):
            define_custom("x**2", bad)


def test_caret_is_a_power_and_spacing_does_not_make_a_new_surface():
    a = define_custom("x^2 + 3*y^2")
    b = define_custom("x**2+3*y**2")
    assert a.name == b.name and a.name.startswith("custom:")
    assert get_surface(a.name) is SURFACES[a.name]
    assert "custom:" not in list(SURFACES)  # iterating the registry still lists the built-ins only


# ------------------------------------------------------------------ the built-ins typed as formulas

BUILT_IN_FORMULAS = {
    "bowl": "0.5*(x*x + 10*(y*y))",
    "rosenbrock": "(1 - x)**2 + 100*(y - x**2)**2",
    "saddle": "x**2 - y**2",
    "beale": "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
    "himmelblau": "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
    "rastrigin": "20 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)",
    "booth": "(x + 2*y - 7)**2 + (2*x + y - 5)**2",
    "six_hump_camel": "(4 - 2.1*x**2 + x**4/3)*x**2 + x*y + (-4 + 4*y**2)*y**2",
    "styblinski_tang": "(x**4 - 16*x**2 + 5*x + y**4 - 16*y**2 + 5*y)/2",
    "matyas": "0.26*(x**2 + y**2) - 0.48*x*y",
    "monkey_saddle": "x**3 - 3*x*y**2",
    "goldstein_price": "(1 + (x + y + 1)**2*(19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2))"
    "*(30 + (2*x - 3*y)**2*(18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))",
    "ackley": "-20*exp(-0.2*sqrt(0.5*(x**2 + y**2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20",
}
# (optimizer, hyperparameters, steps compared).  SAM divides by the gradient's norm, which shrinks
# near a minimum: it amplifies last-bit differences (1e-16 at step 1, 5e-3 by step 100 on
# Himmelblau), so it is compared over its first 30 steps.
PARITY = [("sgd", {}, 100), ("momentum", {}, 100), ("adam", {"lr": 0.01}, 100), ("newton", {"lr": 0.5}, 100)]
PARITY += [("sam", {}, 30)]
# Newton reads the Hessian, whose printed form differs most from the hand-written one where the
# formula has square roots and exponentials (Ackley) or high powers (Beale): 1e-10 after 10 steps.
NEWTON_INEXACT = {"ackley", "beale"}


@pytest.mark.parametrize("name", list(BUILT_IN_FORMULAS))
def test_a_built_in_typed_as_a_formula_gives_the_built_in_path(name):
    """The same path to 1e-12: sympy orders the arithmetic differently from the hand-written
    functions (last bits), so long runs on curved valleys would drift apart; each case compares
    the steps in `PARITY`."""
    built = SURFACES[name]
    surf = define_custom(BUILT_IN_FORMULAS[name], built.bounds)
    x = np.linspace(*built.bounds[0], 9)[:, None]
    y = np.linspace(*built.bounds[1], 9)[None, :]
    np.testing.assert_allclose(surf.f(x, y), built.f(x, y), rtol=1e-12, atol=1e-12)
    for opt, hp, steps in PARITY:
        if opt == "newton" and name in NEWTON_INEXACT:
            continue
        lr = optviz.suggest_lr(name, opt) if opt in ("sgd", "momentum") else None
        kw = {"lr": lr} if lr else hp
        a = optviz.run(name, opt, steps=steps, **kw)
        mine = {"formula": BUILT_IN_FORMULAS[name], "bounds": built.bounds, "start": built.start}
        b = optviz.run("custom", opt, steps=steps, **mine, **kw)
        assert a.steps_done == b.steps_done, (name, opt)
        np.testing.assert_allclose(b.path, a.path, rtol=1e-12, atol=1e-12, err_msg=f"{name} {opt}")
        np.testing.assert_allclose(b.loss, a.loss, rtol=1e-12, atol=1e-12, err_msg=f"{name} {opt}")


def test_stationary_points_of_himmelblau_match_the_built_in_list():
    built = SURFACES["himmelblau"]
    surf = define_custom(BUILT_IN_FORMULAS["himmelblau"], built.bounds)
    for kind in ("minima", "saddles", "maxima"):
        ours, theirs = getattr(surf, kind), getattr(built, kind)
        assert len(ours) == len(theirs), kind
        for p in theirs:
            assert min(np.hypot(q.x - p.x, q.y - p.y) for q in ours) < 1e-6, (kind, p)


# ------------------------------------------------------------------ the engine and the API


def test_run_with_a_custom_formula():
    f = "sin(3*x) * cos(2*y) + 0.1*(x**2 + y**2)"
    r = optviz.run(surface="custom", optimizer="adam", formula=f, bounds=((-3, 3), (-3, 3)), start=(1.0, 1.0), lr=0.05)
    assert r.surface.startswith("custom:") and r.diverged_at is None
    surf = get_surface(r.surface)
    np.testing.assert_allclose(r.loss, surf.f(r.path[:, 0], r.path[:, 1]), rtol=1e-12, atol=1e-14)
    assert r.loss[-1] < r.loss[0]
    # the name of a defined custom surface works like a built-in's, here and in compare
    again = optviz.compare(r.surface, [("adam", {"lr": 0.05})], start=(1.0, 1.0))[0]
    np.testing.assert_array_equal(again.path, r.path)


def test_every_optimizer_runs_on_a_custom_surface():
    for name in optviz.OPTIMIZERS:
        r = optviz.run("custom", name, formula="x**2 + 3*y**2 + 0.5*sin(2*x)", steps=30)
        assert np.all(np.isfinite(r.path)) and r.probe.shape == (r.steps_done, 2)


def test_a_second_run_of_a_formula_does_not_recompile():
    f = "x**4 - 2*x**2 + y**2 + 0.3*x*y"
    optviz.run("custom", "adam", formula=f, steps=10)
    optviz.run("custom", "newton", formula=f, steps=10)
    compiled = kernel.formula_compiles()
    runners = {o: len(kernel.custom_runner(optviz.OPTIMIZERS[o]).signatures) for o in ("adam", "newton")}
    for lr in (1e-3, 1e-2, 0.1):
        optviz.run("custom", "adam", formula=f, steps=20, lr=lr)
        optviz.run("custom", "newton", formula=f, steps=20, lr=lr)
    assert kernel.formula_compiles() == compiled
    assert (
        {o: len(kernel.custom_runner(optviz.OPTIMIZERS[o]).signatures) for o in runners}
        == runners
        == {
            "adam": 1,
            "newton": 1,
        }
    )
    # a different formula compiles its callbacks, never the loops again
    optviz.run("custom", "adam", formula=f + " + 0.01*y**4", steps=10)
    assert kernel.formula_compiles() == compiled + 1
    assert len(kernel.custom_runner(optviz.OPTIMIZERS["adam"]).signatures) == 1


def test_run_arguments_for_custom_surfaces_are_checked():
    with pytest.raises(ValueError, match="formula"):
        optviz.run("custom", "adam")
    with pytest.raises(ValueError, match="custom"):
        optviz.run("rosenbrock", "adam", formula="x**2")
    with pytest.raises(ValueError, match="^formula"):
        optviz.run("custom", "adam", formula="x +")
    with pytest.raises(ValueError, match="not defined in this process"):
        optviz.run("custom:000000000000", "adam")


# ------------------------------------------------------------------ scenes: file, link, export

FORMULA = "sin(3*x) * cos(2*y) + 0.1*(x**2 + y**2)"


def _scene() -> Scene:
    bounds = ((-3, 3), (-2, 2))
    return Scene(surfaces=SurfacesConfig(surface="custom", formula=FORMULA, bounds=bounds, start=(1.0, 1.0), steps=50))


def test_scene_file_and_link_round_trip_a_custom_surface():
    scene = _scene()
    d = scene.to_dict()["surfaces"]
    assert d["surface"] == "custom" and d["formula"] == FORMULA and d["bounds"] == [[-3.0, 3.0], [-2.0, 2.0]]
    assert Scene.from_json(scene.to_json()) == scene
    q = scene.to_query()
    assert q["surface"] == "custom" and q["formula"] == FORMULA
    back, notices = Scene.from_query(q)
    assert back == scene and notices == []
    # a built-in scene's file has no formula
    assert "formula" not in Scene().to_dict()["surfaces"]


def test_a_bad_formula_in_a_file_is_an_error_and_in_a_link_a_notice():
    d = _scene().to_dict()
    d["surfaces"]["formula"] = "__import__('os')"
    with pytest.raises(ValueError, match="formula"):
        Scene.from_dict(d)
    scene, notices = Scene.from_query({**_scene().to_query(), "formula": "x.y"})
    assert scene.surfaces.surface == "rosenbrock" and any("formula" in n for n in notices)
    with pytest.raises(ValueError, match="custom"):
        SurfacesConfig(surface="rosenbrock", formula="x**2")


def test_a_custom_scene_exports_its_table_and_file(tmp_path):
    from optviz.export_cli import main

    path = tmp_path / "mine.json"
    path.write_text(_scene().to_json(), encoding="utf-8")
    assert main([str(path), "--format", "csv,json", "--out", str(tmp_path / "out")]) == 0
    rows = (tmp_path / "out" / "mine.csv").read_text().splitlines()
    assert rows[0].startswith("step,optimizer,x,y,loss") and len(rows) > 50
    assert Scene.from_json((tmp_path / "out" / "mine.json").read_text()) == _scene()


def test_the_figures_and_the_table_draw_a_custom_surface():
    from optviz.views.surfaces import SurfacesView

    scene = _scene()
    view = SurfacesView()
    results = view.run(scene)
    for name in ("scene", "trajectory", "loss", "surface3d", "lr", "effective_lr"):
        assert view.figure(scene, results, name).data, name
    rows = view.table(scene, results)
    assert len(rows) == len(scene.surfaces.optimizers) and "to" in rows[0]["distance to nearest minimum"]


def test_the_page_draws_a_typed_formula_and_refuses_a_hostile_one(warm_jit) -> None:
    """In the app: "your own formula" draws f(x, y) as typed, the link carries it, and a hostile text
    is a message under the input while the page keeps drawing the last valid surface."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60).run()
    at.selectbox(key="surface").select("custom").run()
    himmelblau = "(x**2 + y - 11)**2 + (x + y**2 - 7)**2"
    at.text_input(key="custom_formula").input(himmelblau).run()
    assert not at.exception
    assert at.query_params["surface"] == "custom" and at.query_params["formula"] == himmelblau

    def charts() -> int:
        return len([c for c in at.get("bidi_component") if c.proto.component_name == "optviz.live_chart"])

    assert charts() == 1
    at.text_input(key="custom_formula").input("__import__('os').system('echo hi')").run()
    assert not at.exception
    assert any("formula:" in e.value and "not allowed" in e.value for e in at.sidebar.error)
    assert charts() == 1 and at.query_params["formula"] == himmelblau  # the last valid scene stays
