"""Small talk: greetings, thanks, goodbyes and "wat kun je?" get a short, friendly reply.

People greet a bot, thank it and ask what it can do; a "Geen antwoord gevonden" with two
addresses is the wrong answer to "hoi". Only a whole message counts as small talk ("hoi,
mag een boa ...?" is a question), and only a short one made of small-talk words.
"""

from __future__ import annotations

import re
from typing import Literal

from bot.models import Reply
from bot.replies import render_notice
from bot.text import fold

SmallTalk = Literal["greeting", "thanks", "goodbye", "capabilities", "acknowledgement"]

MAX_WORDS = 8
# Words that may pad any small talk ("hoi allemaal", "top, dank je wel", "ok bedankt").
_FILLER = frozenset(
    "allemaal iedereen daar hier jij je u jullie bot partnerwijzer nog even zeer heel erg "
    "wel hoor he hey ok oke okay oké ja nee prima top super mooi fijn goed helder duidelijk "
    "mooi nou zo dan alvast all you there".split()
)
_PHRASES: dict[SmallTalk, tuple[str, ...]] = {
    "greeting": (
        "hoi",
        "hallo",
        "hai",
        "hey",
        "hee",
        "hi",
        "hello",
        "yo",
        "goedemorgen",
        "goedemiddag",
        "goedenavond",
        "goeiemorgen",
        "goeiemiddag",
        "morgen",
        "middag",
        "avond",
        "good morning",
        "good afternoon",
        "hoe gaat het",
        "hoe gaat het ermee",
        "alles goed",
        "how are you",
    ),
    "thanks": (
        "bedankt",
        "dank",
        "dank je",
        "dank je wel",
        "dankjewel",
        "dank u",
        "dank u wel",
        "dankuwel",
        "thanks",
        "thank you",
        "thx",
        "thnx",
        "tnx",
        "merci",
        "top dank",
        "heel fijn",
        "dat helpt",
        "daar heb ik wat aan",
    ),
    "goodbye": (
        "doei",
        "dag",
        "daag",
        "doeg",
        "tot ziens",
        "tot later",
        "tot de volgende keer",
        "fijne dag",
        "fijne avond",
        "fijn weekend",
        "bye",
        "goodbye",
        "later",
        "groetjes",
        "groet",
    ),
    "capabilities": (
        "wat kun je",
        "wat kan je",
        "wat kun jij",
        "wat kan jij",
        "wat kun je allemaal",
        "wat kan je allemaal",
        "wat kun je eigenlijk",
        "wat kun je eigenlijk allemaal",
        "wat kan jij nog meer",
        "wat kun je nog meer",
        "wat kan je nog meer",
        "wat doe je",
        "wat doe jij",
        "wat doe je eigenlijk",
        "wie ben jij",
        "wie ben je",
        "wat ben jij",
        "wat ben je",
        "waar kan ik je voor gebruiken",
        "waar ben je voor",
        "wat weet je",
        "wat weet jij",
        "waar weet je iets van",
        "what can you do",
        "who are you",
    ),
    "acknowledgement": ("ok", "oke", "okay", "prima", "top", "helder", "duidelijk", "goed"),
}
# Longest phrases first, so "dank je wel" is read before "dank".
_ORDERED = sorted(
    ((fold(phrase), kind) for kind, phrases in _PHRASES.items() for phrase in phrases),
    key=lambda item: -len(item[0]),
)
_WORD = re.compile(r"[a-z]+")
# Every word a phrase or the filler holds: a message with any other word is no small talk
# (nothing could remove that word), which most questions show at their first such word.
_KNOWN_WORDS = frozenset(_FILLER) | {word for phrase, _ in _ORDERED for word in phrase.split()}

REPLIES: dict[SmallTalk, str] = {
    "greeting": (
        "Hallo! Ik beantwoord vragen over de infographic “De informatiepositie van partners in "
        "de online leefwereld”. Stel gerust je vraag, bijvoorbeeld: “mag een boa online "
        "rondkijken?”"
    ),
    "thanks": "Graag gedaan! Stel gerust nog een vraag als je die hebt.",
    "goodbye": "Tot ziens, en succes!",
    "capabilities": (
        "Ik zoek het antwoord op je vraag in de infographic “De informatiepositie van partners "
        "in de online leefwereld”: wat politie, medewerkers T&H (boa), gemeente (OOV), "
        "jongerenwerk en scholen online kunnen en mogen, waar ze informatie vandaan halen, "
        "welke opleidingen er zijn en wat je van elkaar kunt verwachten. Stel je vraag in "
        "gewone woorden; {help_how} voor voorbeelden."
    ),
    "acknowledgement": "Fijn. Stel gerust nog een vraag als je die hebt.",
}


def classify(text: str) -> SmallTalk | None:
    """What kind of small talk a whole message is, or None when it asks something else."""
    words = _WORD.findall(fold(text).replace("'", ""))
    if not words or len(words) > MAX_WORDS or not _KNOWN_WORDS.issuperset(words):
        return None
    found: list[SmallTalk] = []
    rest = f" {' '.join(words)} "
    for phrase, kind in _ORDERED:
        if f" {phrase} " in rest:
            rest = rest.replace(f" {phrase} ", " ")
            found.append(kind)
    if not found or any(word not in _FILLER for word in rest.split()):
        return None
    # "ok bedankt, fijne dag": the goodbye ends the talk; thanks outrank a greeting.
    for kind in ("capabilities", "goodbye", "thanks", "greeting"):
        if kind in found:
            return kind
    return found[0]


def render_small_talk(kind: SmallTalk, help_how: str = "vraag om **help**") -> Reply:
    return render_notice("smalltalk", "", REPLIES[kind].replace("{help_how}", help_how))


def small_talk_reply(text: str, help_how: str = "vraag om **help**") -> Reply | None:
    """The friendly reply to a message that is only small talk, else None; ``help_how``
    says how to ask for help here (``replies.help_instruction``)."""
    kind = classify(text)
    return render_small_talk(kind, help_how) if kind is not None else None
