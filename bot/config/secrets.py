"""Secrets: where one comes from (``SecretRef``: an environment variable or a file, never
inline), the value that never shows itself (``Secret``), reading it, and checking at load
time that it can be read."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Secret:
    """A secret value that never shows itself in repr, str or logs."""

    value: str = dataclasses.field(repr=False)

    def __str__(self) -> str:
        return "***"


@dataclass(frozen=True)
class SecretRef:
    """Where a secret comes from: an environment variable or a file (Docker secrets).
    With both, the variable wins when it is set, else the file is read."""

    env: str | None = None
    file: str | None = None


def resolve_secret(ref: SecretRef, environ: Mapping[str, str]) -> Secret | None:
    """Read a secret from its environment variable (when set) or else its file; None when
    neither is given. Raises OSError or ValueError for an unreadable or non-text file."""
    if ref.env and environ.get(ref.env):
        return Secret(environ[ref.env])
    if ref.file:
        return Secret(read_secret_file(ref.file))
    return None


def read_secret_file(name: str) -> str:
    data = Path(name).read_bytes()
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ValueError("holds binary data, not text") from None


def check_secret(
    ref: SecretRef, path: str, environ: Mapping[str, str], problems: list[str], required: bool
) -> None:
    if ref.env and environ.get(ref.env):
        return  # the variable wins over the file
    if ref.file:
        try:
            if not read_secret_file(ref.file):
                problems.append(f"{path}.file: {ref.file} is empty")
        except OSError as error:
            unset = f"environment variable {ref.env} is not set and " if ref.env else ""
            problems.append(f"{path}.file: {unset}cannot read {ref.file}: {error.strerror}")
        except ValueError as error:
            problems.append(f"{path}.file: {ref.file} {error}")
        return
    if ref.env and required:
        problems.append(f"{path}.env: environment variable {ref.env} is not set")
    if required and not ref.env:
        problems.append(f"{path}: required; set 'env' (a variable name) or 'file' (a path)")


def check_base64_token(
    ref: SecretRef, path: str, environ: Mapping[str, str], problems: list[str]
) -> None:
    """Teams shows the security token base64-encoded; anything else cannot sign."""
    try:
        secret = resolve_secret(ref, environ)
    except (OSError, ValueError):
        return  # reported by check_secret
    if secret is None:
        return
    try:
        if not base64.b64decode(secret.value, validate=True):
            raise ValueError
    except ValueError:
        problems.append(
            f"{path}: the token is not valid base64; copy it exactly as Teams showed it"
        )
