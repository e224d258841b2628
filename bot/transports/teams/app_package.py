"""The Teams app package (``partnerbot teams-app --out partnerwijzer.zip``): manifest.json
and its two icons, zipped, ready to upload in Teams (Apps > Manage your apps > Upload) or
in the Teams admin center.

The manifest follows Microsoft's published schema (tests validate it against the copy in
the npm package ``@microsoft/app-manifest``). The icons are drawn here, so the package needs
no image files or image library: a 192×192 colour icon and a 32×32 outline icon (white on
transparent, as Teams requires).
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from bot.config import TeamsAppConfig

MANIFEST_VERSION = "1.24"
SCHEMA_URL = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/"
    f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
ACCENT = (0x1F, 0x5C, 0x99)  # Rijksoverheid-like blue: the colour icon's background


class PackageError(ValueError):
    """The config cannot make a package (the message names the key)."""


# --- icons ----------------------------------------------------------------------------------


def _png(size: int, pixel: Callable[[int, int], tuple[int, int, int, int]]) -> bytes:
    """An RGBA PNG of ``size``×``size`` whose pixels come from ``pixel(x, y)``."""
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter type: none
        for x in range(size):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _bubble(x: float, y: float) -> bool:
    """A speech bubble in unit coordinates (0..1): the sign of a question-and-answer bot."""
    inside_body = ((x - 0.5) / 0.36) ** 2 + ((y - 0.45) / 0.28) ** 2 <= 1.0
    # The tail: a triangle below the body, towards the lower left.
    in_tail = 0.28 <= x <= 0.45 and 0.62 <= y <= 0.84 and (y - 0.62) <= (0.45 - x) * 1.3
    return inside_body or in_tail


def _dots(x: float, y: float) -> bool:
    """Three dots inside the bubble."""
    return any(((x - cx) / 0.05) ** 2 + ((y - 0.45) / 0.05) ** 2 <= 1.0 for cx in (0.36, 0.5, 0.64))


def color_icon(size: int = 192) -> bytes:
    """Full-bleed accent colour with a white speech bubble (Teams rounds the corners)."""
    white = (255, 255, 255, 255)
    accent = (*ACCENT, 255)

    def pixel(px: int, py: int) -> tuple[int, int, int, int]:
        x, y = (px + 0.5) / size, (py + 0.5) / size
        if _bubble(x, y) and not _dots(x, y):
            return white
        return accent

    return _png(size, pixel)


def outline_icon(size: int = 32) -> bytes:
    """White speech bubble outline on a transparent background."""

    def pixel(px: int, py: int) -> tuple[int, int, int, int]:
        x, y = (px + 0.5) / size, (py + 0.5) / size
        inner = 1.0 / size * 2.2  # the outline's width: about two pixels
        edge = _bubble(x, y) and not all(
            _bubble(x + dx, y + dy) for dx in (-inner, inner) for dy in (-inner, inner)
        )
        return (255, 255, 255, 255) if edge or (_bubble(x, y) and _dots(x, y)) else (0, 0, 0, 0)

    return _png(size, pixel)


# --- manifest -------------------------------------------------------------------------------


def _commands(examples: Sequence[str]) -> list[dict[str, str]]:
    """Teams shows these as suggestions in the compose box (title ≤ 32, description ≤ 128)."""
    commands = [
        {"title": "help", "description": "Wat ik kan en hoe je een vraag stelt"},
        {"title": "partners", "description": "De partners in de infographic"},
        {"title": "contact", "description": "Contactgegevens voor vragen over de infographic"},
    ]
    for example in examples:
        if len(commands) == 10:
            break
        if len(example) <= 32:
            commands.append({"title": example, "description": "Een voorbeeldvraag"})
        else:
            commands.append({"title": example[:31].rstrip() + "…", "description": example[:128]})
    return commands


def build_manifest(app: TeamsAppConfig, examples: Sequence[str], version: str) -> dict[str, Any]:
    """The manifest for this bot; raises PackageError when the config lacks what it needs."""
    if app.unauthenticated or not app.app_id:
        raise PackageError(
            "teams_app.app_id: the package needs the bot's registered app id "
            "(an unauthenticated test setup has none)"
        )
    missing = [
        key
        for key in ("developer_name", "website_url", "privacy_url", "terms_url")
        if not getattr(app, key)
    ]
    if missing:
        raise PackageError(
            f"teams_app.{missing[0]}: the package needs the publisher's name and https pages "
            "(website_url, privacy_url, terms_url) that Teams shows on the app's details"
        )
    commands = _commands(examples)
    domains = [app.public_host] if app.public_host else []
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app.app_id,
        "developer": {
            "name": app.developer_name,
            "websiteUrl": app.website_url,
            "privacyUrl": app.privacy_url,
            "termsOfUseUrl": app.terms_url,
        },
        "name": {"short": "Partnerwijzer", "full": "Partnerwijzer: wie mag wat online"},
        "description": {
            "short": "Vragen over de informatiepositie van partners online",
            "full": (
                "Partnerwijzer beantwoordt vragen over de infographic 'De informatiepositie "
                "van partners in de online leefwereld': wat politie, gemeente, school, "
                "jongerenwerk en andere partners online mogen en kunnen. Stel je vraag in een "
                "1-op-1-chat, of noem @Partnerwijzer in een kanaal of groepschat."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app.app_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal", "team", "groupChat"], "commands": commands}
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": domains,
        "defaultInstallScope": "personal",
    }


def package_bytes(manifest: dict[str, Any]) -> bytes:
    """The zip Teams takes: manifest.json and the icons at its top level."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()
