"""The Teams app: a bot on the Microsoft 365 Agents SDK at ``POST /api/messages``.

Teams (through Azure Bot Service) POSTs each activity with a JWT the SDK validates against
the configured app id and tenant; replies go back through the Bot Connector as separate
calls, so the bot can also post later (reload results to an admin's 1:1 chat). This module
checks the request (size, token, JSON, tenant) before the SDK sees it, so a bad request is
a clear 4xx rather than an SDK exception, and wires the SDK's ``AgentApplication`` to the
assistant. Meaning lives in ``app_events``; layout in ``cards``.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import pydantic
from aiohttp import web
from microsoft_agents.activity import (
    Activity,
    Attachment,
    ConversationReference,
    InvokeResponse,
)
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    MemoryStorage,
    RouteRank,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.authorization import AuthTypes, ClaimsIdentity
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator

from bot.admin import render_reload_result
from bot.config import Config, ConfigError, TeamsAppConfig, resolve_secret
from bot.metrics import Metrics
from bot.models import Question, Reply
from bot.reloader import ReloadResult
from bot.replies import render_notice
from bot.serial_assistant import SerialAssistant
from bot.store import Store
from bot.transports.teams.app_events import Feedback, Turn, conversation_type, interpret
from bot.transports.teams.cards import CARD_CONTENT_TYPE, build_card
from bot.transports.teams.webhook import read_limited

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
METRICS_LABEL = "app"  # partnerbot_teams_requests_total{webhook="app"}
_ADMIN_CHAT = "teams_app.admin_conversation"
_WELCOMED = "teams_app.welcomed."
_REFERENCES_KEPT = 1000
_SORRY = "Er ging iets mis bij het beantwoorden. Probeer het later opnieuw."


def _auth_configuration(app: TeamsAppConfig, environ: Mapping[str, str]) -> AgentAuthConfiguration:
    """The SDK's settings for JWT validation and for its own tokens to the Bot Connector."""
    if app.unauthenticated:
        return AgentAuthConfiguration(anonymous_allowed=True)
    secret = None
    if app.client_secret.env or app.client_secret.file:
        try:
            resolved = resolve_secret(app.client_secret, environ)
        except OSError as error:
            raise ConfigError(
                [f"teams_app.client_secret: cannot read the file: {error.strerror}"]
            ) from None
        if resolved is None:
            raise ConfigError(["teams_app.client_secret: not set (environment variable or file)"])
        secret = resolved.value
    return AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret if secret else AuthTypes.certificate,
        client_id=app.app_id,
        tenant_id=app.tenant_id,
        client_secret=secret,
        cert_pfx_file=app.certificate_file or None,
        anonymous_allowed=False,
    )


def _not_invoke(context: TurnContext) -> bool:
    return context.activity.type != "invoke"


def _quiet_sdk_logs(unauthenticated: bool) -> None:
    """The SDK logs conversation and activity ids at INFO on every reply: keep it to
    warnings, as the rest of the bot names no conversations at INFO."""
    logging.getLogger("microsoft_agents").setLevel(logging.WARNING)
    if unauthenticated:
        # "App ID is not provided" on every turn: expected without credentials.
        logging.getLogger("microsoft_agents.hosting.core.connector.client").setLevel(logging.ERROR)


def welcome_reply(questions: list[str], prefix: str) -> Reply:
    examples = "\n".join(f"- {question}" for question in questions)
    body = (
        "Hoi! Ik ben Partnerwijzer. Ik beantwoord vragen over wat partners zoals politie, "
        "gemeente en school online mogen en kunnen, volgens de infographic "
        "“De informatiepositie van partners in de online leefwereld”.\n\n"
        f"Stel je vraag gewoon hier, bijvoorbeeld:\n\n{examples}\n\n"
        f"Typ **{prefix}help** voor alles wat ik kan."
    )
    return render_notice("help", "Welkom bij Partnerwijzer", body)


