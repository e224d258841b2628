"""Running this checkout's code in a child process of this Python, as a user runs
``partnerbot``: shared by the CLI, hostile-input, config and knowledge tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HASH_SEEDS = ("1", "2", "3", "4")


def run_bot(
    *args: str,
    stdin: bytes = b"",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m bot *args`` in the repository, with its own index cache folder."""
    environ = {**os.environ, **(env or {})}
    environ["PYTHONPATH"] = str(REPO)
    environ.setdefault("PARTNERBOT_CACHE_DIR", tempfile.mkdtemp(prefix="pw-cache-"))
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        cwd=REPO,
        env=environ,
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def stdout_under_hash_seeds(code: str, *args: str) -> list[str]:
    """What ``python -c code *args`` prints under each of ``HASH_SEEDS``: output that must
    not depend on the order of sets and dicts is compared across them."""
    outputs = []
    for seed in HASH_SEEDS:
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        result = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=True,
        )
        outputs.append(result.stdout)
    return outputs
