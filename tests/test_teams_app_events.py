"""What a Teams app activity means (``app_events``), from activities shaped like Teams'."""

from __future__ import annotations

from typing import Any

import pytest
from microsoft_agents.activity import Activity

from bot.models import Reply
from bot.transports.teams.app_events import interpret, thread_of
from bot.transports.teams.cards import CHOICE_KEY, build_card

BOT = "28:bot-id"
USER_AAD = "5f1c0e9a-2b3d-4c5e-8f7a-9b0c1d2e3f40"


def activity(kind: str = "personal", **fields: Any) -> Activity:
    conversation_id = {"personal": "a:1", "groupChat": "19:g@thread.v2"}.get(
        kind, "19:c@thread.tacv2;messageid=1700000000001"
    )
    data: dict[str, Any] = {
        "type": "message",
        "channelId": "msteams",
        "from": {"id": "29:user", "aadObjectId": USER_AAD},
        "recipient": {"id": BOT, "name": "Partnerwijzer"},
        "conversation": {"id": conversation_id, "conversationType": kind},
        "text": "wat doet de politie online?",
    }
    data.update(fields)
    return Activity.model_validate(data)


def mention(name: str = "Partnerwijzer", who: str = BOT) -> dict[str, Any]:
    tag = f"<at>{name}</at>"
    return {"type": "mention", "mentioned": {"id": who, "name": name}, "text": tag}


def test_every_personal_message_is_a_private_question() -> None:
    turn = interpret(activity())
    assert turn.kind == "question" and turn.question is not None
    question = turn.question
    assert question.text == "wat doet de politie online?"
    assert question.always_addressed and question.private and question.can_post_later
    assert question.sender_id == USER_AAD


@pytest.mark.parametrize("kind", ["groupChat", "channel"])
def test_group_chats_and_channels_need_a_mention_of_the_bot(kind: str) -> None:
    assert interpret(activity(kind)).kind == "ignore"
    someone_else = activity(kind, text="<at>Els</at> hoi", entities=[mention("Els", "29:els")])
    assert interpret(someone_else).kind == "ignore"
    addressed = activity(
        kind, text="<at>Partnerwijzer</at> wat doet de politie?", entities=[mention()]
    )
    turn = interpret(addressed)
    assert turn.question is not None
    assert turn.question.text == "wat doet de politie?"
    assert not turn.question.private and not turn.question.always_addressed


def test_a_channel_reply_chain_is_its_own_thread() -> None:
    assert thread_of("19:c@thread.tacv2;messageid=1700000000001") == "1700000000001"
    assert thread_of("19:c@thread.tacv2") is None
    turn = interpret(activity("channel", entities=[mention()], text="<at>Partnerwijzer</at> x"))
    assert turn.question is not None and turn.question.thread_id == "1700000000001"


def test_an_option_button_is_the_number_typed() -> None:
    reply = Reply(
        kind="clarify",
        title="Bedoel je:",
        body_markdown="Kies.",
        text="",
        markdown="",
        html="",
        options=("Wat doet de politie online?", "Wat mag een boa online?"),
    )
    buttons = [
        a for a in build_card(reply, buttons=True)["actions"] if a["type"] == "Action.Submit"
    ]
    clicked = activity("channel", text=None, value=buttons[1]["data"])
    turn = interpret(clicked)  # a click in a channel carries no mention, and needs none
    assert turn.question is not None and turn.question.text == "2"
    assert interpret(activity(text=None, value={CHOICE_KEY: "2; drop table"})).kind == "ignore"
    assert interpret(activity(text=None, value={CHOICE_KEY: True})).kind == "ignore"


def test_webhook_cards_have_no_submit_buttons() -> None:
    reply = Reply(
        kind="clarify",
        title="",
        body_markdown="",
        text="",
        markdown="",
        html="",
        options=("a", "b"),
    )
    assert "actions" not in build_card(reply)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"actionName": "feedback", "actionValue": {"reaction": "like", "feedback": "{}"}}, 1),
        ({"actionName": "feedback", "actionValue": {"reaction": "dislike"}}, -1),
        ({"actionName": "feedback", "actionValue": {"reaction": "meh"}}, None),
        ({"actionName": "other", "actionValue": {"reaction": "like"}}, None),
        ("like", None),
    ],
)
def test_feedback_invokes(value: Any, expected: int | None) -> None:
    vote = activity(type="invoke", name="message/submitAction", value=value, replyToId="171")
    turn = interpret(vote)
    if expected is None:
        assert turn.kind == "ignore"
    else:
        assert turn.feedback is not None
        assert (turn.feedback.value, turn.feedback.answer_id) == (expected, "171")


def test_welcome_only_when_the_bot_joins_a_personal_chat() -> None:
    added_bot = {"type": "conversationUpdate", "membersAdded": [{"id": BOT}], "text": None}
    assert interpret(activity(**added_bot)).kind == "welcome"
    assert interpret(activity("channel", **added_bot)).kind == "ignore"
    added_user = {**added_bot, "membersAdded": [{"id": "29:user"}]}
    assert interpret(activity(**added_user)).kind == "ignore"
