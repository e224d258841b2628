"""The Matrix transport's pure protocol helpers (no homeserver needed)."""

from __future__ import annotations

import asyncio
from typing import Any

from nio import ErrorResponse

from bot.config import MatrixConfig
from bot.models import Reply
from bot.store import Store
from bot.transports.matrix import (
    TokenKeeper,
    inviter_allowed,
    mentions_bot_by_pill,
    reply_content,
    retry_delay,
    strip_html_reply_fallback,
    strip_leading_name,
    strip_reply_fallback,
    transaction_id,
)

BOT = "@partnerwijzer:example.org"


def test_legacy_reply_fallback_is_stripped_only_from_replies() -> None:
    body = "> <@alice:example.org> eerdere vraag\n> tweede regel\n\nmag een boa rondkijken?"
    assert strip_reply_fallback(body, is_reply=True) == "mag een boa rondkijken?"
    assert strip_reply_fallback(body, is_reply=False) == body
    assert strip_reply_fallback("> citaat zonder vraag", is_reply=True) == ""


def test_html_reply_fallback_is_stripped() -> None:
    html = '<mx-reply><blockquote><a href="https://matrix.to/#/@partnerwijzer:example.org">'
    html += "bot</a> oud</blockquote></mx-reply>nieuwe vraag"
    assert strip_html_reply_fallback(html) == "nieuwe vraag"
    # the pill lived only in the quoted fallback: not a mention
    assert not mentions_bot_by_pill(strip_html_reply_fallback(html), BOT)


def test_pill_detection_accepts_plain_and_encoded_ids_but_not_prefixes() -> None:
    assert mentions_bot_by_pill(
        '<a href="https://matrix.to/#/@partnerwijzer:example.org">x</a>', BOT
    )
    assert mentions_bot_by_pill(
        '<a href="https://matrix.to/#/%40partnerwijzer%3Aexample.org">', BOT
    )
    assert not mentions_bot_by_pill(
        '<a href="https://matrix.to/#/@partnerwijzer:example.org2">', BOT
    )
    assert not mentions_bot_by_pill("partnerwijzer", BOT)


def test_leading_name_is_removed_and_reported() -> None:
    names = [BOT, "partnerwijzer", "Partnerwijzer"]
    assert strip_leading_name("Partnerwijzer: mag een boa rondkijken?", names) == (
        "mag een boa rondkijken?",
        True,
    )
    assert strip_leading_name("@partnerwijzer:example.org, hulp", names) == ("hulp", True)
    assert strip_leading_name("partnerwijzers zijn handig", names) == (
        "partnerwijzers zijn handig",
        False,
    )
    assert strip_leading_name("vraag voor Partnerwijzer", names)[1] is False


def _reply() -> Reply:
    return Reply(
        kind="answer",
        title="t",
        body_markdown="b",
        text="plain",
        markdown="md",
        html="<p>html</p>",
    )


def test_reply_content_outside_thread_is_a_rich_reply_notice() -> None:
    content = reply_content(_reply(), "$q", "@alice:example.org", None)
    assert content == {
        "msgtype": "m.notice",
        "body": "plain",
        "format": "org.matrix.custom.html",
        "formatted_body": "<p>html</p>",
        "m.relates_to": {"m.in_reply_to": {"event_id": "$q"}},
        "m.mentions": {"user_ids": ["@alice:example.org"]},
    }


def test_reply_content_in_thread_keeps_thread_and_reply() -> None:
    relation = reply_content(_reply(), "$q", "@alice:example.org", "$root")["m.relates_to"]
    # m.in_reply_to names the question itself: a real reply, not a fallback (threads spec).
    assert relation == {
        "rel_type": "m.thread",
        "event_id": "$root",
        "is_falling_back": False,
        "m.in_reply_to": {"event_id": "$q"},
    }


def test_transaction_id_is_stable_per_question() -> None:
    assert transaction_id("$a") == transaction_id("$a")
    assert transaction_id("$a") != transaction_id("$b")


def test_invites_allowed_by_user_server_or_room() -> None:
    config = MatrixConfig(allowed_inviters=("@boss:a.org", ":b.org"), allowed_rooms=("!r:c.org",))
    assert inviter_allowed("@boss:a.org", "!x:a.org", config)
    assert not inviter_allowed("@other:a.org", "!x:a.org", config)
    assert inviter_allowed("@anyone:b.org", "!x:b.org", config)
    assert not inviter_allowed("@anyone:b.org.evil", "!x:b.org", config)
    assert inviter_allowed("@stranger:evil.org", "!r:c.org", config)
    assert not inviter_allowed("@stranger:evil.org", "!x:c.org", MatrixConfig())


