"""Fast paths of text analysis give what the plain way gives: ``tokenize`` looks for a
pattern's words before running it, ``SynonymTable.apply`` only looks where a variant can
start. Checked on every text the project has and on texts made to match each pattern."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from bot import text
from bot.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parent.parent

MADE_TO_MATCH = [
    "volgens de infographic mag dat",
    "Wat staat er in deze infographics over boa's?",
    "uit dit overzicht: wie doet wat",
    "van die plaat snap ik niks",
    "according to the infographic, who?",
    "in this infographic the police",
    "iemand enig idee hoe dat zit?",
    "enig idee?",
    "weet iemand of de politie mag meekijken",
    "vraagje: mag dat?",
    "quick question about OSINT",
    "even checken: de boa mag dat toch?",
    "korte vraag over school",
    "wat wordt er bedoeld met taakaccent?",
    "wat wordt bedoeld met OSINT",
    "wat is de inhoud van het plan",
    "jongeren -18 jaar online",
    "onder de 16 op tiktok",
    "vanaf 12 jaar",
    "15-jarigen en snapchat",
    "een 14 jarige",
    "t & h en e-mail van de jeugd-boa",
    "T&H, OGG1, info@example.org en 06 12345678",
    "e-mailadres",
]


def _reference(value: str) -> list[str]:
    folded = text.fold(value[: text.MAX_MATCH_CHARS])
    folded = text._SINGLE_LETTER_HYPHEN.sub(r"\1", folded)
    folded = text._SPACED_AMPERSAND.sub(r"\1&\2", folded)
    folded = text._FRAMING.sub(" ", folded)
    folded = text._AGE.sub(" ", folded)
    return [t for t in text._TOKEN_RE.findall(folded) if len(t) > 1 or t.isdigit()]


def _corpus() -> list[str]:
    knowledge = load_knowledge()
    texts = list(MADE_TO_MATCH)
    for entry in knowledge.entries:
        texts += [entry.question, *entry.alternates, *entry.keywords, entry.answer, entry.source]
    for path in sorted((ROOT / "bench").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, list):
            texts += [str(case["q"]) for case in data if isinstance(case, dict) and "q" in case]
    return texts


def test_tokens_are_those_of_running_every_pattern() -> None:
    texts = _corpus()
    assert len(texts) > 500
    for value in texts:
        assert text.tokenize(value) == _reference(value), value


def test_each_made_up_text_is_changed_by_some_pattern() -> None:
    # Otherwise the list above would not test the look-before-running at all.
    for value in MADE_TO_MATCH:
        folded = text.fold(value)
        assert text._TOKEN_RE.findall(folded) != _reference(value) or "&" in folded, value


def _apply_every_position(table: text.SynonymTable, tokens: list[str]) -> list[str]:
    """``SynonymTable.apply`` as first written: a look at every position."""
    out: list[str] = []
    index = 0
    while index < len(tokens):
        for size in table.sizes.get(tokens[index], ()):
            if size <= len(tokens) - index:
                replacement = table.phrases.get(tuple(tokens[index : index + size]))
                if replacement is not None:
                    out.extend(replacement)
                    index += size
                    break
        else:
            out.append(tokens[index])
            index += 1
    return out


def test_synonyms_replace_as_a_look_at_every_position_would() -> None:
    knowledge = load_knowledge()
    table = text.SynonymTable.build(knowledge.synonyms)
    variant_words = sorted({token for phrase in table.phrases for token in phrase})
    assert any(len(phrase) > 1 for phrase in table.phrases)
    rng = random.Random(16)
    words = [*variant_words, "de", "boa", "online", "mag", "school"]
    for _ in range(3000):
        tokens = rng.choices(words, k=rng.randint(0, 9))
        assert table.apply(tokens) == _apply_every_position(table, tokens), tokens
    for phrase in table.phrases:  # each variant alone, and overlapping its neighbours
        tokens = ["x", *phrase, *phrase[:1], "y"]
        assert table.apply(tokens) == _apply_every_position(table, tokens), tokens
