"""Scenes as data: exact JSON and URL round trips, readable errors for bad files, notices for bad links."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

import optviz
from optviz.config import SCENE_VERSION, Display, MLPConfig, OptimizerSpec, Scene, SurfacesConfig
from optviz.schedules import Schedule

# Scenes far from the defaults: every field changed somewhere, awkward floats, repeated optimizers,
# every schedule, Korean and punctuation in the title (it travels in the URL too).
SCENES = {
    "default": Scene(),
    "bowl_rotated": Scene(
        surfaces=SurfacesConfig(
            surface="bowl",
            surface_params=(("kappa", 37.5), ("theta", -math.pi / 7)),
            start=(-2.123456789012345, 1.1e-7),
            steps=777,
            optimizers=(
                OptimizerSpec("momentum", (("lr", 0.0123), ("momentum", 0.95))),
                OptimizerSpec("nesterov", (("lr", 0.0123), ("momentum", 0.95))),
            ),
        ),
        display=Display(theme="dark", font_size=22, aspect="4:3", title="모멘텀 vs 네스테로프, κ=37.5 | a&b=c?"),
    ),
    "noisy_schedule": Scene(
        surfaces=SurfacesConfig(
            surface="saddle",
            start=(-1.5, 0.0),
            steps=321,
            noise=0.2,
            noise_seed=12345,
            clip_norm=2.5,
            l2=1e-3,
            schedule=Schedule(name="step", boundaries=(50, 150, 300), values=(1.0, 0.3, 0.1, 0.03), warmup_steps=10),
            optimizers=(
                OptimizerSpec("sgd", (("lr", 0.05),)),
                OptimizerSpec("sgd", (("lr", 0.5),)),
                OptimizerSpec("adam", (("lr", 0.05), ("beta1", 0.8), ("bias_correction", 0.0))),
                OptimizerSpec("rmsprop", (("lr", 0.01), ("centered", 1.0), ("momentum", 0.3))),
            ),
        ),
        display=Display(theme="print", show_title=False, show_legend=False, log_loss=False, frames=37, fps=9),
    ),
    "cosine_baselines": Scene(
        surfaces=SurfacesConfig(
            surface="rastrigin",
            steps=2000,
            schedule=Schedule(name="cosine", end_factor=0.05, decay_steps=1500),
            optimizers=(
                OptimizerSpec("random_search", (("seed", 7.0),)),
                OptimizerSpec("random_local_search", (("step", 0.25), ("seed", 3.0))),
                OptimizerSpec("newton", (("lr", 0.5),)),
                OptimizerSpec("adadelta", (("rho", 0.95),)),
            ),
        ),
        display=Display(show_3d=True, title="x" * 200),
    ),
    "exponential_staircase": Scene(
        surfaces=SurfacesConfig(
            surface="himmelblau",
            steps=100_000,
            schedule=Schedule(name="exponential", decay_rate=0.9, decay_steps=100, staircase=True),
            optimizers=(OptimizerSpec("adamw", (("weight_decay", 0.3),)), OptimizerSpec("nadam")),
        )
    ),
    "polynomial": Scene(
        surfaces=SurfacesConfig(
            surface="beale",
            steps=1,
            schedule=Schedule(name="polynomial", power=2.0, end_factor=0.0001),
            optimizers=(OptimizerSpec("amsgrad"), OptimizerSpec("adagrad", (("lr_decay", 0.01),))),
        )
    ),
}


_SURFACES_KEYS = {"surface", "surface_params", "start", "steps", "schedule", "noise", "noise_seed", "clip_norm", "l2"}


def _bad_file(**changes: object) -> str:
    """The default scene file with `changes`: the surfaces view's settings go into its block."""
    d = Scene().to_dict()
    for k, v in changes.items():
        if k in _SURFACES_KEYS or k == "optimizers":
            d["surfaces"][k] = v
        else:
            d[k] = v
    return json.dumps(d)


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", list(SCENES))
def test_json_round_trip_is_exact(name: str) -> None:
    scene = SCENES[name]
    back = Scene.from_json(scene.to_json())
    assert back == scene
    assert back.to_json() == scene.to_json()
    assert hash(back) == hash(scene)


