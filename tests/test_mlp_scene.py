"""The MLP view as data: settings validation, exact JSON and URL round trips, runs that equal
`optviz.mlp.train` called directly, the lecture presets doing what they say."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np
import pytest

from optviz import mlp
from optviz.config import Display, MLPConfig, OptimizerSpec, Scene, SurfacesConfig
from optviz.config import mlp as M
from optviz.export import shipped_scenes
from optviz.figures import mlp as FM
from optviz.runs import mlp as R
from optviz.schedules import Schedule
from optviz.views import MLP


@pytest.fixture(scope="module")
def warm_mlp() -> None:
    """Compile (or load) the MLP kernels once, so no single test pays the cold start."""
    mlp.warmup()


# Settings far from the defaults: every kind of value (tuples, None, a schedule with lists, one
# optimizer, floats that print awkwardly).
SETTINGS = {
    "default": MLPConfig(),
    "blobs_step_schedule": MLPConfig(
        dataset="blobs",
        n=123,
        noise=0.37,
        classes=4,
        data_seed=9,
        shift=-2.5,
        scale=0.3,
        standardize=False,
        val_fraction=0.35,
        hidden=(5,),
        activation="gelu",
        init="he_uniform",
        loss="hinge",
        dropout=0.15,
        l2=1e-3,
        batch_size=7,
        steps=333,
        schedule=Schedule(name="step", boundaries=(100, 200), values=(1.0, 0.3, 0.1), warmup_steps=5),
        clip_norm=2.5,
        patience=40,
        seed=12345,
        optimizers=(OptimizerSpec("nadam", (("lr", 0.0123),)),),
        compare="dropout",
        directions="filter",
        probe="network",
        figure="gradients",
    ),
    "batch_norm_one_point_k": MLPConfig(
        hidden=(32, 2, 7),
        batch_norm=True,
        batch_size=2,
        schedule=Schedule(name="cosine", end_factor=0.05, decay_steps=150),
        optimizers=(
            OptimizerSpec("sgd", (("lr", 0.3),)),
            OptimizerSpec("sgd", (("lr", 0.03),)),
            OptimizerSpec("rmsprop", (("lr", 0.01), ("centered", 1.0))),
            OptimizerSpec("adamw", (("weight_decay", 0.5),)),
        ),
        figure="landscape",
    ),
}


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"dataset": "mnist"}, "dataset must be one of"),
        ({"n": 3}, "n must be a whole number"),
        ({"n": 100.5}, "n must be a whole number"),
        ({"noise": -0.1}, "noise must be a number"),
        ({"noise": "0.1"}, "noise must be a number"),
        ({"classes": 5}, "classes"),
        ({"scale": 0}, "scale"),
        ({"shift": float("nan")}, "shift"),
        ({"standardize": 1}, "standardize must be true or false"),
        ({"val_fraction": 0.6}, "val_fraction"),
        ({"hidden": ()}, "hidden must be 1 to 8"),
        ({"hidden": (16,) * 9}, "hidden must be 1 to 8"),
        ({"hidden": (1,)}, "hidden must be a whole number from 2"),
        ({"hidden": "16"}, "hidden"),
        ({"activation": "swish"}, "activation must be one of"),
        ({"init": "orthogonal"}, "init must be one of"),
        ({"loss": "mse"}, "loss must be one of"),
        ({"dropout": 1.0}, "dropout"),
        ({"batch_norm": "yes"}, "batch_norm"),
        ({"l2": -1}, "l2"),
        ({"batch_size": 0}, "batch_size"),
        ({"steps": 0}, "steps"),
        ({"steps": 10**6}, "steps"),
        ({"schedule": "bogus"}, "schedule"),
        ({"clip_norm": 0}, "clip_norm"),
        ({"patience": 0}, "patience"),
        ({"seed": -1}, "seed"),
        ({"optimizers": ()}, "1 to 6 optimizers"),
        ({"optimizers": ("adam",) * 7}, "1 to 6 optimizers"),
        ({"optimizers": ("newton",)}, "cannot train the MLP"),
        ({"optimizers": ("random_search",)}, "cannot train the MLP"),
        ({"optimizers": ("adam:lr=x",)}, "lr must be a number"),
        ({"optimizers": ("adam:lr",)}, "expected hyperparameter=value"),
        ({"optimizers": ("adam:lr=1000",)}, "lr"),
        ({"optimizers": ("adam:momentum=0.9",)}, "momentum"),
        ({"compare": "everything"}, "compare must be one of"),
        ({"directions": "up"}, "directions must be one of"),
        ({"probe": "deep"}, "probe must be one of"),
        ({"figure": "3d"}, "figure must be one of"),
    ],
)
def test_each_bad_setting_is_a_readable_error(change: dict, needle: str) -> None:
    with pytest.raises(ValueError, match=needle.replace("(", r"\(")):
        MLPConfig(**change)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"patience": 50, "val_fraction": 0.0}, "set a validation fraction above 0"),
        ({"batch_norm": True, "batch_size": 1}, "at least 2 points"),
        ({"compare": "batch_norm", "batch_size": 1}, "at least 2 points"),
        ({"compare": "batch_size", "batch_norm": True}, "batch size 1, which batch norm cannot"),
        ({"batch_size": 200}, "larger than the 192 training points"),
        ({"optimizers": ("random_local_search",), "dropout": 0.5}, "random local search"),
        ({"optimizers": ("random_local_search",), "compare": "batch_norm"}, "random local search"),
    ],
)
def test_combinations_that_cannot_train_are_named(change: dict, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        MLPConfig(**change)


def test_unknown_setting_names_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown mlp setting 'widths'; allowed: .*hidden"):
        MLPConfig.from_pairs({"widths": (4, 4)})
    bad = json.loads(Scene(view="mlp").to_json())
    bad["mlp"]["colour"] = "red"
    with pytest.raises(ValueError, match="unknown mlp setting 'colour'"):
        Scene.from_json(json.dumps(bad))


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", list(SETTINGS))
def test_pairs_round_trip(name: str) -> None:
    s = SETTINGS[name]
    assert MLPConfig.from_pairs(s.to_pairs()) == s
    assert MLPConfig.from_pairs(dict(s.to_pairs())) == s
    assert all(isinstance(k, str) for k, _ in s.to_pairs())


@pytest.mark.parametrize("name", list(SETTINGS))
def test_scene_json_round_trip_is_exact(name: str) -> None:
    scene = replace(Scene(display=Display(theme="dark", title="초기화 | a&b=c?")), view="mlp", mlp=SETTINGS[name])
    text = scene.to_json()
    back = Scene.from_json(text)
    assert back == scene and hash(back) == hash(scene)
    assert back.to_json() == text
    assert back.mlp == SETTINGS[name]
    d = json.loads(text)["mlp"]
    assert len(d) >= len(MLPConfig.__dataclass_fields__)  # every setting, resolved


@pytest.mark.parametrize("name", list(SETTINGS))
def test_scene_url_round_trip_is_exact(name: str) -> None:
    scene = replace(Scene(surfaces=SurfacesConfig(surface="bowl", steps=77)), view="mlp", mlp=SETTINGS[name])
    query = scene.to_query()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in query.items())
    back, notices = Scene.from_query(query)
    assert notices == [] and back == scene
    url = "http://localhost:8501/?" + urlencode(query)  # percent-encoding and parse_qs lose nothing
    back, notices = Scene.from_query(parse_qs(urlsplit(url).query, keep_blank_values=True))
    assert notices == [] and back == scene


def test_the_default_mlp_page_has_a_short_address() -> None:
    q = Scene(view="mlp").to_query()
    assert q["view"] == "mlp" and not any(k.startswith("m_") for k in q)
    q = Scene(view="mlp", mlp=MLPConfig(n=100, hidden=(8,))).to_query()
    assert {k: v for k, v in q.items() if k.startswith("m_")} == {"m_n": "100", "m_hidden": "8"}


def test_surfaces_scenes_keep_an_empty_mlp_block() -> None:
    """Default MLP settings in a surfaces scene write no MLP block (a surfaces file holds only its view)."""
    assert "mlp" not in Scene().to_dict() and Scene(mlp=MLPConfig()).mlp == MLPConfig()
    s = Scene(mlp=MLPConfig(n=100))  # changed settings survive a visit to the surfaces view
    assert Scene.from_json(s.to_json()) == s
    assert s.mlp.n == 100 and Scene.from_query(s.to_query())[0] == s


def test_a_bad_link_parameter_is_dropped_alone() -> None:
    good = Scene(view="mlp", mlp=SETTINGS["blobs_step_schedule"]).to_query()
    for key, bad in [("m_n", "abc"), ("m_hidden", "1|2|3|4"), ("m_optimizers", "newton:lr=1.0"), ("m_colour", "1")]:
        scene, notices = Scene.from_query({**good, key: bad})
        assert len(notices) == 1 and key in notices[0], notices
        want = SETTINGS["blobs_step_schedule"]
        got = scene.mlp
        if key != "m_colour":
            field = key[2:]
            assert getattr(got, field) == getattr(MLPConfig(), field)
            got = replace(got, **{field: getattr(want, field)})
        assert got == want


# ----------------------------------------------------------------------------- runs


def test_runs_equal_mlp_train_called_directly(warm_mlp) -> None:
    s = MLPConfig(steps=120, n=150, compare="optimizers")
    run = R.run_mlp_scene(Scene(view="mlp", mlp=s), parts=())
    X, y = mlp.make_dataset("moons", n=150, noise=0.2, seed=0)
    Xt, Xv, yt, yv = mlp.split(X, y, 0.25, 0)
    Xt, Xv, _, _ = mlp.standardize(Xt, Xv)
    assert [r.label for r in run.results] == ["Adam (η = 0.01)", "SGD (η = 0.1)", "Momentum (η = 0.1, μ = 0.9)"]
    for r, spec in zip(run.results, s.optimizers):
        ref = mlp.train(
            Xt, yt, hidden=(16, 16), activation="tanh", init="xavier_normal", optimizer=spec.name, steps=120,
            X_val=Xv, y_val=yv, seed=0, **spec.kwargs,
        )  # fmt: skip
        np.testing.assert_array_equal(r.loss, ref.loss)
        np.testing.assert_array_equal(r.val_loss, ref.val_loss)
        np.testing.assert_array_equal(r.params, ref.params)
    np.testing.assert_array_equal(run.results[0].params[0], run.results[1].params[0])  # one init for all


def test_batch_size_comparison_is_full_k_and_one(warm_mlp) -> None:
    s = MLPConfig(compare="batch_size", batch_size=16, steps=60, optimizers=("sgd:lr=0.1", "adam"))
    run = R.run_mlp_scene(Scene(view="mlp", mlp=s), parts=())
    assert [r.batch_size for r in run.results] == [192, 16, 1]
    assert [r.label for r in run.results] == ["full batch (192)", "mini-batch 16", "batch size 1"]
    assert all(r.optimizer == "sgd" for r in run.results)
    kw = R.train_kwargs(s, run.data)
    ref = mlp.train(run.data.X, run.data.y, optimizer="sgd", lr=0.1, **{**kw, "batch_size": 1})
    np.testing.assert_array_equal(run.results[2].loss, ref.loss)


@pytest.mark.parametrize("compare", list(M.COMPARISONS))
def test_every_comparison_runs(warm_mlp, compare: str) -> None:
    s = MLPConfig(compare=compare, steps=30, n=64, batch_size=8, optimizers=("adam", "sgd:lr=0.1"))
    run = R.run_mlp_scene(Scene(view="mlp", mlp=s), parts=M.PARTS)
    assert len(run.results) >= 2 and len(set(run.labels)) == len(run.labels)
    assert run.landscape is not None and run.slices and run.interpolations
    assert run.activations and run.gradient_check is not None
    for name in (*M.FIGURES, "data_raw"):
        fig = FM.mlp_figure(Scene(view="mlp", mlp=s), run, name, frames=3)
        assert fig.layout.title.text


def test_landscape_leaves_out_runs_it_cannot_share(warm_mlp) -> None:
    s = MLPConfig(compare="batch_norm", steps=30, batch_size=32)
    run = R.run_mlp_scene(Scene(view="mlp", mlp=s), parts=("landscape",))
    assert len(run.landscape.paths) == 1 and "with batch norm" in run.notes["landscape"]
    div = MLPConfig(
        steps=30, optimizers=("sgd:lr=0.5", "adam"), init="normal_1", activation="relu", hidden=(32, 32, 32)
    )
    run = R.run_mlp_scene(Scene(view="mlp", mlp=div), parts=("landscape", "slices"))
    assert run.diverged() == [("SGD (η = 0.5)", 9)]
    assert run.landscape.labels == ["Adam (η = 0.001)"]


def test_parts_follow_the_figure(warm_mlp) -> None:
    run = R.run_mlp_scene(Scene(view="mlp", mlp=MLPConfig(steps=20, figure="activations")))
    assert run.activations and run.landscape is None and run.gradient_check is None
    with pytest.raises(ValueError, match="needs run_mlp_scene"):
        FM.mlp_figure(Scene(view="mlp"), run, "landscape")
    assert [a.init for a in run.activations] == ["xavier_normal", "normal_0.01", "normal_1"]
    assert R.add_parts(run, ("gradient_check",)).gradient_check.rel_error < 1e-6


def test_csv_rows(warm_mlp) -> None:
    scene = Scene(view="mlp", mlp=MLPConfig(steps=2500, n=64, optimizers=("sgd:lr=0.1", "adam")))
    run = R.run_mlp_scene(scene)
    rows = list(MLP.csv_rows(scene, run))
    assert len(rows) == sum(len(r.step) for r in run.results) == 2 * 835  # every 3rd step, and the last
    assert set(rows[0]) == set(MLP.csv_columns)
    assert rows[0]["step"] == 0 and np.isnan(rows[0]["lr"]) and rows[1]["lr"] == 0.1


# ----------------------------------------------------------------------------- lecture presets


def test_presets_show_what_they_say(warm_mlp) -> None:
    def run(name: str) -> R.MLPRun:
        s = M.preset(name)
        return R.add_parts(R.train_runs(s), R.parts_for([s.figure]))

    for name in M.PRESETS:
        assert M.matching_preset(M.preset(name)) == name

    zeros = run("zeros init: symmetry never breaks").results[0]
    W1 = zeros.unflatten()[0][0]  # the hidden weights never move; only the output bias learns the prior
    assert zeros.init == "zeros" and not W1.any() and zeros.accuracy[-1] < 0.6

    stats = {a.init: a for a in run("init schemes with sigmoid").activations}
    assert stats["normal_1"].flat.mean() > 0.5  # saturated at 0 and 1
    assert stats["normal_0.01"].std[-1] < 0.02 and abs(stats["normal_0.01"].mean[-1] - 0.5) < 0.01
    assert stats["xavier_normal"].std.min() > 0.1 and stats["xavier_normal"].flat.max() < 0.05

    sig = run("deep sigmoid: vanishing gradients").results[0]
    assert sig.label == "sigmoid" and np.mean(sig.grad_norm[:50, 0]) < np.mean(sig.grad_norm[:50, -1]) / 10

    free, clipped = run("exploding gradients: clipping").results
    assert free.diverged_at is not None and clipped.diverged_at is None and clipped.data_loss[-1] < 0.1

    raw = run("unscaled inputs: standardise!").results
    fixed = R.train_runs(replace(M.preset("unscaled inputs: standardise!"), standardize=True)).results
    assert all(f.data_loss[-1] < r.data_loss[-1] / 2 for f, r in zip(fixed, raw))

    without, with_bn = run("batch norm on / off").results
    assert with_bn.data_loss[-1] < without.data_loss[-1] / 2

    (over,) = run("overfitting: small noisy data, big net").results
    assert over.best_step < 300 and over.val_loss[-1] > 1.5 * over.val_loss.min()
    assert over.data_loss[-1] < over.data_loss[over.row_of(over.best_step)] / 3

    no_drop, drop = run("dropout against overfitting").results
    assert drop.val_loss[-1] < 0.7 * no_drop.val_loss[-1]

    (stopped,) = run("early stopping").results
    assert stopped.stopped_at == stopped.best_step + 200

    none, l2, adamw = run("L2 penalty vs AdamW").results
    assert adamw.optimizer == "adamw" and l2.val_loss[-1] < none.val_loss[-1] / 2

    gc = run("gradient check").gradient_check
    assert gc.rel_error < 1e-7


def test_shipped_mlp_scenes_are_presets() -> None:
    shipped = {k: v for k, v in shipped_scenes().items() if k.startswith("mlp_")}
    assert set(shipped) >= {"mlp_init_schemes", "mlp_overfitting"}
    for path in shipped.values():
        scene = Scene.from_json(path.read_text(encoding="utf-8"))
        assert scene.view == "mlp" and M.matching_preset(scene.mlp) is not None


@pytest.mark.parametrize("compare", ["optimizers", "init"])
def test_panels_trained_on_threads_are_those_trained_one_after_another(monkeypatch, compare):
    """`train_runs` trains the panels on one thread per core: every result (weights, losses, label)
    is bitwise the one of training them in turn (a one-core machine)."""
    cfg = replace(M.preset("ReLU: He vs Xavier"), steps=150) if compare == "init" else replace(MLPConfig(), steps=150)
    assert cfg.compare == compare
    threaded = R.train_runs(cfg)
    monkeypatch.setattr(R.os, "cpu_count", lambda: 1)
    serial = R.train_runs(cfg)
    assert len(threaded.results) == len(serial.results) >= 3
    for a, b in zip(threaded.results, serial.results):
        assert a.label == b.label
        np.testing.assert_array_equal(a.params, b.params)
        np.testing.assert_array_equal(a.loss, b.loss)
        np.testing.assert_array_equal(a.val_loss, b.val_loss)
