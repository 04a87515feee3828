"""The scene's analysis block (`optviz.config.Analysis`): its file block, its link and its checks."""

from __future__ import annotations

import json

import pytest

from optviz.config import Analysis, Scene
from optviz.config.scene import ANALYSIS_FIGURES


def test_default_analysis_is_not_written() -> None:
    """Scene files and links without analysis settings stay as they were (shipped scenes unchanged)."""
    scene = Scene()
    assert "analysis" not in scene.to_dict()
    assert not [k for k in scene.to_query() if k.startswith("a_")]


@pytest.mark.parametrize("figure", ANALYSIS_FIGURES)
def test_analysis_round_trips_through_file_and_link(figure: str) -> None:
    a = Analysis(
        figure=figure,
        step=37,
        map_h2="beta2",
        map_metric="steps",
        map_cells=64,
        basin_cells=96,
        basin_color="steps",
        basin_runs=1,
        seeds=50,
    )
    scene = Scene(analysis=a)
    assert json.loads(scene.to_json())["analysis"]["step"] == 37
    assert Scene.from_json(scene.to_json()).analysis == a
    back, notices = Scene.from_query(scene.to_query())
    assert notices == []
    assert back.analysis == a
    assert back == scene


def test_only_changed_analysis_fields_travel_in_the_link() -> None:
    q = Scene(analysis=Analysis(step=5)).to_query()
    assert {k: v for k, v in q.items() if k.startswith("a_")} == {"a_step": "5"}


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("figure", "race", "figure must be one of"),
        ("step", 0, "step must be a whole number from 1"),
        ("map_metric", "speed", "map_metric must be one of"),
        ("map_cells", 500, "map_cells must be a whole number from 2 to 128"),
        ("basin_color", "blue", "basin_color must be one of"),
        ("basin_runs", 3, "basin_runs must be a whole number from 1 to 2"),
        ("seeds", 1, "seeds must be a whole number from 2 to 200"),
    ],
)
def test_bad_analysis_values_are_named(field: str, value: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Analysis(**{field: value})
    bad = {"optviz_scene": 2, "analysis": {field: value}}
    with pytest.raises(ValueError, match=words):
        Scene.from_dict(bad)


def test_a_bad_link_parameter_is_a_notice_and_keeps_the_others() -> None:
    scene, notices = Scene.from_query({"a_step": "-3", "a_seeds": "40", "a_figure": "basins"})
    assert scene.analysis == Analysis(figure="basins", seeds=40)
    assert len(notices) == 1 and "a_step" in notices[0]


def test_unknown_analysis_key_in_a_file_is_an_error() -> None:
    with pytest.raises(ValueError, match="analysis"):
        Scene.from_dict({"optviz_scene": 2, "analysis": {"zoom": 2}})
