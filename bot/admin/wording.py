"""What the admin commands say: Dutch notices built from plain data, no I/O."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from bot.config import PrivacyConfig
from bot.knowledge import KnowledgeBase
from bot.models import Reply
from bot.reloader import ReloadResult, ReloadTrigger
from bot.replies import render_notice
from bot.store import CountRow, EntryFeedback, LoggedQuestion

MAX_PROBLEMS_SHOWN = 15
DAY = 86_400.0

TRIGGER_NL: dict[ReloadTrigger, str] = {
    "start": "opstarten",
    "file": "bestandswijziging",
    "command": "commando",
    "signal": "signaal (SIGHUP)",
    "editor": "opslaan in de beheerconsole",
}
_DECISION_NL = {"answer": "antwoord", "clarify": "keuzevraag", "fallback": "geen antwoord"}


def utc_day(at: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(at))


def utc_time(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at))


def duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} u"
    if hours:
        return f"{hours} u {minutes} min"
    return f"{minutes} min"


def code(text: str) -> str:
    """Untrusted text as a Markdown code span: shown literally in every format (the HTML
    renderer escapes it, the plain text keeps it readable)."""
    return "`" + " ".join(text.replace("`", "'").split()) + "`"


def problems(count: int) -> str:
    return f"{count} {'probleem' if count == 1 else 'problemen'}"


def refusal(body: str) -> Reply:
    return render_notice("refusal", "", body)


def render_reload_result(result: ReloadResult) -> Reply:
    """The notice for the admin room (and the room that asked for the reload)."""
    why = TRIGGER_NL[result.trigger]
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
        if result.removed:
            gone = ", ".join(f"`{entry}`" for entry in result.removed)
            body += f"\n\nNiet meer in de kennisbank: {gone}."
        return render_notice("notice", "Kennisbank bijgewerkt", body)
    count = len(result.problems)
    lines = [
        f"{problems(count)} gevonden (aanleiding: {why}). "
        f"De bot blijft de laatste goede versie `{result.version}` gebruiken "
        f"({result.entries} entries) tot de fout is hersteld.",
        "",
    ]
    for problem in result.problems[:MAX_PROBLEMS_SHOWN]:
        lines.append(f"- {code(str(problem))}")
    if count > MAX_PROBLEMS_SHOWN:
        lines.append(f"- … en nog {count - MAX_PROBLEMS_SHOWN}; `partnerbot check` toont ze alle.")
    return render_notice("notice", "Kennisbank niet bijgewerkt", "\n".join(lines))


def render_reload_started(posts_here: bool, also_admin_room: bool, prefix: str) -> Reply:
    if posts_here:
        where = "hier en in de beheerruimte" if also_admin_room else "hier"
        body = f"Ik laad de kennisbank opnieuw. Het resultaat meld ik zo {where}."
    else:
        body = (
            "Ik laad de kennisbank opnieuw. Vraag over een paar seconden "
            f"**{prefix}status** voor het resultaat."
        )
    return render_notice("notice", "Herladen gestart", body)


def render_status(
    knowledge: KnowledgeBase,
    started_at: float,
    now: float,
    last: ReloadResult | None,
    privacy: PrivacyConfig,
) -> Reply:
    lines = [
        f"- Kennisbank: versie `{knowledge.version}`, {len(knowledge.entries)} entries",
        f"- Actief sinds {utc_time(started_at)} ({duration(now - started_at)})",
    ]
    if last is None:
        lines.append("- Laatste herlaadpoging: geen sinds de start")
    else:
        outcome = (
            "gelukt"
            if last.ok
            else f"mislukt ({problems(len(last.problems))}); de laatste goede versie "
            "blijft in gebruik"
        )
        lines.append(
            f"- Laatste herlaadpoging: {utc_time(last.at)} ({TRIGGER_NL[last.trigger]}): {outcome}"
        )
    if privacy.log_unanswered:
        lines.append(
            f"- Logboek onbeantwoorde vragen: aan (bewaartermijn {privacy.retention_days} "
            "dagen, persoonsgegevens weggelakt)"
        )
    else:
        lines.append("- Logboek onbeantwoorde vragen: uit")
    return render_notice("status", "Status van Partnerwijzer", "\n".join(lines))


def _tally(rows: Iterable[CountRow], key: Callable[[CountRow], str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for row in rows:
        counts[key(row)] += row.count
    return counts


def render_stats(
    rows: Sequence[CountRow],
    feedback: Sequence[EntryFeedback],
    knowledge: KnowledgeBase,
    now: float,
) -> Reply:
    """Counts of the last 30 days (``rows``) with the last 7 beside them."""
    week_start = utc_day(now - 6 * DAY)
    week = [row for row in rows if row.day >= week_start]
    by_decision = (_tally(week, lambda r: r.decision), _tally(rows, lambda r: r.decision))
    answered = [row for row in rows if row.decision == "answer"]
    by_partner = (
        _tally((r for r in answered if r.day >= week_start), lambda r: r.partner),
        _tally(answered, lambda r: r.partner),
    )
    by_transport = (_tally(week, lambda r: r.transport), _tally(rows, lambda r: r.transport))
    total = (sum(by_decision[0].values()), sum(by_decision[1].values()))
    lines = [f"**Vragen** (7 dagen / 30 dagen): {total[0]} / {total[1]}"]
    for decision in ("answer", "clarify", "fallback"):
        lines.append(
            f"- {_DECISION_NL[decision]}: {by_decision[0][decision]} / {by_decision[1][decision]}"
        )
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
    if not feedback:
        lines.append("- nog geen reacties")
    for item in feedback:
        lines.append(f"- {code(item.entry)}: {item.up} / {item.down}")
    return render_notice("status", "Statistieken", "\n".join(lines))


def render_unanswered(logged: Sequence[LoggedQuestion], privacy: PrivacyConfig) -> Reply:
    title = "Onbeantwoorde vragen"
    if not privacy.log_unanswered:
        return render_notice(
            "status",
            title,
            "Het logboek van onbeantwoorde vragen staat uit (privacy eerst). Een beheerder "
            "kan het aanzetten met `privacy.log_unanswered: true` in de configuratie.",
        )
    if not logged:
        body = f"Geen onbeantwoorde vragen in de afgelopen {privacy.retention_days} dagen."
        return render_notice("status", title, body)
    lines = [
        f"De laatste {len(logged)}, nieuwste eerst (persoonsgegevens weggelakt, "
        f"bewaard {privacy.retention_days} dagen):",
        "",
    ]
    for number, item in enumerate(logged, start=1):
        nearest = f" (dichtstbij: {code(item.entry)}, score {item.score:.0f})" if item.entry else ""
        lines.append(
            f"{number}. {utc_time(item.asked_at)}, {_DECISION_NL.get(item.decision, '?')}: "
            f"{code(item.text)}{nearest}"
        )
    lines += [
        "",
        "Voeg zo'n vraag toe als alternate bij de juiste entry (`partnerbot "
        "unanswered --suggest`).",
    ]
    return render_notice("status", title, "\n".join(lines))
