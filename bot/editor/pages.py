"""The read-mostly pages: overview with charts, try a question, the unanswered log."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.assistant import Assistant
from bot.editor import charts
from bot.editor.context import EditorContext
from bot.editor.previews import DECISION_NL, Rendering, candidates, render, teams_variants
from bot.editor.web import context, page
from bot.models import Question, Reply
from bot.store import Store

DAY = 86_400.0
DAYS_SHOWN = 30
MAX_QUESTION_CHARS = 500
UNANSWERED_SHOWN = 50
_TRIGGER_NL = {
    "start": "opstarten",
    "file": "bestandswijziging",
    "command": "commando in de chat",
    "signal": "signaal (SIGHUP)",
    "beheer": "opslaan in de console",
    "editor": "opslaan in de console",
}


def utc(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at))


async def overview(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    knowledge = ctx.matcher().knowledge
    last = ctx.last_reload()
    values: dict[str, Any] = {
        "version": knowledge.version,
        "entries": len(knowledge.entries),
        "last_reload": (
            {
                "at": utc(last.at),
                "ok": last.ok,
                "why": _TRIGGER_NL.get(last.trigger, last.trigger),
                "problems": last.problems,
            }
            if last
            else None
        ),
    }
    if ctx.store is not None:
        values.update(await asyncio.to_thread(_statistics, ctx, ctx.store))
    return page(request, "overview.html", **values)


def _statistics(ctx: EditorContext, store: Store) -> dict[str, Any]:
    now = ctx.clock()
    days = [
        time.strftime("%Y-%m-%d", time.gmtime(now - (DAYS_SHOWN - 1 - i) * DAY))
        for i in range(DAYS_SHOWN)
    ]
    rows = store.question_counts(days[0])
    per_day: dict[str, Counter[str]] = {day: Counter() for day in days}
    per_partner: Counter[str] = Counter()
    for row in rows:
        if row.day in per_day:
            per_day[row.day][row.decision] += row.count
        if row.decision == "answer":
            per_partner[row.partner] += row.count
    series = [
        charts.Series(kind, DECISION_NL[kind], tuple(per_day[d][kind] for d in days))
        for kind in ("answer", "clarify", "fallback")
    ]
    knowledge = ctx.matcher().knowledge

    def partner_name(partner_id: str) -> str:
        partner = knowledge.partner(partner_id)
        return partner.name if partner else partner_id

    partners = [(partner_name(p), count) for p, count in per_partner.most_common()]
    feedback = store.feedback_per_entry(since=now - DAYS_SHOWN * DAY)
    totals = {
        kind: sum(s.values)
        for kind, s in zip(("answer", "clarify", "fallback"), series, strict=True)
    }
    return {
        "totals": totals,
        "decision_labels": DECISION_NL,
        "day_chart": charts.stacked_days("per-dag", "Vragen per dag, per beslissing", days, series),
        "day_rows": [
            (d, per_day[d]["answer"], per_day[d]["clarify"], per_day[d]["fallback"])
            for d in days
            if sum(per_day[d].values())
        ],
        "partner_chart": charts.bars(
            "per-partner",
            "Beantwoorde vragen per partner",
            [(name, [("answer", count)]) for name, count in partners],
        ),
        "partners": partners,
        "feedback_chart": charts.bars(
            "feedback",
            "Reacties per antwoord: duim omhoog en duim omlaag",
            [(item.entry, [("up", item.up), ("down", item.down)]) for item in feedback[:15]],
        ),
        "feedback": feedback,
    }


@dataclass(frozen=True)
class Tried:
    question: str
    reply: Reply
    rendering: Rendering


def try_question(ctx: EditorContext, text: str) -> Tried:
    """The reply exactly as the bot gives it, from a fresh assistant (no conversation
    memory, nothing counted in the statistics)."""
    matcher = ctx.matcher()
    assistant = Assistant(matcher.knowledge, ctx.bot_config, matcher=matcher)
    reply = assistant.handle(Question(text=text, transport="beheer", always_addressed=True))
    if reply is None:  # a direct question always gets a reply; this is a programming error
        raise RuntimeError("the assistant ignored a direct question")
    return Tried(text, reply, render(reply, ctx.card, teams_variants(ctx.bot_config)))


def tried_values(ctx: EditorContext, tried: Tried) -> dict[str, Any]:
    decision = tried.reply.decision
    knowledge = ctx.matcher().knowledge
    return {
        "tried": tried,
        "decision": DECISION_NL.get(decision.kind, decision.kind) if decision else None,
        "score": round(decision.confidence) if decision else None,
        "candidates": candidates(decision.matches, knowledge) if decision else [],
        "all_entries": sorted(knowledge.entries, key=lambda entry: entry.id),
    }


async def try_page(request: web.Request) -> web.StreamResponse:
    return page(request, "try.html", question="", tried=None)


async def try_submit(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    form = await request.post()
    text = str(form.get("vraag", "")).strip()[:MAX_QUESTION_CHARS]
    if not text:
        return page(
            request,
            "try.html",
            status=422,
            question="",
            tried=None,
            error="Typ een vraag om te proberen.",
        )
    tried = await ctx.run(lambda: try_question(ctx, text))
    return page(request, "try.html", question=text, **tried_values(ctx, tried))


async def unanswered(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    privacy = ctx.bot_config.privacy
    if ctx.store is None or not privacy.log_unanswered:
        return page(
            request,
            "unanswered.html",
            enabled=False,
            items=[],
            entries=[],
            retention=privacy.retention_days,
            running=ctx.store is not None,
        )
    knowledge = ctx.matcher().knowledge
    cutoff = ctx.clock() - privacy.retention_days * DAY
    store = ctx.store
    recent = await asyncio.to_thread(store.unanswered, UNANSWERED_SHOWN)
    logged = [item for item in recent if item.asked_at >= cutoff]
    matcher = ctx.matcher()
    # Decided again with today's knowledge: a question added as a phrasing shows "antwoord".
    decisions = await ctx.run(lambda: [matcher.decide(item.text) for item in logged])
    items = []
    for number, (item, now) in enumerate(zip(logged, decisions, strict=True)):
        best = now.best
        items.append(
            {
                "number": number,
                "at": utc(item.asked_at),
                "decision": DECISION_NL.get(item.decision, item.decision),
                "text": item.text,
                "nearest": best.entry.id if best else "",
                "score": round(best.score) if best else 0,
                "now": DECISION_NL[now.kind],
                "now_kind": now.kind,
            }
        )
    entries = sorted(knowledge.entries, key=lambda e: e.id)
    return page(
        request,
        "unanswered.html",
        enabled=True,
        items=items,
        entries=entries,
        retention=privacy.retention_days,
        running=True,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", overview)
    app.router.add_get("/proberen", try_page)
    app.router.add_post("/proberen", try_submit)
    app.router.add_get("/onbeantwoord", unanswered)
