"""`optviz export --all` / `--only`: the lecture deck (png, gif, the scene file per scene, and index.html).

The whole deck takes minutes; these tests export two scenes of it (`--only c03,c31`): a race and
the hyperparameter map, whose export is the map (C31), not the race of its optimizers.
"""

from __future__ import annotations

import html
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from optviz import export as E
from optviz import export_cli
from optviz.config import Scene

IN_CI = os.environ.get("CI") == "true"
needs_browser = pytest.mark.skipif(
    E.find_browser() is None and not IN_CI, reason="no Chromium here (apt-get install -y chromium)"
)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.imgs: list[str] = []
        self.headings: list[str] = []
        self._h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a":
            self.hrefs.append(a["href"] or "")
        elif tag == "img":
            self.imgs.append(a["src"] or "")
        elif tag == "h2":
            self._h2 = True
            self.headings.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._h2 = False

    def handle_data(self, data: str) -> None:
        if self._h2:
            self.headings[-1] += data


def test_the_deck_is_every_concept_in_lecture_order_then_the_rest() -> None:
    deck = export_cli.deck_scenes(True, None)
    assert sorted(deck) == sorted(E.shipped_scenes())
    concepts = [n for n in deck if E.concept_number(n) is not None]
    assert deck[: len(concepts)] == concepts
    numbers = [E.concept_number(n) for n in concepts]
    assert numbers == sorted(numbers) and set(numbers) == set(range(1, 32))
    assert export_cli.deck_scenes(False, "c18,c03") == ["c03_zigzag_bowl", "c18_zeros_init"]
    assert export_cli.deck_scenes(False, "c01") == ["c01_batch_size", "c01_gradient_noise"]
    assert export_cli.deck_scenes(False, None) == []
    with pytest.raises(ValueError, match="c99"):
        export_cli.deck_scenes(False, "c99")


def test_only_with_an_unknown_name_is_exit_2(tmp_path, capsys) -> None:
    assert export_cli.main(["--only", "c03,nope", "--out", str(tmp_path), "-q"]) == 2
    assert "nope" in capsys.readouterr().err and not list(tmp_path.iterdir())


def test_share_links_are_percent_encoded() -> None:
    scene = E.load_scene("c03_zigzag_bowl")
    link = E.share_link(scene, "http://localhost:8501/")
    assert link.startswith("http://localhost:8501/?v=2&") and " " not in link and "κ" not in link
    assert "%20" in link and "%CE%BA" in link  # the title's spaces and kappa
    query = {k: v[-1] for k, v in parse_qs(urlsplit(link).query).items()}
    assert Scene.from_query(query) == (scene, [])


@needs_browser
def test_only_writes_png_gif_scene_files_and_an_index_linking_them(tmp_path, capsys) -> None:
    out = tmp_path / "deck"
    assert export_cli.main(["--only", "c31,c03", "--out", str(out), "-q"]) == 0
    names = ["c03_zigzag_bowl", "c31_hyperparameter_search"]
    files = {p.name for p in out.iterdir()}
    assert files == {f"{n}.{f}" for n in names for f in ("png", "gif", "json")} | {"index.html"}
    for n in names:
        png, gif = Image.open(out / f"{n}.png"), Image.open(out / f"{n}.gif")
        assert png.format == "PNG" and png.size == (2560, 1440)
        assert gif.format == "GIF" and gif.size == (1280, 720)
        assert E.load_scene(out / f"{n}.json") == E.load_scene(n)
    assert Image.open(out / "c03_zigzag_bowl.gif").n_frames == 30  # the deck's 10 fps x 3 s
    assert Image.open(out / "c31_hyperparameter_search.gif").n_frames == 1  # the map is a still

    page = (out / "index.html").read_text(encoding="utf-8")
    links = _Links()
    links.feed(page)
    local = {h for h in links.hrefs if not h.startswith("http")} | set(links.imgs)
    assert local == files - {"index.html"}  # every file linked, and nothing that is not there
    assert links.imgs == [f"{n}.png" for n in names]  # the pictures inline, in lecture order
    assert [re.match(r"C\d+", h).group() for h in links.headings] == ["C3", "C31"]
    shares = [h for h in links.hrefs if h.startswith("http://localhost:8501/?")]
    assert len(shares) == 2 and all(" " not in h for h in shares)
    for n in names:
        assert html.escape(E.load_scene(n).display.caption) in page
    printed = capsys.readouterr().out.split()
    assert str(out / "index.html") in printed


def test_c31_exports_the_map_figure() -> None:
    """Without a browser: the figure `optviz export` renders for the c31 scene is the hpmap."""
    fig = E.static_figure(E.load_scene("c31_hyperparameter_search"))
    kinds = sorted({t.type for t in fig.data})
    assert kinds == ["heatmap", "scatter"] and fig.layout.xaxis.type == "log"
    assert all(t.z is not None and len(t.z) == 24 for t in fig.data if t.type == "heatmap")
    assert list(fig.layout.xaxis.ticktext) == ["10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²"]


def test_the_deck_defaults_to_png_and_gif(monkeypatch, tmp_path) -> None:
    seen: dict[str, object] = {}

    def fake(scenes, formats, out, **kw):  # record what export_many is asked for
        seen.update(scenes=list(scenes), formats=list(formats), **kw)
        return [Path(out) / f"{s}.{f}" for s in scenes for f in formats]

    monkeypatch.setattr(export_cli, "export_many", fake)
    monkeypatch.setattr(export_cli, "write_index", lambda out, names, written, base: Path(out) / "index.html")
    assert export_cli.main(["--all", "--out", str(tmp_path), "-q"]) == 0
    assert seen["formats"] == ["png", "gif", "json"] and seen["fps"] == 10 and seen["seconds"] == 3
    assert seen["scenes"][:2] == ["c01_batch_size", "c01_gradient_noise"] and len(seen["scenes"]) == len(
        E.shipped_scenes()
    )
    assert export_cli.main(["--all", "--format", "json", "--out", str(tmp_path), "-q"]) == 0
    assert seen["formats"] == ["json"] and seen["fps"] is None  # formats given: as before, no index