@pytest.mark.parametrize("name", list(SCENES))
def test_url_round_trip_is_exact(name: str) -> None:
    scene = SCENES[name]
    query = scene.to_query()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in query.items())
    back, notices = Scene.from_query(query)
    assert notices == []
    assert back == scene


@pytest.mark.parametrize("name", list(SCENES))
def test_url_round_trip_through_a_real_address(name: str) -> None:
    """Percent-encoding and parse_qs (lists of values, as Streamlit's query_params gives) lose nothing."""
    scene = SCENES[name]
    url = "http://localhost:8501/?" + urlencode(scene.to_query())
    params = parse_qs(urlsplit(url).query, keep_blank_values=True)
    back, notices = Scene.from_query(params)
    assert notices == []
    assert back == scene


def test_default_scene_has_a_short_address() -> None:
    # only the display options that differ from the defaults travel, and the language, always:
    # a link opens in the language it was made in (issue 10)
    assert [k for k in Scene().to_query() if k.startswith("d_")] == ["d_lang"]
    q = replace(Scene(), display=Display(theme="dark")).to_query()
    assert q["d_theme"] == "dark" and q["d_lang"] == "en" and sum(k.startswith("d_") for k in q) == 2


def test_hyperparameters_are_stored_resolved() -> None:
    d = json.loads(Scene(surfaces=SurfacesConfig(optimizers=(OptimizerSpec("adam"),))).to_json())
    assert d["surfaces"]["optimizers"] == [
        {"name": "adam", "lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "bias_correction": 1.0}
    ]
    assert d["optviz_scene"] == SCENE_VERSION


def test_display_size() -> None:
    assert Display(aspect="16:9").size == (1280, 720)
    assert Display(aspect="4:3").size == (1024, 768)


# ----------------------------------------------------------------------------- bad scene files


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{", "not valid JSON"),
        ('{"optviz_scene": 1, "steps": 10,}', "line 1"),
        ("", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ("null", "must be a JSON object"),
        ('{"steps": 10}', "'optviz_scene'"),
        (_bad_file(colour="red"), "unknown scene key 'colour'"),
        (_bad_file(optviz_scene=3), "reads scene versions 1 and 2, got 3"),
        (_bad_file(surfaces=[]), "surfaces must be a JSON object"),
        (_bad_file(surfaces={"kappa": 3}), "unknown surfaces key 'kappa'"),
        (_bad_file(optviz_scene="1"), "version"),
        (_bad_file(steps=0), "steps must be a whole number from 1 to 100,000"),
        (_bad_file(steps=10**9), "steps"),
        (_bad_file(steps="100"), "steps"),
        (_bad_file(steps=12.5), "steps"),
        (_bad_file(noise=-1), "noise must be a number"),
        (_bad_file(noise="loud"), "noise"),
        (_bad_file(noise_seed=-3), "noise_seed"),
        (_bad_file(clip_norm=0), "clip_norm"),
        (_bad_file(l2=1e9), "l2"),
        (_bad_file(view="3d"), "view must be one of"),
        (_bad_file(surface="sphere"), "surface must be one of"),
        (_bad_file(surface="bowl", surface_params={"kappa": 1e9}), "kappa must be in"),
        (_bad_file(surface_params={"kappa": 3}), "unknown parameter 'kappa' for surface 'rosenbrock'"),
        (_bad_file(surface_params=[1, 2]), "surface_params must be a JSON object"),
        (_bad_file(start=[1]), "start must be a pair"),
        (_bad_file(start=[1, None]), "start must be a pair"),
        (_bad_file(start=5), "start must be a pair"),
        (_bad_file(start="ab"), "start must be a pair"),
        (_bad_file(schedule={"name": "linear"}), "schedule must be one of"),
        (_bad_file(schedule={"name": "step", "gamma": 0.1}), "schedule has no parameter 'gamma'"),
        (_bad_file(optimizers=[]), "at least one optimizer"),
        (_bad_file(optimizers="adam"), "optimizers must be a list"),
        (_bad_file(optimizers=["adam"]), "must be a JSON object"),
        (_bad_file(optimizers=[{"lr": 0.1}]), "needs a 'name'"),
        (_bad_file(optimizers=[{"name": "adamx"}]), "optimizer must be one of"),
        (_bad_file(optimizers=[{"name": "adam", "momentum": 0.9}]), "takes no hyperparameter 'momentum'"),
        (_bad_file(optimizers=[{"name": "adam", "lr": -1}]), "lr of adam must be in"),
        (_bad_file(optimizers=[{"name": "adam", "lr": "fast"}]), "lr of adam must be a number"),
        (_bad_file(optimizers=[{"name": "sgd"}] * 13), "at most 12"),
        (_bad_file(display={"theme": "neon"}), "theme must be one of: light, dark, print"),
        (_bad_file(display={"colour": "red"}), "unknown display key 'colour'"),
        (_bad_file(display={"font_size": 100}), "font_size must be a whole number from 8 to 40"),
        (_bad_file(display={"aspect": "21:9"}), "aspect must be one of"),
        (_bad_file(display={"frames": 1}), "frames"),
        (_bad_file(display={"show_title": "yes"}), "show_title must be true or false"),
        (_bad_file(display={"title": 5}), "title must be a string"),
        (_bad_file(display=[]), "display must be a JSON object"),
        (_bad_file(mlp=3), "mlp must be a JSON object"),
    ],
)
def test_bad_scene_files_raise_one_readable_line(text: str, needle: str) -> None:
    with pytest.raises(ValueError) as err:
        Scene.from_json(text)
    msg = str(err.value)
    assert needle in msg
    assert "\n" not in msg and "Traceback" not in msg


# ----------------------------------------------------------------------------- bad links


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"steps": "abc"}, "steps"),
        ({"steps": "0"}, "steps"),
        ({"surface": "sphere"}, "surface"),
        ({"opt": "adam:lr=abc"}, "opt"),
        ({"opt": "adamx:"}, "optimizer must be one of"),
        ({"opt": "adam:lr"}, "expected hyperparameter=value"),
        ({"opt": ""}, "opt"),
        ({"d_theme": "neon"}, "theme"),
        ({"d_font_size": "100"}, "font_size"),
        ({"d_show_legend": "maybe"}, "show_legend"),
        ({"d_title": "x" * 300}, "title"),
        ({"sp": "kappa=2"}, "unknown parameter 'kappa'"),
        ({"start": "1"}, "start"),
        ({"start": "nan,1"}, "start"),
        ({"sched": "bogus"}, "schedule"),
        ({"sched": "step,boundaries=5|3"}, "boundaries"),
        ({"noise": "-1"}, "noise"),
        ({"seed": "1.5"}, "seed"),
        ({"clip": "0"}, "clip"),
        ({"l2": "inf"}, "l2"),
        ({"view": "3d"}, "view"),
        ({"v": "3"}, "version 3"),
        ({"colour": "red"}, "unknown parameter 'colour'"),
    ],
)
def test_bad_query_parameters_fall_back_with_a_notice(params: dict[str, str], needle: str) -> None:
    scene, notices = Scene.from_query(params)
    assert scene == Scene()
    assert len(notices) == 1, notices
    assert needle in notices[0]


