"""Configuration: frozen dataclasses, loaded from YAML and the environment.

A leaf module: it imports nothing from the rest of the bot. ``load_config`` has no side
effects beyond reading the config file and secret files, and reports every problem at once
in a single ``ConfigError`` with the key path of each.
"""

from __future__ import annotations

import base64
import dataclasses
import math
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.safe_yaml import Located, YamlProblem, read_yaml_file


class ConfigError(Exception):
    """Every problem found in a configuration, each with its key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


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


@dataclass(frozen=True)
class MatchingConfig:
    # Confidence is the decision model's probability (0-100) that the best entry answers;
    # defaults chosen on the tuned eval sets by bench/train_decision.py (see README).
    answer_threshold: float = 50.0
    clarify_threshold: float = 50.0
    clarify_margin: float = 0.0


@dataclass(frozen=True)
class AssistantConfig:
    command_prefix: str = "!"
    bot_name: str = "Partnerwijzer"
    # How long a "Bedoel je ...?" or an answer stays open for "2" or "en de gemeente?".
    conversation_minutes: float = 10.0


@dataclass(frozen=True)
class StorageConfig:
    path: str = "var/partnerbot.sqlite3"


@dataclass(frozen=True)
class PrivacyConfig:
    log_unanswered: bool = False
    retention_days: int = 30


@dataclass(frozen=True)
class AdminConfig:
    """Admins per transport: a sender id only counts on the transport it belongs to (a
    Teams sender named ``@beheerder:example.org`` is not that Matrix user)."""

    matrix: tuple[str, ...] = ()  # Matrix user ids
    teams: tuple[str, ...] = ()  # Teams users' Entra object ids (aadObjectId)
    users: tuple[str, ...] = ()  # older name for ``matrix``: Matrix user ids only
    room: str | None = None  # the Matrix admin room

    def ids_for(self, transport: str) -> tuple[str, ...]:
        """The admin ids of one transport: "matrix", or "teams"/"teams_app" (the webhook and
        the Teams app share Entra object ids); none for any other."""
        if transport == "matrix":
            return (*self.matrix, *self.users)
        if transport in ("teams", "teams_app"):
            return self.teams
        return ()


@dataclass(frozen=True)
class LoggingConfig:
    level: str = "INFO"
    format: str = "text"  # "text" | "json"
    debug_message_text: bool = False  # only for local debugging: logs message text


@dataclass(frozen=True)
class FloodConfig:
    per_user_per_minute: int = 6
    per_room_per_minute: int = 20


@dataclass(frozen=True)
class MatrixConfig:
    homeserver: str = ""
    user_id: str = ""
    access_token: SecretRef = field(default_factory=SecretRef)
    password: SecretRef = field(default_factory=SecretRef)
    device_id: str = "PARTNERBOT"
    device_name: str = "Partnerwijzer"
    store_path: str = "var/matrix-store"
    encryption: bool = True
    allowed_inviters: tuple[str, ...] = ()  # user ids ("@a:b") or servers (":b")
    allowed_rooms: tuple[str, ...] = ()
    catch_up_minutes: float = 10.0


@dataclass(frozen=True)
class TeamsWebhookConfig:
    name: str = ""
    token: SecretRef = field(default_factory=SecretRef)
    allowed_tenants: tuple[str, ...] = ()
    allowed_teams: tuple[str, ...] = ()


@dataclass(frozen=True)
class TeamsConfig:
    webhooks: tuple[TeamsWebhookConfig, ...] = ()
    max_body_bytes: int = 256 * 1024
    reply_timeout_seconds: float = 4.0


@dataclass(frozen=True)
class TeamsAppConfig:
    """The Teams app: a bot registered in Entra and Azure Bot Service (``/api/messages``)."""

    app_id: str = ""  # the Entra app (client) id, also the bot id in the manifest
    tenant_id: str = ""  # the tenant the app is registered in
    client_secret: SecretRef = field(default_factory=SecretRef)
    certificate_file: str = ""  # a PFX certificate instead of the secret
    allowed_tenants: tuple[str, ...] = ()  # empty: the app's own tenant only
    # Local testing with the Agents Playground only: no JWT is checked. Refused unless the
    # web server listens on loopback.
    unauthenticated: bool = False
    max_body_bytes: int = 256 * 1024
    # For the app package (partnerbot teams-app): where the bot's web server is reached, and
    # the publisher's pages Teams shows on the app's details (https URLs).
    public_host: str = ""
    developer_name: str = ""
    website_url: str = ""
    privacy_url: str = ""
    terms_url: str = ""


@dataclass(frozen=True)
class WebConfig:
    host: str = "127.0.0.1"
    port: int = 8080


@dataclass(frozen=True)
class EditorUserConfig:
    name: str = ""  # the login name, also the author of the editor's git commits
    email: str = ""  # for the git commits; empty: <name>@beheer.invalid
    password_hash: str = ""  # from `partnerbot hash-password` (argon2id); not the password


@dataclass(frozen=True)
class EditorConfig:
    """The editors' web console under /beheer/ (bot/editor/); off without this section."""

    editors: tuple[EditorUserConfig, ...] = ()
    # A header set by a reverse proxy that already authenticated the editor (e.g.
    # "X-Remote-User"); honoured only on connections from loopback. Empty: not used.
    trusted_header: str = ""
    session_minutes: float = 60.0  # idle time before an editor must log in again
    login_attempts: int = 5  # failed logins per 15 minutes, per address and per name
    secure_cookie: bool = False  # true behind a TLS proxy (the cookie is then https only)
    git_commit: bool = True  # commit each save when the knowledge folder is a git repository


