"""The Korean catalog is complete and in sync with the code, and the page speaks the language it is asked to.

Issue 10: every message has a Korean translation (none empty, none equal to the English except
proper names and symbols), placeholders survive translation, the catalog holds every message the
code marks (Babel extraction), a Korean share link round-trips, and the app under AppTest in
Korean shows no English widget label.
"""

from __future__ import annotations

import re
import string
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from optviz import i18n
from optviz.config import Display, Scene
from optviz.config.scene import STALE_SUFFIX, spoken_title
from tests.conftest import assert_page_ok, run_app

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "optviz" / "locale" / "ko" / "LC_MESSAGES" / "optviz.po"

# Messages that stay as they are in Korean: proper names, abbreviations and symbols.
SAME_IN_KOREAN = re.compile(r"^[\W\d_]*$")  # symbols and numbers only
# Words allowed in a Korean page: names of methods, people, functions, formats and units.
ENGLISH_OK = {
    "adam", "adamw", "adamax", "amsgrad", "nadam", "radam", "adagrad", "adadelta", "rmsprop", "sgd", "lion",
    "nesterov", "newton", "rosenbrock", "himmelblau", "rastrigin", "beale", "booth", "styblinski", "tang",
    "camel", "matyas", "goldstein", "price", "ackley", "schedule-free", "schedulefree", "pytorch", "torch",
    "relu", "leaky", "tanh", "sigmoid", "gelu", "elu", "softmax", "hinge", "xavier", "glorot", "kaiming", "he",
    "lecun", "mlp", "png", "svg", "pdf", "gif", "mp4", "html", "csv", "json", "url", "lr", "optviz", "nan",
    "inf", "max", "min", "log", "exp", "sin", "cos", "sqrt", "abs", "tan", "pca", "sgdr", "onecycle",
    "mse", "bce", "std", "xor", "fps", "kb", "mb", "schedule_free", "muon", "rprop", "adafactor",
}  # fmt: skip


def _catalog():
    with PO.open("rb") as f:
        return read_po(f)


def _same_allowed(msgid: str) -> bool:
    """Proper names, abbreviations and symbols may stay: every word is a name (capitalised, or a
    known name or unit) and no ordinary lower-case English word is left."""
    if SAME_IN_KOREAN.match(msgid.strip()) or not any(c.isalpha() for c in msgid):
        return True
    words = re.findall(r"[A-Za-z][A-Za-z\-]*", msgid)
    return all(_is_name(w) or len(w) <= 2 for w in words)


def _is_name(w: str) -> bool:
    """An acronym (SVM, L-BFGS), a camel-cased name (AdaGrad, LeCun) or a listed name, part by part."""
    parts = [p for p in w.split("-") if p]
    return w.lower() in ENGLISH_OK or all(
        p.lower() in ENGLISH_OK or p.isupper() or any(c.isupper() for c in p[1:]) for p in parts
    )


def test_every_message_has_a_korean_translation() -> None:
    cat = _catalog()
    ids = [m for m in cat if m.id]
    assert len(ids) > 300, f"only {len(ids)} messages: is the catalog extracted?"
    empty = [m.id for m in ids if not m.string or (isinstance(m.string, tuple) and not all(m.string))]
    assert not empty, f"{len(empty)} untranslated, e.g. {empty[:5]}"
    fuzzy = [m.id for m in ids if m.fuzzy]
    assert not fuzzy, f"{len(fuzzy)} fuzzy (unchecked) translations, e.g. {fuzzy[:5]}"
    same = [m.id for m in ids if isinstance(m.id, str) and m.string == m.id and not _same_allowed(m.id)]
    assert not same, f"{len(same)} messages left in English, e.g. {same[:8]}"


def test_translations_keep_every_placeholder() -> None:
    fmt = string.Formatter()
    for m in _catalog():
        if not m.id or not isinstance(m.id, str):
            continue
        names = sorted({f for _, f, _, _ in fmt.parse(m.id) if f is not None})
        got = sorted({f for _, f, _, _ in fmt.parse(m.string) if f is not None})
        assert got == names, f"{m.id!r} -> {m.string!r}: placeholders {names} became {got}"
        for pct in re.findall(r"%\{[^}]*\}|%[sd]", m.id):  # plotly hover templates, printf
            assert pct in m.string, f"{m.id!r} -> {m.string!r} lost {pct}"


