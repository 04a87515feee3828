"""The Lecture picker: the concept scenes C1–C31 in the order of the lecture notes, atop both sidebars.

    lecture_picker()    a "Lecture" selectbox (key "lecture"), previous / next buttons, and the
                        share link of the chosen scene (its URL query, percent-encoded)

The list is `optviz.export.lecture_scenes` (the shipped c01_... to c31_... files), labelled with each
scene's display title.  A scene is loaded as the "All shipped scenes" picker loads one
(`optviz.ui.state.on_demo`, which reads the file and writes it into every widget).  Unlike that
picker, this one keeps its choice: the selectbox shows the scene on screen until another one is
loaded, also when the scene came from the other picker or from a link (`_follow`).
"""

from __future__ import annotations

import functools
from dataclasses import replace

import streamlit as st

from optviz.config import Scene
from optviz.export import concept_number, lecture_scenes, load_scene, share_link
from optviz.i18n import _, use_lang
from optviz.ui.state import on_demo, ss

KEY = "lecture"


@functools.cache
def deck() -> tuple[tuple[str, str, Scene], ...]:
    """(name, label, scene) of every concept scene, in lecture order (the files are read once).
    The label is the English one; `label` gives it in the current language."""
    with use_lang("en"):
        return tuple((n, label(n, scene), scene) for n, scene in ((n, load_scene(n)) for n in lecture_scenes()))


def label(name: str, scene: Scene) -> str:
    """A concept scene's label, C<k> · <title>, in the current language (its title is a message)."""
    k = concept_number(name)
    title = _(scene.display.title).removeprefix(f"C{k} · ") or name.split("_", 1)[1].replace("_", " ")
    return f"C{k} · {title}"


def _load(name: str) -> None:
    """Load shipped scene `name` through the scene picker's own loader, and remember it."""
    ss[KEY] = name
    ss["demo"] = name  # on_demo reads the scene picker's key, loads that scene and clears the key
    on_demo()


def _on_pick() -> None:
    if ss.get(KEY):
        _load(ss[KEY])


def _on_step(step: int) -> None:
    names = [item[0] for item in deck()]
    current = ss.get(KEY)
    i = names.index(current) + step if current in names else (0 if step > 0 else len(names) - 1)
    _load(names[min(max(i, 0), len(names) - 1)])


def _follow() -> None:
    """Show the scene on screen when it is a lecture scene loaded some other way (the other
    picker, a link, an uploaded file): `apply_scene` keeps the loaded Scene in ss["_base_scene"]."""
    base = ss.get("_base_scene")
    if base is None or ss.get("_lecture_seen") is base:
        return
    ss["_lecture_seen"] = base
    for name, _label, scene in deck():
        # loaded in the language and mode the lecturer is in (`on_demo`): those do not tell scenes apart
        display = replace(base.display, lang=scene.display.lang, presentation=scene.display.presentation)
        if replace(base, display=display) == scene:
            ss[KEY] = name
            return


def _base_url() -> str:
    """The page's own address (without its query), or '' (a link relative to the page) when unknown."""
    try:
        url = st.context.url or ""
    except Exception:  # noqa: BLE001  (no request context: AppTest, bare mode)
        url = ""
    return url.split("?", 1)[0]


def lecture_step_button(step: int, key: str) -> None:
    """The previous (step -1) or next (+1) concept scene's button, in the current container; the
    sidebar has a pair, the presentation strip another (keys differ)."""
    names = [n for n, _label, _scene in deck()]
    current = ss.get(KEY)
    i = names.index(current) if current in names else -1
    st.button(
        ":material/arrow_back:" if step < 0 else ":material/arrow_forward:",
        key=key,
        help=_("previous concept") if step < 0 else _("next concept"),
        on_click=_on_step,
        args=(step,),
        disabled=i == (0 if step < 0 else len(names) - 1),
        width="stretch",
    )


def lecture_picker() -> None:
    """The Lecture picker in the current container (see the module docstring)."""
    items = deck()
    if not items:
        return
    labels = {n: label(n, scene) for n, _label, scene in items}
    names = list(labels)
    _follow()
    if ss.get(KEY) not in labels:
        ss[KEY] = None
    st.selectbox(
        _("Lecture"),
        names,
        key=KEY,
        format_func=labels.__getitem__,
        placeholder=_("C1 – C31: a scene per concept…"),
        on_change=_on_pick,
        help=_("the concept scenes in the order of the lecture notes; each loads its settings and its caption"),
    )
    current = ss.get(KEY)
    c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="center")
    with c1:
        lecture_step_button(-1, "lecture_prev")
    with c2:
        lecture_step_button(1, "lecture_next")
    if current is not None:
        scene = {item[0]: item[2] for item in items}[current]
        # in the language spoken now: a Korean lecturer's slides open the Korean page
        scene = replace(scene, display=replace(scene.display, lang=ss.get("lang", scene.display.lang)))
        c3.markdown(
            "[" + _("share link") + f"]({share_link(scene, _base_url())})",
            help=_("the address that opens this scene as shipped (copy it into your slides)"),
        )


__all__ = ["KEY", "deck", "lecture_picker", "lecture_step_button"]
