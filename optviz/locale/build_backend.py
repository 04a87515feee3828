"""optviz's PEP 517 build backend: setuptools, after compiling the gettext catalogs.

Every `optviz/locale/<lang>/LC_MESSAGES/optviz.po` becomes its `.mo` beside it (Babel's compiler,
fuzzy entries left out), so wheels and editable installs ship compiled catalogs; `optviz.i18n`
reads them.  pyproject.toml names this module (`backend-path = ["optviz/locale"]`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (the rest of the PEP 517 hooks, unchanged)

LOCALE_DIR = Path(__file__).resolve().parent


def compile_catalogs() -> list[Path]:
    """Compile each .po under this directory to its .mo; return the .mo paths written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    out = []
    for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as f:
            catalog = read_po(f)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        out.append(mo)
    return out


def build_wheel(wheel_directory: str, config_settings: Any = None, metadata_directory: Any = None) -> str:
    compile_catalogs()
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory: str, config_settings: Any = None, metadata_directory: Any = None) -> str:
    compile_catalogs()
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory: str, config_settings: Any = None) -> str:
    compile_catalogs()
    return _setuptools.build_sdist(sdist_directory, config_settings)
