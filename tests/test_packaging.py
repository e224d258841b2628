"""The package metadata a fresh ``pip install -e .`` builds from (README, first command)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = tomllib.loads(
    (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
)


def test_the_license_is_an_spdx_expression() -> None:
    """setuptools deprecates ``license = {text = ...}`` and stops building such projects
    after 2027-02-18; an SPDX string needs setuptools 77 or later to build."""
    assert PYPROJECT["project"]["license"] == "EUPL-1.2"
    (setuptools,) = [r for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")]
    found = re.fullmatch(r"setuptools>=(\d+)", setuptools)
    assert found and int(found[1]) >= 77, setuptools