class TeamsApp:
    """The Teams app as a transport: the ``/api/messages`` route, proactive admin notices."""

    name = "teams_app"

    def __init__(
        self,
        config: Config,
        assistant: SerialAssistant,
        store: Store,
        metrics: Metrics,
        environ: Mapping[str, str],
        clock: Any = time.time,
    ) -> None:
        """Raises ConfigError when the client secret cannot be read."""
        if config.teams_app is None:
            raise ValueError("TeamsApp needs a teams_app config section")
        self._app_config = config.teams_app
        self._config = config
        self._assistant = assistant
        self._store = store
        self._metrics = metrics
        self._clock = clock
        _quiet_sdk_logs(self._app_config.unauthenticated)
        auth = _auth_configuration(self._app_config, environ)
        self._validator = JwtTokenValidator(auth)
        connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": auth})
        self.adapter = CloudAdapter(connection_manager=connections)
        self.adapter.on_turn_error = self._turn_error
        self.agent = AgentApplication[TurnState](
            storage=MemoryStorage(),
            connection_manager=connections,
            # Mentions are stripped by clean_text (the same as for the webhook), and a reply
            # takes milliseconds: a typing indicator would only double the Connector calls.
            remove_recipient_mention=False,
            start_typing_timer=False,
        )
        # Every activity goes to _on_turn (app_events decides); an activity without a route
        # would make the SDK log its text at WARNING (an edited message, for one).
        self.agent.activity("invoke")(self._on_turn)
        self.agent.add_route(_not_invoke, self._on_turn, rank=RouteRank.LAST)
        # Without a reply id (the Playground's feedback invoke has none) a vote counts for
        # the last answer the voter got in that conversation.
        self._last_answer: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._references: OrderedDict[str, str] = OrderedDict()
        tenants = self._app_config.allowed_tenants or (self._app_config.tenant_id,)
        self._tenants = frozenset(t.lower() for t in tenants if t)

    # ---- transport

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(ROUTE, self.handle)
        log.info("teams app listening on %s", ROUTE)

    async def run(self, stop: Any) -> None:
        if self._app_config.unauthenticated:
            log.warning(
                "TEAMS APP WITHOUT AUTHENTICATION: %s accepts activities without a token. "
                "Only for local testing with the Agents Playground (teams_app.unauthenticated).",
                ROUTE,
            )
        await stop.wait()

    async def announce(self, result: ReloadResult) -> None:
        """Post the reload result in the admin's 1:1 chat (once an admin has written there)
        and in the conversation whose ``reload`` command asked for it."""
        targets = []
        admin_chat = self._store.get_value(_ADMIN_CHAT)
        if admin_chat is not None:
            targets.append(admin_chat)
        if result.transport == self.name and result.requested_in is not None:
            asked_in = self._references.get(result.requested_in)
            if asked_in is not None and asked_in not in targets:
                targets.append(asked_in)
        card = build_card(render_reload_result(result))
        for stored in targets:
            try:
                reference = ConversationReference.model_validate_json(stored)
            except pydantic.ValidationError:
                log.warning("teams app: a stored conversation reference is unreadable")
                continue
            await self._post(reference, card)

    async def _post(self, reference: ConversationReference, card: dict[str, Any]) -> None:
        async def post(context: TurnContext) -> None:
            await context.send_activity(_card_activity(card))

        continuation = reference.get_continuation_activity()
        if self._app_config.unauthenticated:
            # No app id to get a Connector token for: post as the anonymous identity the
            # Playground accepts, as incoming turns do in this mode.
            await self.adapter.continue_conversation_with_claims(
                ClaimsIdentity(), continuation, post
            )
        else:
            await self.adapter.continue_conversation(self._app_config.app_id, continuation, post)

    # ---- HTTP

    async def handle(self, request: web.Request) -> web.StreamResponse:
        response, outcome = await self._respond(request)
        self._metrics.teams_request(METRICS_LABEL, outcome)
        return response

    async def _respond(self, request: web.Request) -> tuple[web.StreamResponse, str]:
        body = await read_limited(request, self._app_config.max_body_bytes)
        if body is None:
            return _reject(413, "body too large")
        claims = await self._authenticate(request.headers.get("Authorization"))
        if claims is None:
            return _reject(401, "missing or invalid token")
        try:
            data = json.loads(body)
        except RecursionError:
            return _reject(400, "body is nested too deeply")
        except ValueError:
            return _reject(400, "body is not JSON")
        if not isinstance(data, dict):
            return _reject(400, "body is not a JSON object")
        try:
            activity = Activity.model_validate(data)
        except (pydantic.ValidationError, ValueError, TypeError):
            return _reject(400, "body is not a Bot Framework activity")
        if not activity.type or activity.conversation is None or not activity.conversation.id:
            return _reject(400, "activity needs a type and conversation.id")
        if not self._tenant_allowed(activity):
            return _reject(403, "tenant not allowed")
        try:
            invoke = await self.adapter.process_activity(claims, activity, self.agent.on_turn)
        except Exception as error:  # e.g. Entra or the Bot Connector unreachable
            log.error("teams app: activity not processed (%s)", type(error).__name__)
            return web.json_response({"error": "internal error"}, status=500), "500"
        if activity.type == "invoke":
            status = invoke.status if invoke is not None and invoke.status else 501
            return web.json_response(invoke.body if invoke else None, status=status), str(status)
        return web.Response(status=202), "202"

    async def _authenticate(self, header: str | None) -> ClaimsIdentity | None:
        if self._app_config.unauthenticated:
            return ClaimsIdentity()  # anonymous, as the SDK's own middleware gives
        scheme, _, token = (header or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            return await self._validator.validate_token(token.strip())
        except Exception as error:  # the SDK raises several kinds; any of them means "no"
            log.warning("teams app: token refused (%s)", type(error).__name__)
            return None

    def _tenant_allowed(self, activity: Activity) -> bool:
        if self._app_config.unauthenticated:
            return True
        tenant = activity.conversation.tenant_id if activity.conversation else None
        channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        tenant = tenant or (channel_data.get("tenant") or {}).get("id")
        return isinstance(tenant, str) and tenant.lower() in self._tenants

    # ---- turns

    async def _on_turn(self, context: TurnContext, _state: TurnState) -> None:
        turn = interpret(context.activity)
        if turn.kind == "question" and turn.question is not None:
            await self._answer(context, turn.question)
        elif turn.kind == "feedback" and turn.feedback is not None:
            self._record_feedback(context.activity, turn.feedback)
            await _acknowledge(context)
        elif turn.kind == "welcome":
            await self._welcome(context)
        else:
            log.debug("teams app: ignored (%s)", turn.reason)
            if context.activity.type == "invoke":
                await _acknowledge(context)

    async def _answer(self, context: TurnContext, question: Question) -> None:
        self._remember_admin_chat(context.activity, question)
        self._remember_conversation(context.activity, question.conversation_id)
        reply = await self._assistant.handle(question)
        if reply is None:
            return
        best = reply.decision.best if reply.decision is not None else None
        entry = best.entry.id if reply.kind == "answer" and best is not None else None
        activity = _card_activity(build_card(reply, buttons=True))
        if entry is not None:
            # Teams draws 👍/👎 under the message and sends the vote as message/submitAction.
            activity.channel_data = {"feedbackLoopEnabled": True}
        sent = await context.send_activity(activity)
        if entry is not None and sent is not None and sent.id:
            conversation = question.conversation_id
            self._store.remember_answer(sent.id, conversation, entry, self._clock())
            key = (conversation, question.sender_id)
            self._last_answer[key] = sent.id
            self._last_answer.move_to_end(key)
            while len(self._last_answer) > _REFERENCES_KEPT:
                self._last_answer.popitem(last=False)

    def _record_feedback(self, activity: Activity, vote: Feedback) -> None:
        conversation = activity.conversation.id if activity.conversation else ""
        sender = activity.from_property
        voter = (sender.aad_object_id or sender.id or "") if sender is not None else ""
        answer_id = vote.answer_id or self._last_answer.get((conversation, voter))
        if answer_id is None:
            log.info("teams app: feedback on an answer the bot does not remember")
            return
        # One vote per person per answer; a second click replaces the first.
        vote_id = f"teams:{answer_id}:{voter}"
        self._store.remove_feedback(vote_id)
        if self._store.record_feedback(vote_id, answer_id, vote.value, self._clock()):
            log.info("feedback %+d recorded (teams app)", vote.value)

    async def _welcome(self, context: TurnContext) -> None:
        conversation = context.activity.conversation
        if conversation is None or not self._store.set_value_once(
            _WELCOMED + conversation.id, str(self._clock())
        ):
            return  # welcomed before: a reinstall or a second install event
        knowledge = self._assistant.assistant.knowledge
        seen: set[str] = set()
        examples = []
        for entry in knowledge.entries:
            if entry.partner not in seen:
                seen.add(entry.partner)
                examples.append(entry.question)
            if len(examples) == 3:
                break
        reply = welcome_reply(examples, self._config.assistant.command_prefix)
        await context.send_activity(_card_activity(build_card(reply)))

    def _remember_conversation(self, activity: Activity, conversation_id: str) -> None:
        """Recent conversations, so a reload result can go where ``reload`` was asked."""
        self._references[conversation_id] = _reference(activity)
        self._references.move_to_end(conversation_id)
        while len(self._references) > _REFERENCES_KEPT:
            self._references.popitem(last=False)

    def _remember_admin_chat(self, activity: Activity, question: Question) -> None:
        """The first (and latest) 1:1 chat of an admin is where reload results go."""
        if conversation_type(activity) != "personal":
            return
        if not question.sender_id or question.sender_id not in self._config.admins.ids_for(
            question.transport
        ):
            return
        reference = _reference(activity)
        if self._store.get_value(_ADMIN_CHAT) != reference:
            self._store.set_value(_ADMIN_CHAT, reference)
            log.info("teams app: admin chat for reload results stored")

    async def _turn_error(self, context: TurnContext, error: Exception) -> None:
        # The SDK's default prints a traceback and tells the user the exception text.
        log.error("teams app: turn failed (%s)", type(error).__name__, exc_info=error)
        if context.activity.type == "message":
            await context.send_activity(Activity(type="message", text=_SORRY))


async def _acknowledge(context: TurnContext) -> None:
    """An invoke needs an HTTP 200 with a body (the Playground reads the body as an object)."""
    await context.send_activity(
        Activity(type="invokeResponse", value=InvokeResponse(status=200, body={}))
    )


def _reference(activity: Activity) -> str:
    return activity.get_conversation_reference().model_dump_json(by_alias=True, exclude_none=True)


def _card_activity(card: dict[str, Any]) -> Activity:
    return Activity(
        type="message",
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
    )


def _reject(status: int, reason: str) -> tuple[web.StreamResponse, str]:
    log.warning("teams app: %d %s", status, reason)
    return web.json_response({"error": reason}, status=status), str(status)


__all__ = ["ROUTE", "TeamsApp", "Turn", "welcome_reply"]
