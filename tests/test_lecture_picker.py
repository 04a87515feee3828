"""The Lecture picker (`optviz.ui.lecture`), run headless with Streamlit's AppTest: the concept scenes
in lecture order, previous / next loading the neighbouring scene, and a percent-encoded share link."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

import optviz.mlp
from optviz.config import Scene
from optviz.export import concept_number, lecture_scenes, load_scene
from tests.conftest import assert_page_ok
from tests.conftest import run_app as _app

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    optviz.mlp.warmup(include_surfaces=True)  # AppTest's runs must not pay the compilation


def _ok(at: AppTest) -> None:
    assert_page_ok(at, errors=True)


def _scene_on_screen(at: AppTest) -> Scene:
    return Scene.from_query(dict(at.query_params))[0]


def _link(at: AppTest) -> str:
    texts = [m.value for m in at.sidebar.markdown if "share link" in m.value]
    assert len(texts) == 1, texts
    return re.fullmatch(r"\[share link\]\((.*)\)", texts[0]).group(1)


def test_the_list_is_the_concepts_in_lecture_order():
    at = _app()
    _ok(at)
    box = at.selectbox(key="lecture")
    names = list(lecture_scenes())
    assert [concept_number(n) for n in names] == sorted(concept_number(n) for n in names)
    assert {concept_number(n) for n in names} == set(range(1, 32))
    numbers = [int(re.match(r"C(\d+) · ", label).group(1)) for label in box.options]
    assert numbers == [concept_number(n) for n in names]
    assert box.value is None and at.button(key="lecture_prev").proto.disabled is False
    assert "C3 · Ill-conditioned bowl" in box.options[names.index("c03_zigzag_bowl")]


def test_next_and_previous_load_the_neighbouring_scene_and_it_stays_chosen():
    at = _app()
    at.selectbox(key="lecture").select("c02_learning_rate")
    at.run()
    _ok(at)
    assert at.session_state["lecture"] == "c02_learning_rate"
    assert _scene_on_screen(at) == load_scene("c02_learning_rate")

    at.button(key="lecture_next").click()
    at.run()
    _ok(at)
    assert at.session_state["lecture"] == "c03_zigzag_bowl" and at.selectbox(key="lecture").value == "c03_zigzag_bowl"
    assert _scene_on_screen(at) == load_scene("c03_zigzag_bowl")  # loaded: the address is the scene
    assert at.session_state["demo"] is None  # loaded through the scene picker's loader, which clears its key

    # an edit keeps the picker on the scene (the issue: "the scene picker forgets which scene is on screen")
    at.number_input(key="steps").set_value(120)
    at.run()
    _ok(at)
    assert at.selectbox(key="lecture").value == "c03_zigzag_bowl" and at.query_params["steps"] == "120"

    at.button(key="lecture_prev").click()
    at.run()
    _ok(at)
    assert at.selectbox(key="lecture").value == "c02_learning_rate"
    assert _scene_on_screen(at) == load_scene("c02_learning_rate")


def test_the_share_link_is_percent_encoded_and_opens_the_scene():
    at = _app()
    at.selectbox(key="lecture").select("c03_zigzag_bowl")
    at.run()
    _ok(at)
    link = _link(at)
    assert " " not in link and "κ" not in link and "(" not in link and "%20" in link and "%CE%BA" in link
    query = {k: v[-1] for k, v in parse_qs(urlsplit(link).query).items()}
    assert Scene.from_query(query) == (load_scene("c03_zigzag_bowl"), [])

    # opening the link in a new session: the picker shows the scene it opened
    fresh = _app(query)
    _ok(fresh)
    assert fresh.selectbox(key="lecture").value == "c03_zigzag_bowl"


def test_an_mlp_concept_switches_the_view_and_the_picker_follows():
    at = _app()
    at.selectbox(key="lecture").select("c17_lr_schedule")
    at.run()
    at.button(key="lecture_next").click()
    at.run()
    _ok(at)
    assert at.session_state["_view"] == "mlp" and at.selectbox(key="lecture").value == "c18_zeros_init"
    assert at.query_params["view"] == "mlp"
