"""The configuration as frozen dataclasses, one per YAML section, with their defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config.secrets import SecretRef


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