@dataclass(frozen=True)
class Config:
    knowledge_path: str = ""  # empty: the knowledge shipped with the bot
    matching: MatchingConfig = field(default_factory=MatchingConfig)
    assistant: AssistantConfig = field(default_factory=AssistantConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    admins: AdminConfig = field(default_factory=AdminConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    flood: FloodConfig = field(default_factory=FloodConfig)
    web: WebConfig = field(default_factory=WebConfig)
    matrix: MatrixConfig | None = None
    teams: TeamsConfig | None = None
    editor: EditorConfig | None = None
    teams_app: TeamsAppConfig | None = None


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is tuple:
        return f"a list of {_type_name(typing.get_args(tp)[0])}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp) if a is not type(None))
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return {str: "text", int: "a whole number", float: "a number", bool: "true or false"}.get(
        tp, str(tp)
    )


def _convert(value: Any, tp: Any, path: str, problems: list[str]) -> Any:
    """Convert one YAML value to the annotated type, or record why it cannot be."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(value, args[0], path, problems)
    if tp is SecretRef:
        if not isinstance(value, Mapping):
            problems.append(
                f"{path}: expected a mapping with 'env' or 'file' (secrets are never inline)"
            )
            return SecretRef()
        return _build(SecretRef, value, path, problems)
    if dataclasses.is_dataclass(tp):
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            problems.append(f"{path}: expected a mapping, got {type(value).__name__}")
            return tp()  # type: ignore[operator]
        return _build(tp, value, path, problems)
    if origin is tuple:
        (item_type, _ellipsis) = typing.get_args(tp)
        if value is None:
            return ()
        if not isinstance(value, list):
            problems.append(f"{path}: expected {_type_name(tp)}")
            return ()
        return tuple(
            _convert(item, item_type, f"{path}[{index}]", problems)
            for index, item in enumerate(value)
        )
    if tp is bool:
        if not isinstance(value, bool):
            problems.append(f"{path}: expected true or false, got {value!r}")
        return bool(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{path}: expected a whole number, got {value!r}")
            return 0
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{path}: expected a number, got {value!r}")
            return 0.0
        if not math.isfinite(value):  # .nan compares false with every bound
            problems.append(f"{path}: expected a finite number, got {value!r}")
            return 0.0
        return float(value)
    if tp is str:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            problems.append(f"{path}: expected text, got {value!r}")
            return ""
        return str(value)
    raise TypeError(f"unsupported config type {tp!r}")  # a programming error, not user input


def _build(cls: Any, data: Mapping[Any, Any], path: str, problems: list[str]) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    prefix = f"{path}." if path else ""
    for key in data:
        if key not in known:
            suggestion = _closest(str(key), known)
            hint = f" (did you mean '{suggestion}'?)" if suggestion else ""
            problems.append(f"{prefix}{key}: unknown key{hint}")
    kwargs = {
        name: _convert(data[name], hints[name], f"{prefix}{name}", problems)
        for name in known
        if name in data
    }
    return cls(**kwargs)


def _closest(word: str, candidates: set[str]) -> str | None:
    from difflib import get_close_matches

    found = get_close_matches(word, sorted(candidates), n=1, cutoff=0.7)
    return found[0] if found else None


def resolve_secret(ref: SecretRef, environ: Mapping[str, str]) -> Secret | None:
    """Read a secret from its environment variable (when set) or else its file; None when
    neither is given. Raises OSError or ValueError for an unreadable or non-text file."""
    if ref.env and environ.get(ref.env):
        return Secret(environ[ref.env])
    if ref.file:
        return Secret(_read_secret_file(ref.file))
    return None


def _read_secret_file(name: str) -> str:
    data = Path(name).read_bytes()
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ValueError("holds binary data, not text") from None


def _check_secret(
    ref: SecretRef, path: str, environ: Mapping[str, str], problems: list[str], required: bool
) -> None:
    if ref.env and environ.get(ref.env):
        return  # the variable wins over the file
    if ref.file:
        try:
            if not _read_secret_file(ref.file):
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


def _check_base64_token(
    ref: SecretRef, path: str, environ: Mapping[str, str], problems: list[str]
) -> None:
    """Teams shows the security token base64-encoded; anything else cannot sign."""
    try:
        secret = resolve_secret(ref, environ)
    except (OSError, ValueError):
        return  # reported by _check_secret
    if secret is None:
        return
    try:
        if not base64.b64decode(secret.value, validate=True):
            raise ValueError
    except ValueError:
        problems.append(
            f"{path}: the token is not valid base64; copy it exactly as Teams showed it"
        )


def _validate(config: Config, environ: Mapping[str, str], problems: list[str]) -> None:
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
            _check_secret(matrix.access_token, "matrix.access_token", environ, problems, True)
        if has_password:
            _check_secret(matrix.password, "matrix.password", environ, problems, True)
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
            _check_secret(hook.token, f"{path}.token", environ, problems, True)
            _check_base64_token(hook.token, f"{path}.token", environ, problems)
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
            _check_secret(app.client_secret, "teams_app.client_secret", environ, problems, True)
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


def _validate_editor(editor: EditorConfig, problems: list[str]) -> None:
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


def _follows_from(check: str, problems: list[str]) -> bool:
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


def config_from_mapping(data: Mapping[Any, Any], environ: Mapping[str, str]) -> Config:
    problems: list[str] = []
    knowledge = data.get("knowledge")
    mapped = {key: value for key, value in data.items() if key != "knowledge"}
    if knowledge is not None:
        if isinstance(knowledge, Mapping) and set(knowledge) <= {"path"}:
            mapped["knowledge_path"] = knowledge.get("path") or ""
        else:
            problems.append("knowledge: expected a mapping with only 'path'")
    if "knowledge_path" in data:
        problems.append("knowledge_path: unknown key (did you mean 'knowledge.path'?)")
    config: Config = _build(Config, mapped, "", problems)
    checks: list[str] = []
    _validate(config, environ, checks)
    if config.editor is not None:
        _validate_editor(config.editor, checks)
    problems += [check for check in checks if not _follows_from(check, problems)]
    if problems:
        raise ConfigError(problems)
    return config


def load_config(path: str | Path, environ: Mapping[str, str]) -> Config:
    """Read and validate a config file; raise ConfigError naming every problem.

    The file is read with ``bot.safe_yaml`` (size, depth and alias limits; any encoding
    problem named with its line); a key given twice is a problem, not "the last one wins".
    """
    try:
        node = read_yaml_file(Path(path))
    except YamlProblem as problem:
        where = f"line {problem.line}: " if problem.line else ""
        raise ConfigError([f"{where}{problem.english}"]) from None
    if node is None:
        return config_from_mapping({}, environ)
    if not isinstance(node.value, dict):
        raise ConfigError(["expected a mapping at the top level"])
    problems: list[str] = []
    data = _plain(node, "", problems)
    try:
        config = config_from_mapping(data, environ)
    except ConfigError as error:
        problems += error.problems
    if problems:
        raise ConfigError(problems)
    return config


def _plain(node: Located, path: str, problems: list[str]) -> Any:
    """Plain values from located ones; a repeated key is reported with its line."""
    if isinstance(node.value, list):
        return [_plain(item, f"{path}[{n}]", problems) for n, item in enumerate(node.value)]
    if not isinstance(node.value, dict):
        return node.value
    prefix = f"{path}." if path else ""
    for key, line in node.duplicates:
        problems.append(
            f"{prefix}{key}: given twice (again on line {line}); keep one, nothing is merged"
        )
    return {key: _plain(value, f"{prefix}{key}", problems) for key, value in node.value.items()}