def test_one_bad_parameter_keeps_the_good_ones() -> None:
    """A bad value is dropped alone: it must not reset the other parameters of the link."""
    good = SCENES["noisy_schedule"].to_query()
    for key, bad in [("noise", "-1"), ("clip", "0"), ("l2", "inf"), ("start", "nan,1"), ("steps", "x")]:
        q = dict(good, **{key: bad})
        scene, notices = Scene.from_query(q)
        assert len(notices) == 1 and key in notices[0], notices
        assert scene.surfaces.optimizers == SCENES["noisy_schedule"].surfaces.optimizers
        assert scene.surfaces.schedule == SCENES["noisy_schedule"].surfaces.schedule
        assert scene.display == SCENES["noisy_schedule"].display


def test_surface_parameters_follow_the_surface_in_the_link() -> None:
    scene, notices = Scene.from_query({"surface": "bowl", "sp": "kappa=50,theta=0.5"})
    assert notices == []
    assert dict(scene.surfaces.surface_params) == {"kappa": 50.0, "theta": 0.5}


@pytest.mark.parametrize("garbage", ["", " ", "%", "=", ";;", "|||", "nan", "-inf", "1e999", "\x00", "키", "a=b=c"])
def test_no_query_value_raises(garbage: str) -> None:
    keys = ["v", "view", "surface", "steps", "sp", "start", "opt", "sched", "noise", "seed", "clip", "l2"]
    keys += [f"d_{name}" for name in Display.__dataclass_fields__] + ["m_hidden", "unknown"]
    for key in keys:
        scene, notices = Scene.from_query({key: garbage})
        assert isinstance(scene, Scene)
        assert all(isinstance(n, str) and "\n" not in n for n in notices)