class _Transport:
    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers
        self.status = 429


def _error(retry_after_ms: int | None, headers: dict[str, str]) -> Any:
    error = ErrorResponse("Too Many Requests", "M_LIMIT_EXCEEDED", retry_after_ms)
    error.transport_response = _Transport(headers)  # type: ignore[assignment]
    return error


def test_retry_delay_prefers_body_then_header_then_fallback() -> None:
    assert retry_delay(_error(1500, {"Retry-After": "2"}), 9.0) == 1.5
    assert retry_delay(_error(None, {"Retry-After": "2"}), 9.0) == 2.0
    assert retry_delay(_error(None, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), 9.0) == 9.0
    assert retry_delay(_error(None, {}), 9.0) == 9.0


async def test_token_kept_back_until_every_earlier_reply_is_done() -> None:
    store = Store(":memory:")
    keeper = TokenKeeper(store)
    gate_one, gate_two = asyncio.Event(), asyncio.Event()
    slow = asyncio.create_task(gate_one.wait())
    later = asyncio.create_task(gate_two.wait())
    keeper.add("t1", [slow])
    keeper.add("t2", [later])
    keeper.add("t3", [])
    assert store.get_sync_token() is None
    gate_two.set()
    await later
    assert store.get_sync_token() is None  # t1's reply is still out
    gate_one.set()
    await slow
    assert store.get_sync_token() == "t3"


async def test_cancelled_reply_blocks_the_token_for_the_next_start() -> None:
    store = Store(":memory:")
    keeper = TokenKeeper(store)
    keeper.add("t1", [])
    never = asyncio.create_task(asyncio.Event().wait())
    keeper.add("t2", [never])
    keeper.add("t3", [])
    never.cancel()
    await asyncio.gather(never, return_exceptions=True)
    assert store.get_sync_token() == "t1"


def test_only_configured_rooms_are_served() -> None:
    from bot.assistant import Assistant
    from bot.config import AdminConfig, Config
    from bot.knowledge import load_knowledge
    from bot.serial_assistant import SerialAssistant
    from bot.transports.matrix import MatrixTransport

    matrix = MatrixConfig(
        homeserver="http://127.0.0.1:1",
        user_id="@bot:a.org",
        allowed_inviters=("@boss:a.org",),
        allowed_rooms=("!listed:a.org",),
    )
    config = Config(matrix=matrix, admins=AdminConfig(room="!admin:a.org"))
    with Store(":memory:") as store:
        transport = MatrixTransport(
            config, SerialAssistant(Assistant(load_knowledge(), config)), store, {}
        )
        assert transport.serves("!listed:a.org")
        assert transport.serves("!admin:a.org")
        # Joined before the allowlist changed, or by hand: not served.
        assert not transport.serves("!joined-elsewhere:a.org")
        store.record_join("!invited:a.org", "@boss:a.org", 0.0)
        assert transport.serves("!invited:a.org")


def test_a_room_joined_or_made_direct_after_a_no_is_served_and_direct() -> None:
    """The transport remembers the store's yes per room, never its no: a room the bot joins
    (or learns is a 1:1 chat) after a message there was refused is served from then on."""
    from bot.assistant import Assistant
    from bot.config import Config
    from bot.knowledge import load_knowledge
    from bot.serial_assistant import SerialAssistant
    from bot.transports.matrix import MatrixTransport

    matrix = MatrixConfig(homeserver="http://127.0.0.1:1", user_id="@bot:a.org")
    config = Config(matrix=matrix)
    with Store(":memory:") as store:
        transport = MatrixTransport(
            config, SerialAssistant(Assistant(load_knowledge(), config)), store, {}
        )
        rooms = transport._rooms
        assert not transport.serves("!later:a.org")
        assert not rooms.is_direct("!later:a.org")
        store.record_join("!later:a.org", "@boss:a.org", 0.0)
        store.record_direct("!later:a.org")
        assert transport.serves("!later:a.org")
        assert rooms.is_direct("!later:a.org")
        assert not rooms.is_direct("!other:a.org")
