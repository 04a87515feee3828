"""The README's registry tables are generated, and must match the registries."""

from pathlib import Path

from optviz import docs

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_tables_match_the_registries():
    text = README.read_text(encoding="utf-8")
    assert docs.render(text) == text, "README is stale: run `python -m optviz.docs`"
    for name in ("rosenbrock", "bowl", "saddle"):
        assert f"| `{name}` |" in text
    for name in ("adam", "nesterov", "random_local_search"):
        assert f"| `{name}` |" in text


def test_readme_opens_with_the_two_commands():
    lines = [ln for ln in README.read_text(encoding="utf-8").splitlines() if ln.strip()]
    fence = [i for i, ln in enumerate(lines) if ln.startswith("```")]
    first_block = lines[fence[0] + 1 : fence[1]]
    assert first_block == ["pip install -e . && optviz", 'pip install -e ".[test]" && python -m pytest -q']
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert first_block[1] in ci.splitlines()
