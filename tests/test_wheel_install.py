"""A regular install answers from the knowledge it carries: a wheel built from the checkout
(as ``pip install .``, ``pip wheel .`` and pipx build it) is installed into a fresh venv and
run from a folder outside the checkout, with nothing of the checkout on sys.path.

The dependencies come from pip's usual sources (its cache, then the index), as in
tests/test_deploy_docker.py; the wheel itself is installed from its file, never the index.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.index_cache import load_matcher
from bot.knowledge import KnowledgeBase, load_knowledge

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"
# What a build reads: pyproject.toml, setup.py (the knowledge as package data), MANIFEST.in.
BUILD_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "bot", "knowledge")
QUESTION = "mag een boa online rondkijken op instagram?"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout"),
]


@dataclass
class Installed:
    wheel: Path
    venv: Path
    package: Path  # the installed bot/
    cwd: Path  # an empty folder outside the checkout
    env: dict[str, str]

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.venv / "bin" / "partnerbot"), *args],
            cwd=self.cwd,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def _pip(python: Path | str, args: Sequence[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(python), "-m", "pip", *args], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    # A copy of the checkout: the build's build/ and *.egg-info stay out of the real one.
    source = root / "source"
    source.mkdir()
    for name in BUILD_FILES:
        origin = REPO / name
        if origin.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
            shutil.copytree(origin, source / name, ignore=ignore)
        else:
            shutil.copy2(origin, source / name)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    dist = root / "dist"
    _pip(sys.executable, ["wheel", "--no-deps", "--wheel-dir", str(dist), str(source)], env)
    (wheel,) = dist.glob("partnerwijzer-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    _pip(venv / "bin" / "python", ["install", "--quiet", str(wheel)], env)
    (package,) = venv.glob("lib/python3*/site-packages/bot")
    cwd = root / "elsewhere"
    cwd.mkdir()
    env["PARTNERBOT_CACHE_DIR"] = str(root / "cache")
    return Installed(wheel, venv, package, cwd, env)


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE)


def test_the_wheel_carries_every_knowledge_file(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as archive:
        names = set(archive.namelist())
    expected = {
        f"bot/data/knowledge/{path.relative_to(KNOWLEDGE)}"
        for path in KNOWLEDGE.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    }
    assert any(name.endswith(".yaml") for name in expected)
    assert expected <= names


def test_the_installed_bot_is_the_package_on_its_own_knowledge(installed: Installed) -> None:
    probe = (
        "import sys, bot; from bot.knowledge import SHIPPED_KNOWLEDGE, is_packaged; "
        "print(bot.__file__); print(SHIPPED_KNOWLEDGE); print(is_packaged(SHIPPED_KNOWLEDGE)); "
        "print(sys.path)"
    )
    result = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", probe],
        cwd=installed.cwd,
        env=installed.env,
        capture_output=True,
        text=True,
        check=True,
    )
    location, folder, packaged, path = result.stdout.splitlines()
    assert Path(location).parent == installed.package
    assert Path(folder) == installed.package / "data" / "knowledge"
    assert packaged == "True"
    assert str(REPO) not in path  # nothing of the checkout: no .pth, no cwd


def test_ask_answers_as_the_checkout_does(installed: Installed, knowledge: KnowledgeBase) -> None:
    from bot.cli import main

    _, matcher = load_matcher(KNOWLEDGE)
    decision = matcher.decide(QUESTION)
    assert decision.kind == "answer" and decision.best is not None
    lead = decision.best.entry.lead
    assert lead and knowledge.entry(decision.best.entry.id) is not None
    before = _files(installed.package)

    result = installed.run("ask", QUESTION)

    assert result.returncode == 0, result.stderr
    assert lead in result.stdout
    checkout = io.StringIO()
    with redirect_stdout(checkout):
        assert main(["ask", "--knowledge", str(KNOWLEDGE), QUESTION]) == 0
    assert result.stdout == checkout.getvalue()
    # The index went to the cache folder; nothing was written into the installed package.
    assert list(Path(installed.env["PARTNERBOT_CACHE_DIR"]).glob("index-*.pickle"))
    assert _files(installed.package) == before


def test_check_validates_the_packaged_knowledge(
    installed: Installed, knowledge: KnowledgeBase
) -> None:
    result = installed.run("check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"ok: {len(knowledge.entries)} entries")
    assert f"(versie {knowledge.version})" in result.stdout  # the same files, byte for byte


def test_teams_app_takes_its_examples_from_the_packaged_knowledge(
    installed: Installed, knowledge: KnowledgeBase
) -> None:
    config = installed.cwd / "teams.yaml"
    config.write_text(
        "teams_app:\n  app_id: 11111111-2222-3333-4444-555555555555\n"
        "  tenant_id: 66666666-7777-8888-9999-000000000000\n"
        "  client_secret: {env: TEAMS_APP_SECRET}\n  public_host: bot.example.org\n"
        "  developer_name: Gemeente Voorbeeld\n  website_url: https://www.example.org/pw\n"
        "  privacy_url: https://www.example.org/privacy\n"
        "  terms_url: https://www.example.org/voorwaarden\n",
        encoding="utf-8",
    )
    arguments = ("teams-app", "--config", "teams.yaml", "--out", "app.zip")
    result = installed.run(*arguments, TEAMS_APP_SECRET="x")
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(installed.cwd / "app.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    (commands,) = [item["commands"] for item in manifest["bots"][0]["commandLists"]]
    first = knowledge.entries[0].question
    assert any(first in (c["title"], c["description"]) for c in commands), commands


def test_beheer_will_not_edit_the_packaged_knowledge(installed: Installed) -> None:
    before = _files(installed.package)
    result = installed.run("beheer", "--port", "0")
    assert result.returncode == 1
    folder = installed.package / "data" / "knowledge"
    assert result.stderr.startswith(f"fout: {folder} is de kennisbank die met de bot is ")
    assert "--knowledge" in result.stderr and "Traceback" not in result.stderr
    assert _files(installed.package) == before
