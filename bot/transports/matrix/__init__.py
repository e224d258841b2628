"""Matrix: the only package that imports ``nio``.

- ``events``: what an event means to the bot (pure; tested with nio's ``from_dict`` events);
- ``content``: reading message bodies and building what the bot sends (pure);
- ``delivery``: sending with retries, per-room order, the sync-token keeper;
- ``crypto_store``: nio's encryption store without a database round trip per sync;
- ``transport``: login, the sync loop, invites; ``MatrixTransport`` implements ``Transport``.
"""

from bot.transports.matrix.content import (
    choice_number,
    feedback_value,
    inviter_allowed,
    mentions_bot_by_pill,
    notice_content,
    reply_content,
    strip_html_reply_fallback,
    strip_leading_name,
    strip_reply_fallback,
    transaction_id,
)
from bot.transports.matrix.delivery import TokenKeeper, retry_delay
from bot.transports.matrix.transport import TIMELINE_LIMIT, MatrixLoginError, MatrixTransport

__all__ = [
    "TIMELINE_LIMIT",
    "MatrixLoginError",
    "MatrixTransport",
    "TokenKeeper",
    "choice_number",
    "feedback_value",
    "inviter_allowed",
    "mentions_bot_by_pill",
    "notice_content",
    "reply_content",
    "retry_delay",
    "strip_html_reply_fallback",
    "strip_leading_name",
    "strip_reply_fallback",
    "transaction_id",
]