def test_query_values_may_be_lists() -> None:
    scene, notices = Scene.from_query({"steps": ["5", "7"], "surface": ["bowl"]})
    assert notices == [] and scene.surfaces.steps == 7 and scene.surfaces.surface == "bowl"


# ----------------------------------------------------------------------------- version 1 -> 2

V1_DIR = Path(__file__).parent / "data" / "scenes_v1"
# shipped scenes whose settings changed on purpose after version 1 (their v1 file still migrates)
CHANGED_SINCE_V1 = {"adagrad_vs_rmsprop_long_run": "holds the C7 lesson now: gradient noise shows AdaGrad's decay"}


@pytest.mark.parametrize("path", sorted(V1_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_every_shipped_v1_scene_migrates_to_the_shipped_v2_scene(path: Path) -> None:
    """The version-1 files shipped before the config refactor load, and equal today's version-2 files."""
    v1 = json.loads(path.read_text())
    assert v1["optviz_scene"] == 1
    old = Scene.from_json(path.read_text())
    new_text = (Path(optviz.__file__).parent / "scenes" / path.name).read_text()
    assert json.loads(new_text)["optviz_scene"] == SCENE_VERSION == 2
    if path.stem not in CHANGED_SINCE_V1:
        assert old == Scene.from_json(new_text)
    # every v1 field arrived where v2 keeps it
    assert old.view == v1["view"]
    assert {k: v for k, v in old.display.to_dict().items() if k in v1["display"]} == v1["display"]
    if v1["view"] == "surfaces":
        assert old.surfaces.surface == v1["surface"] and old.surfaces.steps == v1["steps"]
        assert [o.to_dict() for o in old.surfaces.optimizers] == [
            {k: float(v) if k != "name" else v for k, v in o.items()} for o in v1["optimizers"]
        ]
    else:  # an MLP file carried an unused surfaces block in v1: v2 writes only the MLP block
        assert old.mlp.to_pairs() == MLPConfig.from_pairs(v1["mlp"]).to_pairs()
        assert "surfaces" not in json.loads(old.to_json())
        assert old.mlp.n == v1["mlp"]["n"] and list(old.mlp.hidden) == v1["mlp"]["hidden"]


def test_a_v1_link_still_opens() -> None:
    scene, notices = Scene.from_query({"v": "1", "surface": "bowl", "sp": "kappa=20.0", "steps": "70"})
    assert notices == []
    assert (scene.surfaces.surface, scene.surfaces.steps, dict(scene.surfaces.surface_params)["kappa"]) == (
        "bowl",
        70,
        20.0,
    )
