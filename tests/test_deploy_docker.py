"""The Dockerfile, without a Docker engine: its builder's pip install runs here, in a
temporary venv, on exactly the files its COPY steps take; the installed ``partnerbot`` serves
from outside the checkout, and the HEALTHCHECK command judges it.

Pip's own cache is used (the image sets PIP_NO_CACHE_DIR only to stay small), so a second
run takes seconds; the first needs network access to PyPI, as ``docker build`` does.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.config import WebConfig

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "Dockerfile"
FIXTURE = Path(__file__).parent / "fixtures" / "knowledge"
VENV_IN_IMAGE = "/opt/venv"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def parse_dockerfile(text: str) -> list[Stage]:
    """Stages with their instructions; continuation lines joined, comments dropped."""
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = args.split()
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(parts[0], name))
        else:
            assert stages, f"{keyword} before FROM"
            stages[-1].instructions.append((keyword, args.strip()))
    return stages


def exec_form(args: str) -> list[str]:
    """The JSON array of CMD/HEALTHCHECK CMD (the exec form, never a shell)."""
    parsed = json.loads(args)
    assert isinstance(parsed, list) and all(isinstance(a, str) for a in parsed)
    return parsed


def healthcheck_command(stage: Stage) -> list[str]:
    (check,) = stage.all("HEALTHCHECK")
    _options, _, command = check.partition(" CMD ")
    return exec_form(command)


def dockerignore() -> list[str]:
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- the file itself ------------------------------------------------------------------------


def test_multi_stage_on_slim_python_non_root_with_a_volume(stages: list[Stage]) -> None:
    builder, final = stages
    assert builder.name == "builder"
    assert builder.base == final.base == "python:3.11-slim"
    (user,) = final.all("USER")
    assert user not in {"root", "0"}
    assert final.all("COPY")[0] == f"--from=builder {VENV_IN_IMAGE} {VENV_IN_IMAGE}"
    assert any("/var/lib/partnerbot" in volume for volume in final.all("VOLUME"))
    env = " ".join(final.all("ENV"))
    assert "PARTNERBOT_CACHE_DIR=/var/lib/partnerbot/" in env
    assert f"PATH={VENV_IN_IMAGE}/bin:" in env
    assert final.all("WORKDIR") == ["/var/lib/partnerbot"]  # relative store paths: the volume


def test_the_default_command_runs_the_mounted_config_on_the_copied_knowledge(
    stages: list[Stage],
) -> None:
    final = stages[-1]
    (cmd,) = final.all("CMD")
    command = exec_form(cmd)
    assert command[:4] == ["partnerbot", "run", "--config", "/etc/partnerbot/config.yaml"]
    knowledge = command[command.index("--knowledge") + 1]
    assert f"knowledge {knowledge}" in final.all("COPY")


def test_the_healthcheck_asks_healthz_on_the_default_port(stages: list[Stage]) -> None:
    command = healthcheck_command(stages[-1])
    assert command[:2] == ["python", "-c"]
    assert f"http://127.0.0.1:{WebConfig().port}/healthz" in command[2]
    compile(command[2], "<healthcheck>", "exec")


def test_dockerignore_keeps_what_the_build_copies(stages: list[Stage]) -> None:
    patterns = dockerignore()
    sources = [
        source
        for stage in stages
        for copy in stage.all("COPY")
        if not copy.startswith("--from")
        for source in copy.split()[:-1]
    ]
    assert sources
    for source in sources:
        assert (REPO / source).exists(), source
        for pattern in patterns:
            assert not fnmatch.fnmatch(source, pattern), (source, pattern)
    for heavy in (".venv", ".git", "tests", "var"):
        assert heavy in patterns


# --- the install, as the builder stage does it ---------------------------------------------


@dataclass
class Installed:
    venv: Path
    python: Path
    partnerbot: Path


@pytest.fixture(scope="module")
def installed(stages: list[Stage], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    builder = stages[0]
    root = tmp_path_factory.mktemp("docker-build")
    venv = root / "venv"
    (workdir,) = builder.all("WORKDIR")
    context = root / workdir.strip("/")
    context.mkdir(parents=True)
    # COPY: exactly the files the builder takes from the build context.
    for copy in builder.all("COPY"):
        *sources, dest = copy.split()
        for source in sources:
            target = context / dest if dest not in {".", "./"} else context
            origin = REPO / source
            if origin.is_dir():
                shutil.copytree(
                    origin, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                )
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, target / origin.name)
    # RUN: the venv, then the pip install steps, with the image's venv path replaced.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    environ.pop("PYTHONPATH", None)
    pip_steps = 0
    for run in builder.all("RUN"):
        argv = [part.replace(VENV_IN_IMAGE, str(venv)) for part in shlex.split(run)]
        if argv[:3] == ["python", "-m", "venv"]:
            argv[0] = sys.executable
        else:
            assert argv[0] == f"{venv}/bin/pip" and argv[1] == "install", run
            pip_steps += 1
        subprocess.run(argv, cwd=context, env=environ, check=True, capture_output=True)
    assert pip_steps == 1
    yield Installed(venv, venv / "bin" / "python", venv / "bin" / "partnerbot")


@pytest.mark.slow
def test_the_install_is_the_package_not_the_checkout(installed: Installed, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            str(installed.python),
            "-c",
            "import bot, bot.transports.matrix, importlib.resources as r; "
            "from bot.knowledge import SHIPPED_KNOWLEDGE; "
            "print(bot.__file__); "
            "print(sorted(p.name for p in r.files('bot').joinpath('data').glob('*.txt'))); "
            "print(SHIPPED_KNOWLEDGE)",
        ],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        check=True,
    )
    location, data, knowledge = result.stdout.splitlines()
    assert Path(location).is_relative_to(installed.venv)
    shipped_data = sorted(p.name for p in (REPO / "bot" / "data").glob("*.txt"))
    assert shipped_data and data == repr(shipped_data)
    # The image's own copy of the knowledge, in the package (tests/test_wheel_install.py).
    assert Path(knowledge).is_relative_to(installed.venv)
    assert (Path(knowledge) / "taxonomy.yaml").is_file()


@pytest.mark.slow
def test_the_installed_bot_serves_and_the_healthcheck_judges_it(
    installed: Installed, stages: list[Stage], tmp_path: Path
) -> None:
    key = b"partnerbot docker test key"
    port = free_port()
    config = tmp_path / "etc" / "config.yaml"
    config.parent.mkdir()
    config.write_text(
        f"""
