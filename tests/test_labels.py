"""Run labels name what differs (issue 9): runs of one optimizer are told apart by the hyperparameters
in which they differ from the others of that optimizer, in the update rule's symbols, on the page,
in the table and in every export (all of them read `run_labels`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from optviz.config import MLPConfig, OptimizerSpec, Scene, SurfacesConfig, run_labels
from optviz.views import MLP, SURFACES

SCENES = Path(__file__).resolve().parent.parent / "optviz" / "scenes"


def spec(name: str, **hp: float) -> OptimizerSpec:
    return OptimizerSpec(name, tuple(hp.items()))


def test_three_momentum_runs_read_their_mu() -> None:
    specs = [spec("momentum", lr=0.01, momentum=m) for m in (0.5, 0.9, 0.99)]
    assert run_labels(specs) == ["Momentum (μ = 0.5)", "Momentum (μ = 0.9)", "Momentum (μ = 0.99)"]


def test_four_adadelta_runs_name_only_what_differs_from_the_others() -> None:
    specs = [
        spec("adadelta", rho=0.9, eps=1e-6),
        spec("adadelta", rho=0.95, eps=1e-6),
        spec("adadelta", rho=0.9, eps=1e-4),
        spec("adadelta", rho=0.95, eps=1e-4),
    ]
    assert run_labels(specs) == [
        "AdaDelta (ρ = 0.9, ε = 1e-6)",
        "AdaDelta (ρ = 0.95, ε = 1e-6)",
        "AdaDelta (ρ = 0.9, ε = 0.0001)",
        "AdaDelta (ρ = 0.95, ε = 0.0001)",
    ]
    # lr = 1 is shared by all four: it is not named (the old labels read "AdaDelta lr=1 #1...#4")
    assert not any("η" in label or "#" in label for label in run_labels(specs))


def test_adam_with_and_without_bias_correction() -> None:
    specs = [spec("adam", lr=0.1), spec("adam", lr=0.1, bias_correction=False)]
    assert run_labels(specs) == ["Adam", "Adam (bias correction off)"]
    specs = [spec("rmsprop"), spec("rmsprop", centered=True)]  # a switch that is off by default
    assert run_labels(specs) == ["RMSProp", "RMSProp (centered)"]


def test_identical_specs_are_numbered_among_themselves() -> None:
    specs = [spec("adam"), spec("sgd"), spec("adam"), spec("momentum", momentum=0.5), spec("momentum")]
    assert run_labels(specs) == ["Adam #1", "SGD", "Adam #2", "Momentum (μ = 0.5)", "Momentum (μ = 0.9)"]
    specs = [spec("momentum", momentum=0.5), spec("momentum"), spec("momentum")]
    assert run_labels(specs) == ["Momentum (μ = 0.5)", "Momentum (μ = 0.9) #1", "Momentum (μ = 0.9) #2"]


def test_lr_differences_and_single_optimizers() -> None:
    specs = [spec("sgd", lr=0.01), spec("sgd", lr=0.1), spec("adam", lr=0.003), spec("nadam")]
    assert run_labels(specs) == ["SGD (η = 0.01)", "SGD (η = 0.1)", "Adam", "NAdam"]
    # β₂ and an exponent: the symbols of the rule, numbers without padding zeros
    specs = [spec("adam", beta2=0.999, eps=1e-8), spec("adam", beta2=0.9, eps=1e-5)]
    assert run_labels(specs) == ["Adam (β₂ = 0.999, ε = 1e-8)", "Adam (β₂ = 0.9, ε = 1e-5)"]
    # a hyperparameter without a symbol reads as its name; whole numbers without a decimal point
    specs = [spec("lbfgs", history_size=5), spec("lbfgs", history_size=10)]
    assert run_labels(specs) == ["L-BFGS (history size = 5)", "L-BFGS (history size = 10)"]


def test_detailed_labels_name_the_step_size_and_what_differs() -> None:
    specs = [spec("adam", lr=0.01), spec("sgd", lr=0.1), spec("momentum", lr=0.1, momentum=0.9)]
    assert run_labels(specs, detailed=True) == ["Adam (η = 0.01)", "SGD (η = 0.1)", "Momentum (η = 0.1, μ = 0.9)"]
    specs = [spec("adam", lr=0.01), spec("adam", lr=0.01, beta2=0.9), spec("adam", lr=0.01, bias_correction=False)]
    assert run_labels(specs, detailed=True) == [
        "Adam (η = 0.01, β₂ = 0.999)",
        "Adam (η = 0.01, β₂ = 0.9)",
        "Adam (η = 0.01, β₂ = 0.999, bias correction off)",
    ]
    assert run_labels([spec("adamw", lr=0.01)], detailed=True) == ["AdamW (η = 0.01, λ = 0.01)"]
    assert run_labels([spec("adam"), spec("adam")], detailed=True) == ["Adam (η = 0.001) #1", "Adam (η = 0.001) #2"]


def test_the_shipped_momentum_and_adam_scenes_read_what_differs() -> None:
    c04 = Scene.from_json((SCENES / "c04_momentum_coefficient.json").read_text(encoding="utf-8"))
    assert c04.surfaces.labels()[1:] == [f"Momentum (μ = {m})" for m in ("0", "0.5", "0.9", "0.99")]
    c09 = Scene.from_json((SCENES / "c09_adam_bias_correction.json").read_text(encoding="utf-8"))
    assert c09.surfaces.labels() == ["Adam", "Adam (bias correction off)"]


@pytest.mark.usefixtures("warm_jit")
def test_page_figure_table_and_csv_carry_the_same_labels() -> None:
    opts = tuple(spec("momentum", lr=2e-4, momentum=m) for m in (0.5, 0.9, 0.99))
    scene = Scene(surfaces=SurfacesConfig(steps=50, optimizers=opts))
    want = ["Momentum (μ = 0.5)", "Momentum (μ = 0.9)", "Momentum (μ = 0.99)"]
    results = SURFACES.run(scene)
    fig = SURFACES.figure(scene, results)
    paths = sorted(
        (t for t in fig.data if isinstance(t.meta, dict) and t.meta.get("role") == "path"),
        key=lambda t: t.meta.get("index", 0),
    )
    assert [t.name for t in paths] == want
    assert [row["optimizer"] for row in SURFACES.table(scene, results)] == want
    assert list(dict.fromkeys(row["optimizer"] for row in SURFACES.csv_rows(scene, results))) == want


@pytest.mark.usefixtures("warm_jit")
def test_mlp_panels_and_csv_carry_the_detailed_labels() -> None:
    base = MLPConfig()
    s = replace(base, steps=5, n=64, optimizers=(spec("adam", lr=0.01), spec("adam", lr=0.01, beta1=0.5)))
    scene = Scene(view="mlp", mlp=s)
    run = MLP.run(scene)
    want = ["Adam (η = 0.01, β₁ = 0.9)", "Adam (η = 0.01, β₁ = 0.5)"]
    assert run.labels == want
    assert list(dict.fromkeys(row["run"] for row in MLP.csv_rows(scene, run))) == want
