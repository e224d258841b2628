"""Knowledge upkeep: admin commands in chat, reload results, daily counts, the unanswered log.

Transport-free, like the assistant. ``Upkeep.install`` hooks it into an ``Assistant``:

- a command hook answers ``reload``, ``status``, ``stats`` and ``unanswered`` for the
  configured admins (in the admin room or a 1:1 chat when ``admins.room`` is set) and gives
  anyone else a short refusal;
- a decision hook counts every matched question per day, transport, decision and partner
  (no text), and, only when ``privacy.log_unanswered`` is on, logs fallback and clarify
  questions with their text redacted (``bot.privacy``) before it is stored.

Reloading is asynchronous while ``Assistant.handle`` is not: the ``reload`` command only
*requests* a reload through ``request_reload`` (set by the composition root, thread-safe)
and says so. The ``bot.reloader.Reloader`` reports every outcome to ``reload_finished``
(kept for ``status``) and to each transport's ``announce`` (the admin room). The core never
imports a transport; a transport only ever sees a ``ReloadResult``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from bot.config import Config
from bot.models import Decision, Question, Reply
from bot.reloader import ReloadResult, ReloadTrigger
from bot.replies import render_notice
from bot.store import CountRow, Store

if TYPE_CHECKING:
    from bot.assistant import Assistant

log = logging.getLogger(__name__)

DAY = 86_400.0
MAX_LOGGED_CHARS = 500  # a question longer than this is cut before it is stored
MAX_PROBLEMS_SHOWN = 15
UNANSWERED_SHOWN = 10
UNANSWERED_MAX = 50

_TRIGGER_NL: dict[ReloadTrigger, str] = {
    "start": "opstarten",
    "file": "bestandswijziging",
    "command": "commando",
    "signal": "signaal (SIGHUP)",
    "editor": "opslaan in de beheerconsole",
}
_DECISION_NL = {"answer": "antwoord", "clarify": "keuzevraag", "fallback": "geen antwoord"}

_RELOAD_WORDS = frozenset({"reload", "herlaad", "herladen"})
_STATUS_WORDS = frozenset({"status"})
_STATS_WORDS = frozenset({"stats", "statistiek", "statistieken"})
_UNANSWERED_WORDS = frozenset({"unanswered", "onbeantwoord", "onbeantwoorde"})
ADMIN_WORDS = _RELOAD_WORDS | _STATUS_WORDS | _STATS_WORDS | _UNANSWERED_WORDS


ReloadRequest = Callable[[Question], None]


def utc_day(at: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(at))


def _utc_time(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at))


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} u"
    if hours:
        return f"{hours} u {minutes} min"
    return f"{minutes} min"


def _code(text: str) -> str:
    """Untrusted text as a Markdown code span: shown literally in every format (the HTML
    renderer escapes it, the plain text keeps it readable)."""
    return "`" + " ".join(text.replace("`", "'").split()) + "`"


def _problems(count: int) -> str:
    return f"{count} {'probleem' if count == 1 else 'problemen'}"


def render_reload_result(result: ReloadResult) -> Reply:
    """The notice for the admin room (and the room that asked for the reload)."""
    why = _TRIGGER_NL[result.trigger]
    if result.ok:
        if result.changed:
            body = (
                f"Nieuwe versie `{result.version}` is in gebruik: {result.entries} entries "
                f"(aanleiding: {why})."
            )
        else:
            body = (
                f"Er was niets gewijzigd: versie `{result.version}` blijft in gebruik, "
                f"{result.entries} entries (aanleiding: {why})."
            )
        return render_notice("notice", "Kennisbank bijgewerkt", body)
    count = len(result.problems)
    lines = [
        f"{_problems(count)} gevonden (aanleiding: {why}). "
        f"De bot blijft de laatste goede versie `{result.version}` gebruiken "
        f"({result.entries} entries) tot de fout is hersteld.",
        "",
    ]
    for problem in result.problems[:MAX_PROBLEMS_SHOWN]:
        lines.append(f"- {_code(str(problem))}")
    if count > MAX_PROBLEMS_SHOWN:
        lines.append(f"- … en nog {count - MAX_PROBLEMS_SHOWN}; `partnerbot check` toont ze alle.")
    return render_notice("notice", "Kennisbank niet bijgewerkt", "\n".join(lines))


def _refusal(body: str) -> Reply:
    return render_notice("refusal", "", body)


class Upkeep:
    """Admin commands, reload results and the question log around one assistant and store."""

    def __init__(
        self,
        config: Config,
        assistant: Assistant,
        store: Store,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.assistant = assistant
        self.store = store
        self.clock = clock
        self.started_at = clock()
        self.last_reload: ReloadResult | None = None
        # Set by whoever can reload (the app); must be safe to call from any thread.
        self.request_reload: ReloadRequest | None = None

    def install(self) -> None:
        """Hook the admin commands and the question counting into the assistant."""
        self.assistant.command_hooks.append(self.command)
        self.assistant.decision_hooks.append(self.observe)

    # ---- reload results

    def reload_finished(self, result: ReloadResult) -> None:
        """Keep the outcome for ``status`` (a ``Reloader`` listener)."""
        self.last_reload = result

    # ---- commands

    def command(self, word: str, rest: str, question: Question) -> Reply | None:
        """The reply to an admin command; None when ``word`` is not one (the assistant
        goes on as before)."""
        if word not in ADMIN_WORDS:
            return None
        refusal = self._refusal(question)
        if refusal is not None:
            log.info("admin command %s refused (%s)", word, question.transport)
            return refusal
        log.info("admin command %s (%s)", word, question.transport)
        if word in _RELOAD_WORDS:
            return self._reload(question)
        if word in _STATUS_WORDS:
            return self.status()
        if word in _STATS_WORDS:
            return self.stats()
        limit = int(rest) if rest.strip().isdigit() else UNANSWERED_SHOWN
        return self.unanswered(max(1, min(limit, UNANSWERED_MAX)))

    def _refusal(self, question: Question) -> Reply | None:
        admins = self.config.admins
        if question.sender_id not in admins.users:
            return _refusal("Sorry, dit commando is alleen voor beheerders van de bot.")
        if admins.room and question.conversation_id != admins.room and not question.private:
            # Stats and logged questions are for admins' eyes only: not in a shared room.
            return _refusal(
                "Beheercommando's werken alleen in de beheerruimte of in een 1-op-1-gesprek "
                "met mij."
            )
        return None

    def _reload(self, question: Question) -> Reply:
        if self.request_reload is None:
            return render_notice(
                "notice", "Herladen", "Herladen kan hier niet: er draait geen bot-proces."
            )
        self.request_reload(question)
        if question.can_post_later:
            elsewhere = self.config.admins.room not in (None, question.conversation_id)
            where = "hier en in de beheerruimte" if elsewhere else "hier"
            body = f"Ik laad de kennisbank opnieuw. Het resultaat meld ik zo {where}."
        else:
            prefix = self.config.assistant.command_prefix
            body = (
                "Ik laad de kennisbank opnieuw. Vraag over een paar seconden "
                f"**{prefix}status** voor het resultaat."
            )
        return render_notice("notice", "Herladen gestart", body)

    def status(self) -> Reply:
        knowledge = self.assistant.knowledge
        now = self.clock()
        lines = [
            f"- Kennisbank: versie `{knowledge.version}`, {len(knowledge.entries)} entries",
            f"- Actief sinds {_utc_time(self.started_at)} ({_duration(now - self.started_at)})",
        ]
        last = self.last_reload
        if last is None:
            lines.append("- Laatste herlaadpoging: geen sinds de start")
        else:
            outcome = (
                "gelukt"
                if last.ok
                else f"mislukt ({_problems(len(last.problems))}); de laatste goede versie "
                "blijft in gebruik"
            )
            why = _TRIGGER_NL[last.trigger]
            lines.append(f"- Laatste herlaadpoging: {_utc_time(last.at)} ({why}): {outcome}")
        privacy = self.config.privacy
        if privacy.log_unanswered:
            lines.append(
                f"- Logboek onbeantwoorde vragen: aan (bewaartermijn {privacy.retention_days} "
                "dagen, persoonsgegevens weggelakt)"
            )
        else:
            lines.append("- Logboek onbeantwoorde vragen: uit")
        return render_notice("status", "Status van Partnerwijzer", "\n".join(lines))

    def stats(self) -> Reply:
        now = self.clock()
        rows = self.store.question_counts(utc_day(now - 29 * DAY))
        week_start = utc_day(now - 6 * DAY)
        week = [row for row in rows if row.day >= week_start]

        def tally(selected: Iterable[CountRow], key: Callable[[CountRow], str]) -> Counter[str]:
            counts: Counter[str] = Counter()
            for row in selected:
                counts[key(row)] += row.count
            return counts

        by_decision = (tally(week, lambda r: r.decision), tally(rows, lambda r: r.decision))
        answered = [row for row in rows if row.decision == "answer"]
        by_partner = (
            tally((r for r in answered if r.day >= week_start), lambda r: r.partner),
            tally(answered, lambda r: r.partner),
        )
        by_transport = (tally(week, lambda r: r.transport), tally(rows, lambda r: r.transport))
        total = (sum(by_decision[0].values()), sum(by_decision[1].values()))
        lines = [f"**Vragen** (7 dagen / 30 dagen): {total[0]} / {total[1]}"]
        for decision in ("answer", "clarify", "fallback"):
            lines.append(
                f"- {_DECISION_NL[decision]}: "
                f"{by_decision[0][decision]} / {by_decision[1][decision]}"
            )
        knowledge = self.assistant.knowledge
        lines += ["", "**Beantwoord per partner** (7 / 30 dagen):"]
        if not by_partner[1]:
            lines.append("- nog geen")
        for partner_id, count in by_partner[1].most_common():
            partner = knowledge.partner(partner_id)
            name = partner.name if partner else partner_id
            lines.append(f"- {name}: {by_partner[0][partner_id]} / {count}")
        lines += ["", "**Per kanaal** (7 / 30 dagen):"]
        if not by_transport[1]:
            lines.append("- nog geen")
        for transport, count in by_transport[1].most_common():
            lines.append(f"- {transport}: {by_transport[0][transport]} / {count}")
        lines += ["", "**Feedback per antwoord** (👍 / 👎, 30 dagen):"]
        feedback = self.store.feedback_per_entry(since=now - 30 * DAY)
        if not feedback:
            lines.append("- nog geen reacties")
        for item in feedback:
            lines.append(f"- {_code(item.entry)}: {item.up} / {item.down}")
        return render_notice("status", "Statistieken", "\n".join(lines))

    def unanswered(self, limit: int = UNANSWERED_SHOWN) -> Reply:
        privacy = self.config.privacy
        if not privacy.log_unanswered:
            return render_notice(
                "status",
                "Onbeantwoorde vragen",
                "Het logboek van onbeantwoorde vragen staat uit (privacy eerst). Een beheerder "
                "kan het aanzetten met `privacy.log_unanswered: true` in de configuratie.",
            )
        logged = self.store.unanswered(limit)
        if not logged:
            body = f"Geen onbeantwoorde vragen in de afgelopen {privacy.retention_days} dagen."
            return render_notice("status", "Onbeantwoorde vragen", body)
        lines = [
            f"De laatste {len(logged)}, nieuwste eerst (persoonsgegevens weggelakt, "
            f"bewaard {privacy.retention_days} dagen):",
            "",
        ]
        for number, item in enumerate(logged, start=1):
            nearest = (
                f" (dichtstbij: {_code(item.entry)}, score {item.score:.0f})" if item.entry else ""
            )
            lines.append(
                f"{number}. {_utc_time(item.asked_at)}, {_DECISION_NL.get(item.decision, '?')}: "
                f"{_code(item.text)}{nearest}"
            )
        lines += [
            "",
            "Voeg zo'n vraag toe als alternate bij de juiste entry (`partnerbot "
            "unanswered --suggest`).",
        ]
        return render_notice("status", "Onbeantwoorde vragen", "\n".join(lines))

    # ---- counting and logging questions

    def observe(self, question: Question, text: str, decision: Decision) -> None:
        """Count one matched question; log it (redacted) when unanswered and the log is on."""
        now = self.clock()
        best = decision.best
        partner = best.entry.partner if best is not None and decision.kind == "answer" else "none"
        try:
            self.store.count_question(utc_day(now), question.transport, decision.kind, partner)
            if self.config.privacy.log_unanswered and decision.kind != "answer":
                self.store.log_unanswered(
                    now,
                    question.transport,
                    decision.kind,
                    text[:MAX_LOGGED_CHARS],  # the store redacts before writing
                    best.entry.id if best is not None else None,
                    best.score if best is not None else 0.0,
                )
        except Exception as error:  # never let bookkeeping break an answer
            log.warning("question not counted: %s", type(error).__name__)
        if self.config.logging.debug_message_text:
            log.debug("question %r: %s", text, decision.kind)

    # ---- retention

    def enforce_retention(self) -> int:
        """Delete logged questions past the retention period (all of them while the log is
        off); returns how many went."""
        privacy = self.config.privacy
        now = self.clock()
        cutoff = now - privacy.retention_days * DAY if privacy.log_unanswered else now + DAY
        removed = self.store.prune_unanswered(cutoff)
        self.store.prune_answers(now - privacy.retention_days * DAY)
        if removed:
            log.info("retention: %d logged question(s) deleted", removed)
        return removed

    async def retention_loop(self, stop: asyncio.Event, every: float = DAY) -> None:
        """Enforce the retention now and then every ``every`` seconds until ``stop``."""
        while not stop.is_set():
            try:
                self.enforce_retention()
            except Exception as error:
                log.warning("retention not enforced: %s", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)