web:
  host: 127.0.0.1
  port: {port}
teams:
  webhooks:
    - name: wijkteam
      token: {{env: PARTNERBOT_TEAMS_TOKEN}}
""",
        encoding="utf-8",
    )
    workdir = tmp_path / "var-lib-partnerbot"  # the image's WORKDIR and volume
    workdir.mkdir()
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environ.update(
        PATH=f"{installed.venv}/bin:{environ.get('PATH', '')}",
        PARTNERBOT_CACHE_DIR=str(workdir / "cache"),
        PARTNERBOT_TEAMS_TOKEN=base64.b64encode(key).decode(),
    )
    # The image's CMD, with the config and knowledge at this test's paths.
    (cmd,) = stages[-1].all("CMD")
    command = [
        {"/etc/partnerbot/config.yaml": str(config), "/srv/partnerbot/knowledge": str(FIXTURE)}.get(
            part, part
        )
        for part in exec_form(cmd)
    ]
    command[0] = str(installed.partnerbot)
    health = healthcheck_command(stages[-1])
    health[0] = str(installed.python)
    health[2] = health[2].replace(f":{WebConfig().port}/", f":{port}/")

    def healthcheck() -> int:
        result = subprocess.run(health, env=environ, capture_output=True, timeout=30, check=False)
        return result.returncode

    log = tmp_path / "bot.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=workdir, env=environ, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:  # readiness probe, not a synchronisation by sleeping
            assert process.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
        assert healthcheck() == 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert healthcheck() != 0  # nothing listening: unhealthy
    assert (workdir / "var" / "partnerbot.sqlite3").exists()  # default storage: the volume
    assert any((workdir / "cache").iterdir())  # the index cache: the volume
    assert "Traceback" not in log.read_text(encoding="utf-8")
