"""The checks on values that convert fine but make no sense together or for the bot: ranges,
URLs, ids, secrets that cannot be read, the Teams app's and the editors' rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from bot.config.secrets import check_base64_token, check_secret
from bot.config.sections import Config, EditorConfig, MatchingConfig, TeamsAppConfig, WebConfig


def validate(config: Config, environ: Mapping[str, str], problems: list[str]) -> None:
    if config.logging.level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        problems.append(f"logging.level: unknown level {config.logging.level!r}")
    if config.logging.format not in {"text", "json"}:
        problems.append(f"logging.format: expected 'text' or 'json', got {config.logging.format!r}")
    if config.privacy.retention_days < 1:
        problems.append("privacy.retention_days: must be at least 1")
    if config.assistant.conversation_minutes < 0:
        problems.append("assistant.conversation_minutes: must not be negative")
    if not config.assistant.command_prefix.strip():
        problems.append("assistant.command_prefix: must not be empty")
    _validate_matching(config.matching, problems)
    if not 0 < config.web.port < 65536:
        problems.append(f"web.port: {config.web.port} is not a TCP port")
    for name in ("per_user_per_minute", "per_room_per_minute"):
        if getattr(config.flood, name) < 1:  # 0 would silence the bot after one notice
            problems.append(f"flood.{name}: must be at least 1")
    matrix = config.matrix
    if matrix is not None:
        if not matrix.homeserver.startswith(("http://", "https://")):
            problems.append("matrix.homeserver: required, an http(s) URL")
        if not (matrix.user_id.startswith("@") and ":" in matrix.user_id):
            problems.append("matrix.user_id: required, like '@partnerbot:example.org'")
        has_token = bool(matrix.access_token.env or matrix.access_token.file)
        has_password = bool(matrix.password.env or matrix.password.file)
        if not has_token and not has_password:
            problems.append("matrix: set access_token or password (each as 'env' or 'file')")
        if has_token:
            check_secret(matrix.access_token, "matrix.access_token", environ, problems, True)
        if has_password:
            check_secret(matrix.password, "matrix.password", environ, problems, True)
        if matrix.catch_up_minutes < 0:
            problems.append("matrix.catch_up_minutes: must not be negative")
    teams = config.teams
    if teams is not None:
        if not teams.webhooks:
            problems.append("teams.webhooks: configure at least one webhook")
        seen: set[str] = set()
        for index, hook in enumerate(teams.webhooks):
            path = f"teams.webhooks[{index}]"
            if not hook.name or not hook.name.replace("-", "").replace("_", "").isalnum():
                problems.append(f"{path}.name: required, letters, digits, '-' or '_'")
            if hook.name in seen:
                problems.append(f"{path}.name: '{hook.name}' is used twice")
            seen.add(hook.name)
            check_secret(hook.token, f"{path}.token", environ, problems, True)
            check_base64_token(hook.token, f"{path}.token", environ, problems)
        if teams.max_body_bytes < 1024:
            problems.append("teams.max_body_bytes: must be at least 1024")
        if not 0 < teams.reply_timeout_seconds < 5:
            problems.append("teams.reply_timeout_seconds: must be between 0 and 5 (Teams' limit)")
    if config.teams_app is not None:
        _validate_teams_app(config.teams_app, config.web, environ, problems)


_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


def _validate_teams_app(
    app: TeamsAppConfig, web: WebConfig, environ: Mapping[str, str], problems: list[str]
) -> None:
    if app.unauthenticated:
        if web.host not in _LOOPBACK:
            problems.append(
                "teams_app.unauthenticated: only for local testing; refused because web.host "
                f"{web.host!r} is not loopback (127.0.0.1)"
            )
    else:
        if not _GUID.match(app.app_id):
            problems.append("teams_app.app_id: required, the Entra app (client) id, a GUID")
        if not _GUID.match(app.tenant_id):
            problems.append("teams_app.tenant_id: required, the Entra tenant id, a GUID")
        has_secret = bool(app.client_secret.env or app.client_secret.file)
        if has_secret == bool(app.certificate_file):
            problems.append("teams_app: set client_secret ('env' or 'file') or certificate_file")
        if has_secret:
            check_secret(app.client_secret, "teams_app.client_secret", environ, problems, True)
        if app.certificate_file and not Path(app.certificate_file).is_file():
            problems.append(f"teams_app.certificate_file: {app.certificate_file} does not exist")
    for index, tenant in enumerate(app.allowed_tenants):
        if not _GUID.match(tenant):
            problems.append(f"teams_app.allowed_tenants[{index}]: {tenant!r} is not a tenant id")
    if app.max_body_bytes < 1024:
        problems.append("teams_app.max_body_bytes: must be at least 1024")
    for key in ("website_url", "privacy_url", "terms_url"):
        url = getattr(app, key)
        if url and not url.startswith("https://"):
            problems.append(f"teams_app.{key}: must be an https:// address")


def _validate_matching(matching: MatchingConfig, problems: list[str]) -> None:
    in_range = True
    for name in ("answer_threshold", "clarify_threshold", "clarify_margin"):
        value = getattr(matching, name)
        if not 0 <= value <= 100:
            problems.append(f"matching.{name}: {value} is outside 0-100 (scores run 0-100)")
            in_range = False
    if in_range and matching.clarify_threshold > matching.answer_threshold:
        problems.append(
            f"matching.clarify_threshold: {matching.clarify_threshold} is above "
            f"answer_threshold ({matching.answer_threshold}); it must not be"
        )


_HEADER_RE = re.compile(r"^[A-Za-z0-9-]+$")
_HASH_PREFIXES = ("$argon2id$", "$argon2i$", "$argon2d$")


def validate_editor(editor: EditorConfig, problems: list[str]) -> None:
    if not editor.editors and not editor.trusted_header:
        problems.append("editor: list at least one editor in 'editors' or set 'trusted_header'")
    seen: set[str] = set()
    for index, user in enumerate(editor.editors):
        path = f"editor.editors[{index}]"
        if not user.name.strip() or any(ch.isspace() or ch in "<>" for ch in user.name):
            problems.append(f"{path}.name: required, one word without spaces or '<>'")
        if user.name in seen:
            problems.append(f"{path}.name: '{user.name}' is used twice")
        seen.add(user.name)
        if user.email and ("@" not in user.email or any(ch in user.email for ch in " <>")):
            problems.append(f"{path}.email: '{user.email}' is not an e-mail address")
        if not user.password_hash.startswith(_HASH_PREFIXES):
            problems.append(
                f"{path}.password_hash: expected an argon2 hash from "
                "`partnerbot hash-password` (never the password itself)"
            )
    if editor.trusted_header and not _HEADER_RE.match(editor.trusted_header):
        problems.append("editor.trusted_header: a header name, e.g. 'X-Remote-User'")
    if editor.session_minutes <= 0:
        problems.append("editor.session_minutes: must be more than 0")
    if editor.login_attempts < 1:
        problems.append("editor.login_attempts: must be at least 1")


def follows_from(check: str, problems: list[str]) -> bool:
    """A value check about a key whose value was already refused: the value checked is the
    default put in its place ("web.port: 0 is not a TCP port" after "expected a whole
    number, got '80a'"), so the check would only mislead."""
    refused = {problem.split(":", 1)[0] for problem in problems}
    path, _, message = check.partition(":")
    return any(
        path == key
        or (key.rpartition(".")[0] == path.rpartition(".")[0] and key.rpartition(".")[2] in message)
        for key in refused
    )
