"""Microsoft Teams: the outgoing webhook (``webhook``) and the Teams app on the Microsoft 365
Agents SDK (``agent``), sharing one card builder (``cards``) and one activity reader
(``activity``). Only ``agent`` imports the SDK, and only when the Teams app is configured,
so the webhook and the terminal chat work without the ``teams`` extra installed.
"""

from bot.transports.teams.activity import (
    Activity,
    ActivityError,
    clean_text,
    parse_activity,
)
from bot.transports.teams.cards import (
    CARD_CONTENT_TYPE,
    CARD_VERSION,
    build_card,
    markdown_blocks,
    reply_message,
    text_message,
)
from bot.transports.teams.webhook import (
    TIMEOUT_TEXT,
    TeamsWebhook,
    TeamsWebhooks,
    decode_token,
    is_allowed,
    read_limited,
    sign,
    verify_signature,
    webhook_key,
)

__all__ = [
    "CARD_CONTENT_TYPE",
    "CARD_VERSION",
    "TIMEOUT_TEXT",
    "Activity",
    "ActivityError",
    "TeamsWebhook",
    "TeamsWebhooks",
    "build_card",
    "clean_text",
    "decode_token",
    "is_allowed",
    "markdown_blocks",
    "parse_activity",
    "read_limited",
    "reply_message",
    "sign",
    "text_message",
    "verify_signature",
    "webhook_key",
]
