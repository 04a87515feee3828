"""What a person reads, in the lecture's language: one translation function over gettext catalogs.

    _(msg)              `msg` in the current language (English is the source: msgid == English)
    N_(msg)             marks a module-level constant for extraction; translate it where it is shown
    use_lang(lang)      a context in which `_` speaks `lang` ("en" or "ko"); the page sets it per rerun
    set_lang(lang)      the same for the rest of the current thread's context (one Streamlit rerun)
    lang_of(locale)     "ko" for a Korean browser locale ("ko", "ko-KR"), else "en"

The catalogs are GNU gettext: `optviz/locale/optviz.pot` (extracted by Babel from the code, the
registries and the shipped scenes' titles and captions) and `optviz/locale/ko/LC_MESSAGES/optviz.po`
(the Korean, in the lecture notes' words: `docs/glossary.md`).  The `.mo` is compiled at build time
(`optviz/locale/build_backend.py`, the package's PEP 517 backend); a source checkout whose `.po` is
newer than its `.mo` compiles it in memory with Babel instead, so an edited translation shows at once.

Why gettext and Babel rather than a dict: the catalog is a standard file that translators' tools
(Poedit, Weblate) read, `pybabel extract` finds every marked string so none is forgotten, and plural
forms and fuzzy entries come for free.  The Python API's ValueErrors stay English (for programmers).

The current language lives in a ContextVar: Streamlit runs each session's rerun in its own thread,
so two students' pages in two languages never see each other's choice.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

LANGS: tuple[str, ...] = ("en", "ko")
LANG_NAMES: Mapping[str, str] = {"ko": "한국어", "en": "English"}  # each in its own language
DOMAIN = "optviz"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current: ContextVar[str] = ContextVar("optviz_lang", default="en")


def check_lang(lang: Any) -> str:
    """`lang` if it is a language optviz speaks, else a ValueError naming the choices."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def _catalog_paths(lang: str) -> tuple[Path, Path]:
    d = LOCALE_DIR / lang / "LC_MESSAGES"
    return d / f"{DOMAIN}.po", d / f"{DOMAIN}.mo"


def compile_catalog(po: Path) -> bytes:
    """The .mo bytes of a .po file (Babel's compiler; fuzzy entries are left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of `lang` (English: the identity)."""
    check_lang(lang)
    if lang == "en":
        return gettext.NullTranslations()
    po, mo = _catalog_paths(lang)
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as f:
            return gettext.GNUTranslations(f)
    if not po.exists():
        raise FileNotFoundError(f"no catalog for {lang!r}: {po} is missing")
    return gettext.GNUTranslations(io.BytesIO(compile_catalog(po)))


def current_lang() -> str:
    return _current.get()


def set_lang(lang: str) -> None:
    """Speak `lang` for the rest of this context (the page calls it at the top of every rerun)."""
    _current.set(check_lang(lang))


@contextmanager
def use_lang(lang: str) -> Iterator[str]:
    """`with use_lang("ko"): ...`: `_` speaks Korean inside, the previous language after."""
    token = _current.set(check_lang(lang))
    try:
        yield lang
    finally:
        _current.reset(token)


def _(msg: str) -> str:
    """`msg` (English, a msgid of the catalog) in the current language; unknown text comes back as is
    (a user's own title is never translated behind their back)."""
    if not msg:
        return msg
    return translations(_current.get()).gettext(msg)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message for `n`, in the current language."""
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(msg: str) -> str:
    """Mark `msg` for extraction without translating it (a constant; call `_` where it is shown)."""
    return msg


def lang_of(locale: str | None) -> str:
    """The language optviz speaks for a browser locale: "ko" for ko, ko-KR, ko_KR; else "en"."""
    if locale and str(locale).replace("_", "-").lower().split("-")[0] == "ko":
        return "ko"
    return "en"


# ----------------------------------------------------------------------------- extraction (Babel)


def extract_scene_json(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple]:
    """Babel extraction method for shipped scene files: their display title and caption are read by
    the audience, so they are messages too (`pybabel extract -F pyproject.toml`)."""
    import json

    data = json.loads(fileobj.read().decode("utf-8"))
    display = data.get("display", {}) if isinstance(data, dict) else {}
    for name in ("title", "caption"):
        text = display.get(name)
        if isinstance(text, str) and text.strip():
            yield 1, None, text, [f"scene {name}"]