def test_catalog_holds_every_message_the_code_marks(tmp_path: Path) -> None:
    """Babel extraction over the code and the shipped scenes finds nothing the .po lacks."""
    pot = tmp_path / "optviz.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "pyproject.toml", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as f:
        extracted = {m.id for m in read_po(f) if m.id}
    in_po = {m.id for m in _catalog() if m.id}
    missing = sorted(str(m) for m in extracted - in_po)
    assert not missing, f"{len(missing)} messages not in the catalog (run pybabel update): {missing[:5]}"


def test_korean_messages_and_english_source() -> None:
    i18n.translations.cache_clear()
    with i18n.use_lang("ko"):
        ko = i18n._("Language")
        assert ko != "Language" and re.search("[가-힣]", ko)
        # a user's own title is never translated
        assert i18n._("My own title 42") == "My own title 42"
        assert spoken_title("Learning rate" + STALE_SUFFIX).endswith(i18n._(STALE_SUFFIX))
    assert i18n._("Language") == "Language"
    assert i18n.current_lang() == "en"


def test_lang_of_browser_locales() -> None:
    assert [i18n.lang_of(x) for x in ("ko", "ko-KR", "ko_KR", "KO-kr", "en-US", "de", None, "")] == [
        "ko",
        "ko",
        "ko",
        "ko",
        "en",
        "en",
        "en",
        "en",
    ]
    with pytest.raises(ValueError, match="lang"):
        i18n.set_lang("fr")
    with pytest.raises(ValueError, match="lang"):
        Display(lang="kr")


def test_source_checkout_compiles_a_newer_po_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = tmp_path / "ko" / "LC_MESSAGES"
    d.mkdir(parents=True)
    (d / "optviz.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Language"\nmsgstr "언어"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        with i18n.use_lang("ko"):
            assert i18n._("Language") == "언어"
    finally:
        i18n.translations.cache_clear()


def test_korean_share_link_round_trips() -> None:
    scene = replace(Scene(), display=replace(Display(), lang="ko", presentation=True, title="학습률 비교"))
    q = scene.to_query()
    assert q["d_lang"] == "ko"
    back, notices = Scene.from_query(q)
    assert back == scene and not notices
    assert Scene.from_json(scene.to_json()) == scene


# ----------------------------------------------------------------------------- the page in Korean

_WORD = re.compile(r"[A-Za-z][A-Za-z\-]{2,}")
_IGNORED = re.compile(r"\$[^$]*\$|`[^`]*`|https?://\S+|\([a-z_]+\)|[A-Za-z_]+\.(?:json|png|svg|csv)|:material/\w+:")
# option lists that are not words: the shipped scenes' file names, and each language in its own name
_OPTIONS_EXEMPT = {"demo", "lang"}


def _english_words(text: str) -> list[str]:
    text = _IGNORED.sub(" ", text or "")

    def name(w: str) -> bool:  # an acronym (SVM, L-BFGS) or a known name, part by part (Goldstein-Price)
        return (
            w.isupper()
            or w.lower() in ENGLISH_OK
            or all(p.lower() in ENGLISH_OK or p.isupper() for p in w.split("-") if p)
        )

    return [w for w in _WORD.findall(text) if not name(w)]


@pytest.mark.parametrize("view", ["surfaces", "mlp"])
def test_the_page_in_korean_shows_no_english_widget_label(warm_jit: None, view: str) -> None:
    at = run_app({"d_lang": "ko", "view": view}, timeout=90)
    assert_page_ok(at)
    kinds = (
        "button", "checkbox", "toggle", "slider", "select_slider", "selectbox", "multiselect", "radio",
        "number_input", "text_input", "text_area", "segmented_control", "tabs", "expander", "download_button",
    )  # fmt: skip
    found = {}
    for kind in kinds:
        try:
            elements = at.get(kind)
        except Exception:  # noqa: BLE001 - a kind AppTest does not know by that name
            continue
        for el in elements:
            label = getattr(el, "label", None) or getattr(el.proto, "label", "")
            words = _english_words(label)
            if words:
                found[f"{kind}:{getattr(el, 'key', None)}"] = label
            if getattr(el, "key", None) not in _OPTIONS_EXEMPT:
                for option in getattr(el, "options", None) or ():
                    if _english_words(str(option)):
                        found[f"{kind}:{getattr(el, 'key', None)} option"] = str(option)
    assert not found, f"{len(found)} English labels in the Korean page: {found}"
    assert re.search("[가-힣]", " ".join(getattr(b, "label", "") for b in at.get("button")))
