"""``partnerbot teams-app``: the package's manifest against Microsoft's published JSON schema
(from the npm package ``@microsoft/app-manifest``, installed by scripts/test.sh), and its
icons as Teams requires them."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import jsonschema
import pytest

from bot.config import SecretRef, TeamsAppConfig
from bot.transports.teams.app_package import (
    MANIFEST_VERSION,
    PackageError,
    build_manifest,
    color_icon,
    outline_icon,
)

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_ENV = "PARTNERBOT_TEAMS_MANIFEST_SCHEMAS"
DEFAULT_SCHEMAS = (
    ROOT / ".tools/manifest-schema/node_modules/@microsoft/app-manifest/build/json-schemas/teams"
)
APP_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
APP = TeamsAppConfig(
    app_id=APP_ID,
    tenant_id=TENANT,
    client_secret=SecretRef(env="S"),
    public_host="bot.example.org",
    developer_name="Gemeente Voorbeeld",
    website_url="https://www.example.org/partnerwijzer",
    privacy_url="https://www.example.org/privacy",
    terms_url="https://www.example.org/voorwaarden",
)
LONG = "Wat mag een buitengewoon opsporingsambtenaar online doen bij jongeren?"


def schema() -> dict[str, object]:
    folder = Path(os.environ.get(SCHEMA_ENV) or DEFAULT_SCHEMAS)
    path = folder / f"v{MANIFEST_VERSION}" / "MicrosoftTeams.schema.json"
    if not path.exists():
        # scripts/test.sh installs it and sets the variable below: there a miss is a failure.
        missing = pytest.fail if os.environ.get("PARTNERBOT_REQUIRE_PLAYGROUND") else pytest.skip
        missing(f"no manifest schema at {path}: run scripts/test.sh")
    loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def test_the_manifest_is_valid_against_microsofts_schema() -> None:
    manifest = build_manifest(APP, ["Wat doet de politie online?", LONG], "0.1.0")
    validator = jsonschema.Draft4Validator(
        schema(), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(manifest), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID == manifest["id"]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert manifest["validDomains"] == ["bot.example.org"]
    titles = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert "Wat doet de politie online?" in titles
    assert all(len(title) <= 32 for title in titles)


def test_a_broken_manifest_is_caught_by_the_schema() -> None:
    # The check can fail: a manifest without a bot id or with a bad scope is refused.
    manifest = build_manifest(APP, [], "0.1.0")
    manifest["bots"][0]["scopes"] = ["personal", "everywhere"]
    del manifest["bots"][0]["botId"]
    assert len(list(jsonschema.Draft4Validator(schema()).iter_errors(manifest))) >= 2


def test_no_package_without_a_registered_app_or_the_publishers_pages() -> None:
    with pytest.raises(PackageError, match=r"teams_app\.app_id"):
        build_manifest(TeamsAppConfig(unauthenticated=True), [], "0.1.0")
    with pytest.raises(PackageError, match=r"teams_app\.privacy_url"):
        build_manifest(dataclasses.replace(APP, privacy_url=""), [], "0.1.0")


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + body) == crc
        chunks[kind] = chunks.get(kind, b"") + body
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 6)  # 8-bit RGBA
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * 4 + 1
    pixels = [
        tuple(raw[row * stride + 1 + x * 4 : row * stride + 5 + x * 4])
        for row in range(height)
        for x in range(width)
    ]
    return width, height, pixels


def test_icons_are_the_sizes_and_colours_teams_requires() -> None:
    width, height, pixels = decode_png(color_icon())
    assert (width, height) == (192, 192)
    assert all(pixel[3] == 255 for pixel in pixels)  # opaque
    assert len(set(pixels)) == 2  # the accent colour and the white sign
    width, height, pixels = decode_png(outline_icon())
    assert (width, height) == (32, 32)
    assert set(pixels) == {(255, 255, 255, 255), (0, 0, 0, 0)}  # white on transparent
    assert 0.05 < pixels.count((255, 255, 255, 255)) / len(pixels) < 0.6


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"teams_app:\n  app_id: {APP_ID}\n  tenant_id: {TENANT}\n"
        "  client_secret: {env: TEAMS_APP_SECRET}\n  public_host: bot.example.org\n"
        "  developer_name: Gemeente Voorbeeld\n  website_url: https://www.example.org/pw\n"
        "  privacy_url: https://www.example.org/privacy\n"
        "  terms_url: https://www.example.org/voorwaarden\n",
        encoding="utf-8",
    )
    return config


def test_the_cli_writes_the_package(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    out = tmp_path / "partnerwijzer.zip"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "teams-app", "--config", str(config), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TEAMS_APP_SECRET": "x"},
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == APP_ID
    assert not list(jsonschema.Draft4Validator(schema()).iter_errors(manifest))


def test_out_dash_writes_the_zip_to_standard_output(tmp_path: Path) -> None:
    """A packaging tool's "-" is stdout (zip, tar, curl), not a file named "-"."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "teams-app", "--config", "config.yaml", "--out", "-"],
        capture_output=True,
        check=False,
        cwd=write_config(tmp_path).parent,
        env={**os.environ, "TEAMS_APP_SECRET": "x"},
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "-").exists()
    with zipfile.ZipFile(io.BytesIO(result.stdout)) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert json.loads(archive.read("manifest.json"))["id"] == APP_ID
    assert result.stderr.decode().startswith("wrote the package to standard output")


class _Terminal(io.StringIO):
    buffer = io.BytesIO()

    def isatty(self) -> bool:
        return True


def test_out_dash_onto_a_terminal_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    from bot.cli.teams_app import teams_app_command

    monkeypatch.setenv("TEAMS_APP_SECRET", "x")
    monkeypatch.chdir(tmp_path)
    args = argparse.Namespace(config=str(write_config(tmp_path)), out="-", knowledge=None)
    out, err = _Terminal(), io.StringIO()
    assert teams_app_command(args, out, err) == 1
    assert out.getvalue() == "" and out.buffer.getvalue() == b""
    assert err.getvalue() == (
        "error: --out -: standard output is a terminal; redirect it "
        "(--out - > partnerwijzer.zip) or give a file name (--out partnerwijzer.zip)\n"
    )
    assert not (tmp_path / "-").exists()


def test_the_cli_refuses_an_unauthenticated_setup(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("teams_app:\n  unauthenticated: true\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "teams-app", "--config", str(config), "--out", "x.zip"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "teams_app.app_id" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.zip").exists()
