"""Teams protocol pieces without a server: signature, activity, text cleanup, card layout."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, SecretRef, TeamsConfig, TeamsWebhookConfig
from bot.metrics import Metrics
from bot.models import Contact, Question, Reply
from bot.transports import teams
from bot.transports.teams import (
    ActivityError,
    build_card,
    clean_text,
    decode_token,
    is_allowed,
    markdown_blocks,
    parse_activity,
    reply_message,
    sign,
    verify_signature,
    webhook_key,
)

FIXTURE = Path(__file__).parent / "fixtures" / "teams" / "channel_message.json"
KEY = bytes(range(32))
TOKEN = base64.b64encode(KEY).decode("ascii")


def _fixture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def _reply(**fields: Any) -> Reply:
    base: dict[str, Any] = {
        "kind": "answer",
        "title": "Wat mag een boa online?",
        "body_markdown": "Eerste alinea.",
        "text": "Wat mag een boa online?\n\nEerste alinea.",
        "markdown": "**Wat mag een boa online?**\n\nEerste alinea.",
        "html": "",
    }
    return Reply(**{**base, **fields})


# --- signature ------------------------------------------------------------------------------


def test_signature_matches_an_independent_computation() -> None:
    body = FIXTURE.read_bytes()
    digest = hmac.new(KEY, body, hashlib.sha256).digest()
    header = "HMAC " + base64.b64encode(digest).decode()
    assert sign(body, KEY) == header
    assert verify_signature(body, header, KEY)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "HMAC",
        "HMAC ",
        "Bearer abc",
        "HMAC not-base64!!",
        "HMAC " + base64.b64encode(b"x" * 32).decode(),
    ],
)
def test_bad_or_missing_signatures_are_refused(header: str | None) -> None:
    assert not verify_signature(b'{"text": "x"}', header, KEY)


def test_signature_of_another_body_or_key_is_refused() -> None:
    body = b'{"text": "vraag"}'
    assert not verify_signature(body + b" ", sign(body, KEY), KEY)
    assert not verify_signature(body, sign(body, b"another key"), KEY)


def test_token_must_be_base64() -> None:
    assert decode_token(TOKEN) == KEY
    with pytest.raises(ValueError):
        decode_token("niet base64 want spaties!")
    with pytest.raises(ValueError):
        decode_token("")


def test_webhook_key_reads_env_or_file_and_never_shows_the_token(tmp_path: Path) -> None:
    hook = TeamsWebhookConfig(name="wijk", token=SecretRef(env="TEAMS_TOKEN"))
    assert webhook_key(hook, 0, {"TEAMS_TOKEN": TOKEN}) == KEY
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    from_file = TeamsWebhookConfig(name="wijk", token=SecretRef(file=str(token_file)))
    assert webhook_key(from_file, 0, {}) == KEY
    with pytest.raises(ConfigError, match=r"teams\.webhooks\[0\]\.token"):
        webhook_key(hook, 0, {})
    with pytest.raises(ConfigError) as bad:
        webhook_key(hook, 0, {"TEAMS_TOKEN": "geheim maar geen base64"})
    assert "geheim" not in str(bad.value)


# --- activity -------------------------------------------------------------------------------


def test_fixture_activity_is_parsed() -> None:
    activity = parse_activity(FIXTURE.read_bytes())
    assert activity.sender_id == "5f1c0e9a-2b3d-4c5e-8f7a-9b0c1d2e3f40"  # aadObjectId first
    assert activity.conversation_id.startswith("19:4c6d1f0e")
    assert activity.tenant_id == "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    assert activity.team_id == "19:9a8b7c6d5e4f40312a1b2c3d4e5f6a7b@thread.tacv2"
    assert clean_text(activity.text) == "mag een boa online rondkijken op instagram?"


def test_sender_falls_back_to_from_id_without_aad_object_id() -> None:
    data = _fixture()
    del data["from"]["aadObjectId"]
    assert parse_activity(json.dumps(data).encode()).sender_id == data["from"]["id"]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'"text"',
        b"{}",
        b'{"text": null}',
        b'{"text": 42}',
        b'{"type": "invoke", "text": "x"}',
        b'{"text": "x", "from": "iemand"}',
        b'{"text": "x", "channelData": {"tenant": []}}',
        b'{"text": "x", "conversation": {"id": 7}}',
    ],
)
def test_malformed_activities_are_refused(body: bytes) -> None:
    with pytest.raises(ActivityError):
        parse_activity(body)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<at>Partnerwijzer</at> wat doet de politie?", "wat doet de politie?"),
        ("<AT id='0'>Partner\nwijzer</AT>&nbsp;hoi", "hoi"),
        ("<p>mag de <b>school</b> kijken?</p>", "mag de school kijken?"),
        ("ik typte &lt;b&gt;vet&lt;/b&gt; &amp; meer", "ik typte <b>vet</b> & meer"),
        ("regel één\n\n- geen lijst\n1. ook niet", "regel één - geen lijst 1. ook niet"),
        (
            "<at>Bot</at> wat is de rol van een jeugdboa 👮‍♀️ in ’s-Hertogenbosch?",
            "wat is de rol van een jeugdboa 👮‍♀️ in ’s-Hertogenbosch?",
        ),
        ("<at>Bot</at>", ""),
        ("mag een boa \u202eonline\u202c kijken?\x00", "mag een boa online kijken?"),
        ("zero\u200bwidth &#x202E;bidi &#8203;", "zerowidth bidi"),
    ],
)
def test_clean_text_removes_mentions_and_html(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_allowlists() -> None:
    activity = parse_activity(FIXTURE.read_bytes())
    assert is_allowed(TeamsWebhookConfig(name="w"), activity)
    tenant = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    assert is_allowed(TeamsWebhookConfig(name="w", allowed_tenants=(tenant,)), activity)
    assert not is_allowed(TeamsWebhookConfig(name="w", allowed_tenants=("ander",)), activity)
    both = TeamsWebhookConfig(name="w", allowed_tenants=(tenant,), allowed_teams=("ander",))
    assert not is_allowed(both, activity)


# --- card -----------------------------------------------------------------------------------


def test_lists_become_one_text_block_per_item() -> None:
    markdown = (
        "Eerste **alinea**\nloopt door.\n\nDe rollen:\n- toezichthouder\n- boa domein 1\n\n"
        "1. eerst\n2) dan\n\n## Kopje\nSlot."
    )
    texts = [block["text"] for block in markdown_blocks(markdown)]
    assert texts == [
        "Eerste **alinea** loopt door.",
        "De rollen:",
        "• toezichthouder",
        "• boa domein 1",
        "**1.** eerst",
        "**2.** dan",
        "Kopje",
        "Slot.",
    ]
    blocks = markdown_blocks(markdown)
    assert all(block["type"] == "TextBlock" and block["wrap"] is True for block in blocks)
    assert blocks[6]["weight"] == "Bolder"


def test_answer_card_holds_answer_partner_source_contacts_and_legal_note() -> None:
    reply = _reply(
        partner_name="Medewerkers toezicht en handhaving (T&H)",
        source="Medewerker T&H > Online",
        contacts=(Contact(id="rvs", name="Bureau RVS", email="secretariaatrvs@utrecht.nl"),),
        legal_note="Dit is geen juridisch advies.",
    )
    message = reply_message(reply)
    assert message["type"] == "message"
    assert message["text"] == reply.title  # a one-line summary: Teams posts text separately
    assert message["textFormat"] == "plain"
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert tuple(int(part) for part in card["version"].split(".")) >= (1, 4)
    assert card["fallbackText"] == reply.markdown  # escaped user text, unlike reply.text
    assert card["body"][0]["text"] == "Wat mag een boa online?"
    assert card["body"][1]["text"] == "Eerste alinea."
    footer = (
        "Partner: Medewerkers toezicht en handhaving (T&H) · "
        "Bron: infographic, Medewerker T&H > Online"
    )
    assert footer in [block.get("text") for block in card["body"]]
    assert card["body"][-1]["text"] == "Dit is geen juridisch advies."
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Mail Bureau RVS",
            "url": "mailto:secretariaatrvs@utrecht.nl",
        }
    ]


def test_a_lead_shows_first_and_the_detail_sits_behind_meer() -> None:
    from bot.knowledge import load_knowledge
    from bot.models import Decision, Match
    from bot.replies import render_decision

    knowledge = load_knowledge()
    entry = knowledge.entry("handhaving-online")
    assert entry is not None and entry.lead
    decision = Decision("answer", (Match(entry, 90.0),), confidence=90.0)
    card = build_card(render_decision(decision, entry.question, knowledge))
    texts = [block.get("text") for block in card["body"]]
    assert texts[:2] == [entry.question, entry.lead]
    (detail,) = [block for block in card["body"] if block["type"] == "Container"]
    assert detail["isVisible"] is False and detail["items"]
    assert card["actions"][0] == {
        "type": "Action.ToggleVisibility",
        "title": "Meer",
        "targetElements": [detail["id"]],
    }


def test_the_webhook_card_shows_the_detail_without_a_toggle() -> None:
    """Outgoing webhook cards support no card action but openURL (Microsoft's "Create an
    Outgoing Webhook"): the detail follows the lead, visible, and nothing is hidden."""
    from bot.knowledge import load_knowledge
    from bot.models import Decision, Match
    from bot.replies import render_decision

    knowledge = load_knowledge()
    entry = knowledge.entry("handhaving-online")
    assert entry is not None and entry.lead
    decision = Decision("answer", (Match(entry, 90.0),), confidence=90.0)
    reply = render_decision(decision, entry.question, knowledge)
    card = reply_message(reply)["attachments"][0]["content"]
    folded = build_card(reply)
    (detail,) = [block for block in folded["body"] if block["type"] == "Container"]
    texts = [block.get("text") for block in card["body"]]
    assert texts[:2] == [entry.question, entry.lead]
    assert [block for block in card["body"] if block in detail["items"]] == detail["items"]
    assert all(block.get("isVisible", True) for block in card["body"])
    assert all(action["type"] == "Action.OpenUrl" for action in card.get("actions", []))


def test_clarify_card_numbers_its_options_once_in_place() -> None:
    options = ("Wat doet de politie online?", "Wat mag een boa online?")
    reply = _reply(
        kind="clarify",
        title="Bedoel je:",
        body_markdown=f"1. {options[0]}\n2. {options[1]}\n\nAntwoord met het nummer.",
        options=options,
    )
    texts = [block["text"] for block in build_card(reply)["body"]]
    assert texts == [
        "Bedoel je:",
        "**1.** Wat doet de politie online?",
        "**2.** Wat mag een boa online?",
        "Antwoord met het nummer.",
    ]
    assert "actions" not in build_card(reply)


def test_clarify_options_missing_from_the_body_are_listed_after_it() -> None:
    reply = _reply(kind="clarify", title="Bedoel je:", body_markdown="Kies:", options=("A", "B"))
    texts = [block["text"] for block in build_card(reply)["body"]]
    assert texts == ["Bedoel je:", "Kies:", "**1.** A", "**2.** B"]


def test_card_without_optional_fields_has_no_empty_elements() -> None:
    reply = _reply(kind="notice", title="", body_markdown="Dat weet ik niet.")
    assert build_card(reply)["body"] == [
        {"type": "TextBlock", "text": "Dat weet ik niet.", "wrap": True}
    ]
    assert "text" not in reply_message(reply)


@pytest.mark.parametrize(
    "hostile",
    [
        "x\n\n- lijst\n1. nummer\n## kop",
        "<at>Bot</at> a&#10;&#10;- item&#13;&#10;2. twee",
        '"}],"actions":[{"type":"Action.OpenUrl","url":"https://evil.example"}]}',
    ],
)
def test_echoed_user_text_cannot_add_card_structure(hostile: str) -> None:
    # Should a reply ever quote the question, cleaned user text stays inside one block.
    plain = _reply(body_markdown="Je vroeg: x\n\nAntwoord.")
    echoed = _reply(body_markdown=f"Je vroeg: {clean_text(hostile)}\n\nAntwoord.")
    plain_card, echoed_card = build_card(plain), build_card(echoed)
    assert len(echoed_card["body"]) == len(plain_card["body"])
    assert [b["type"] for b in echoed_card["body"]] == [b["type"] for b in plain_card["body"]]
    assert "actions" not in echoed_card


def test_mailto_addresses_are_url_encoded() -> None:
    odd = Contact(id="x", name="X", email="a b?subject=hoi&cc=evil@example.org")
    (action,) = build_card(_reply(contacts=(odd,)))["actions"]
    assert "?" not in action["url"] and "&" not in action["url"] and " " not in action["url"]


# --- time limit -----------------------------------------------------------------------------


async def test_answer_within_times_out_when_the_assistant_is_slow() -> None:
    never = asyncio.Event()

    async def slow(question: Question) -> Reply:
        await never.wait()
        return _reply()

    webhook = teams.TeamsWebhook(TeamsWebhookConfig(name="w"), KEY, TeamsConfig(), slow, Metrics())
    with pytest.raises(TimeoutError):
        await webhook.answer_within(Question(text="x", transport="teams"), 0.05)


async def test_answer_within_returns_the_reply_in_time() -> None:
    expected = _reply()

    async def quick(question: Question) -> Reply:
        return expected

    webhook = teams.TeamsWebhook(TeamsWebhookConfig(name="w"), KEY, TeamsConfig(), quick, Metrics())
    assert await webhook.answer_within(Question(text="x", transport="teams"), 1.0) is expected


def test_answer_cards_are_built_fresh_each_time() -> None:
    """An answer's blocks are made once per knowledge text; each card still gets its own."""
    reply = _reply(lead="De kern.", body_markdown="- een\n- twee", detail="- een\n- twee")
    first = build_card(reply, fold=False)
    first["body"][1]["text"] = "changed by a caller"
    second = build_card(reply, fold=False)
    assert second["body"][1]["text"] == "De kern."
    assert second != first and second == build_card(reply, fold=False)
