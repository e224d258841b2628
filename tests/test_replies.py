"""Rendering decisions as plain text, Markdown and HTML; user text is always escaped."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from bot.config import MatchingConfig
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matching import Matcher
from bot.models import Decision, Match, Reply
from bot.replies import (
    ENGLISH_NOTE,
    LEGAL_NOTE,
    MAX_QUOTE_CHARS,
    markdown_to_html,
    needs_legal_note,
    render_contact,
    render_decision,
    render_fallback,
    render_partners,
)

# Tags the bot's own HTML may contain: what CommonMark makes of the knowledge's Markdown.
ALLOWED_TAGS = frozenset(
    "p strong em br ul ol li a code pre table thead tbody tr th td h1 h2 h3 blockquote hr"
    " details summary".split()
)

INJECTIONS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "**bold** [x](javascript:alert(1))",
    "@room iedereen opletten",
    "<a href='https://evil.example'>klik</a> & <b>vet</b>",
    "![plaatje](https://evil.example/p.png) <javascript:alert(1)>",
    "`code` _schuin_ ~~weg~~ # kop > quote - lijst | tabel |",
]


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(html: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(html)
    collector.close()
    return collector


def assert_safe_html(html: str) -> None:
    """Only formatting tags, no attributes but mailto links: nothing the user could inject."""
    for tag, attrs in parse_html(html).tags:
        assert tag in ALLOWED_TAGS, f"unexpected <{tag}> in {html!r}"
        if tag == "a":
            assert set(attrs) == {"href"}
            assert (attrs["href"] or "").startswith("mailto:"), attrs
        else:
            assert not attrs, f"<{tag}> has attributes {attrs}"


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="module")
def matcher(knowledge: KnowledgeBase) -> Matcher:
    return Matcher(knowledge)


def reply_for(matcher: Matcher, question: str) -> Reply:
    return render_decision(matcher.decide(question), question, matcher.knowledge)


# --- injection ---------------------------------------------------------------------------


@pytest.mark.parametrize("attack", INJECTIONS)
def test_user_text_in_a_fallback_is_escaped_in_every_format(
    knowledge: KnowledgeBase, attack: str
) -> None:
    reply = render_fallback(attack, knowledge)
    assert reply.kind == "fallback"
    # HTML (Matrix formatted_body): only the bot's own tags; the quote is visible as text.
    assert_safe_html(reply.html)
    visible = "".join(parse_html(reply.html).text)
    assert " ".join(attack.split())[:40] in visible
    # Markdown (Teams): rendered by a permissive renderer (raw HTML on), still nothing injected.
    rendered = MarkdownIt("commonmark", {"html": True}).render(reply.markdown)
    assert_safe_html(rendered)
    assert "<strong>bold</strong>" not in rendered
    assert "javascript:" not in "".join(str(a) for _, a in parse_html(rendered).tags)
    # Plain text: one line, the user's words as typed.
    quote_line = next(line for line in reply.text.splitlines() if line.startswith("Je vroeg"))
    assert " ".join(attack.split())[:40] in quote_line


@pytest.mark.parametrize("attack", INJECTIONS)
def test_injection_through_the_matcher_is_escaped(matcher: Matcher, attack: str) -> None:
    reply = reply_for(matcher, attack)
    assert_safe_html(reply.html)
    assert_safe_html(MarkdownIt("commonmark", {"html": True}).render(reply.markdown))


def test_room_mention_does_not_become_a_link_or_pill(knowledge: KnowledgeBase) -> None:
    reply = render_fallback("@room kijk hier", knowledge)
    hrefs = [attrs.get("href") or "" for tag, attrs in parse_html(reply.html).tags if tag == "a"]
    assert hrefs and all(href.startswith("mailto:") for href in hrefs)
    assert "matrix.to" not in reply.html and "matrix.to" not in reply.markdown


def quoted_in(reply: Reply) -> str:
    quote_line = next(line for line in reply.text.splitlines() if line.startswith("Je vroeg"))
    return quote_line.removeprefix("Je vroeg: “").removesuffix("”")


def test_the_quote_is_short_and_on_one_line(knowledge: KnowledgeBase) -> None:
    question = "regel een\nregel twee\r\n\tmet\x00controle\u2028tekens " + "x" * 500
    reply = render_fallback(question, knowledge)
    quoted = quoted_in(reply)
    assert len(quoted) <= MAX_QUOTE_CHARS
    assert quoted.startswith("regel een")
    assert quoted.endswith("…")
    assert all(char.isprintable() for char in quoted)
    assert "\x00" not in reply.html and "\x00" not in reply.markdown


def test_a_line_break_in_the_question_separates_words_in_the_quote(
    knowledge: KnowledgeBase,
) -> None:
    reply = render_fallback("hoi\nwie\tweet dit", knowledge)
    assert quoted_in(reply) == "hoi wie weet dit"


def test_fallback_without_words_does_not_quote(knowledge: KnowledgeBase) -> None:
    reply = render_fallback("  \n\t ", knowledge)
    assert "Je vroeg" not in reply.text
    assert reply.kind == "fallback"


# --- answers -----------------------------------------------------------------------------


def test_an_answer_names_partner_and_source_on_one_line(matcher: Matcher) -> None:
    knowledge = matcher.knowledge
    reply = reply_for(matcher, "mag een handhaver op instagram meekijken bij jongeren")
    assert reply.kind == "answer" and reply.decision is not None
    entry = reply.decision.matches[0].entry
    partner = knowledge.partner(entry.partner)
    assert partner is not None
    assert reply.title == entry.question
    assert reply.body_markdown == entry.answer
    assert reply.partner_name == partner.name
    assert reply.source == entry.source
    footer = f"Partner: {partner.name} · Bron: infographic, {entry.source}"
    assert footer in reply.text.splitlines() and footer in reply.short_text.splitlines()
    assert entry.source in reply.markdown
    # An answer that does not send people onwards carries no addresses.
    assert reply.contacts == ()
    assert "@" not in reply.text
    assert markdown_to_html(entry.answer) in reply.html
    assert_safe_html(reply.html)


def test_the_contact_entry_carries_its_addresses(knowledge: KnowledgeBase) -> None:
    from bot.models import Decision, Match

    entry = knowledge.entry("algemeen-contact")
    assert entry is not None and entry.contacts
    reply = render_decision(Decision("answer", (Match(entry, 90.0),)), "contact", knowledge)
    assert reply.contacts == knowledge.contacts_for(entry)
    mailtos = {attrs["href"] for tag, attrs in parse_html(reply.html).tags if tag == "a"}
    assert {f"mailto:{contact.email}" for contact in reply.contacts} <= mailtos
    for contact in reply.contacts:
        # In the lead, and not repeated in the footer.
        assert reply.short_text.count(contact.email) == 1


def test_every_shipped_answer_renders_safely(knowledge: KnowledgeBase) -> None:
    from bot.models import Decision, Match

    for entry in knowledge.entries:
        decision = Decision("answer", (Match(entry, 90.0),), confidence=90.0)
        reply = render_decision(decision, entry.question, knowledge)
        assert reply.kind == "answer"
        assert_safe_html(reply.html)
        assert "**" not in reply.text  # plain text has no Markdown emphasis left


# --- the legal note ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "mag een handhaver op instagram meekijken bij jongeren",
        "is het toegestaan dat de gemeente een nepaccount gebruikt",
        "MÁG de politie in een besloten groep?",
        "welke partners mogen een anoniem account gebruiken?",
    ],
)
def test_questions_about_what_is_allowed_get_the_legal_note(
    matcher: Matcher, question: str
) -> None:
    assert needs_legal_note(question)
    reply = reply_for(matcher, question)
    assert reply.legal_note == LEGAL_NOTE
    assert LEGAL_NOTE in reply.text
    assert LEGAL_NOTE in reply.markdown
    assert "<em>" + LEGAL_NOTE.split(":")[0] in reply.html


@pytest.mark.parametrize(
    "question",
    [
        "wat is de taak van een jongerenwerker",
        "osint workshop voor jongerenwerkers",
        "welke wet geldt voor de politie online",
        "wat doet een digitaal wijkagent?",
        "welke magazijnen en wetenschappers kent de politie",
    ],
)
def test_other_questions_get_no_legal_note(matcher: Matcher, question: str) -> None:
    assert not needs_legal_note(question)
    reply = reply_for(matcher, question)
    assert reply.legal_note is None
    assert LEGAL_NOTE not in reply.text and LEGAL_NOTE not in reply.html


# --- clarify -------------------------------------------------------------------------------


def test_clarify_lists_numbered_options(knowledge: KnowledgeBase) -> None:
    matcher = Matcher(knowledge, MatchingConfig(answer_threshold=101.0, clarify_threshold=0.0))
    question = "mag een handhaver op instagram meekijken bij jongeren"
    decision = matcher.decide(question)
    assert decision.kind == "clarify"
    reply = render_decision(decision, question, knowledge)
    assert reply.kind == "clarify"
    assert len(reply.options) == len(decision.options) >= 2
    for number, (label, option) in enumerate(zip(reply.options, decision.options, strict=True), 1):
        partner = knowledge.partner(option.entry.partner)
        assert partner is not None
        assert option.entry.question in label and partner.name in label
        assert f"{number}. {label}" in reply.text
        assert f"{number}. {label}" in reply.markdown
    items = [tag for tag, _ in parse_html(reply.html).tags if tag == "li"]
    assert ("ol", {}) in parse_html(reply.html).tags
    assert len(items) == len(reply.options)
    assert_safe_html(reply.html)


# --- commands -----------------------------------------------------------------------------


def test_partners_lists_every_partner_but_the_general_one(knowledge: KnowledgeBase) -> None:
    reply = render_partners(knowledge)
    assert reply.kind == "partners"
    for partner in knowledge.partners:
        assert (partner.name in reply.text) == (partner.id != "algemeen")
    assert_safe_html(reply.html)


def test_contact_lists_every_address_as_mailto(knowledge: KnowledgeBase) -> None:
    reply = render_contact(knowledge)
    assert reply.kind == "contact"
    assert reply.contacts == knowledge.contacts
    hrefs = {attrs["href"] for tag, attrs in parse_html(reply.html).tags if tag == "a"}
    assert hrefs == {f"mailto:{contact.email}" for contact in knowledge.contacts}


def test_an_english_question_gets_one_english_line_and_the_dutch_answer(
    matcher: Matcher, knowledge: KnowledgeBase
) -> None:
    question = "Which news sources do youth workers follow?"
    reply = render_decision(matcher.decide(question), question, knowledge)
    assert reply.kind == "answer"
    for rendering in (reply.text, reply.markdown, reply.html, reply.short_text):
        assert rendering.count(ENGLISH_NOTE) == 1
    assert "jongerenwerk" in reply.text.lower()  # the answer itself stays Dutch
    dutch = "Welke nieuwsbronnen volgen jongerenwerkers?"
    assert ENGLISH_NOTE not in render_decision(matcher.decide(dutch), dutch, knowledge).text


def test_an_uncovered_word_is_escaped_and_the_nearest_sections_are_numbered(
    knowledge: KnowledgeBase,
) -> None:
    entries = knowledge.entries[:2]
    options = tuple(Match(entry, 40.0) for entry in entries)
    decision = Decision("fallback", options, options=options, uncovered=("<b>x</b>",))
    reply = render_decision(decision, "vraag", knowledge)
    assert reply.kind == "fallback"
    assert reply.option_ids == tuple(entry.id for entry in entries)
    assert "<b>" not in reply.html
    assert "1. " in reply.text and "2. " in reply.text


@pytest.mark.parametrize("word", ["doorzoeken", "t&h", "jan@example.nl", '<b>"x"</b>', "a*b_c"])
def test_an_uncovered_word_is_filled_in_as_rendering_the_whole_text_would_show_it(
    knowledge: KnowledgeBase, word: str
) -> None:
    # The fixed text goes through the knowledge caches with a placeholder; the word is
    # escaped into each format afterwards. That must read exactly as rendering the filled
    # text from scratch, and the caches must never hold the word.
    from bot.replies.markup import USER_WORD, escape_markdown, knowledge_html, knowledge_plain

    options = tuple(Match(entry, 40.0) for entry in knowledge.entries[:2])
    decision = Decision("fallback", options, options=options, uncovered=(word,))
    reply = render_decision(decision, "vraag", knowledge)
    filled = reply.body_markdown
    assert f"“{escape_markdown(word)}”" in filled
    html_body = reply.html.split("\n<p><strong>Contact")[0]
    assert html_body.endswith(MarkdownIt("commonmark").enable("table").render(filled).strip())
    assert f"over “{word}”." in reply.text  # plain text shows the word as typed
    assert f"“{word}”" in reply.short_text
    assert f"“{escape_markdown(word)}”" in reply.markdown
    for cache in (knowledge_html, knowledge_plain):
        keys = _cache_keys(cache)
        assert any(USER_WORD in key for key in keys)  # the text went through the cache ...
        assert not any(word in key for key in keys)  # ... and the word did not


def _cache_keys(cache: object) -> list[str]:
    """The texts an ``lru_cache`` holds: the keys of the dicts it refers to."""
    import gc

    keys: list[str] = []
    for referent in gc.get_referents(cache):
        if isinstance(referent, dict):
            keys.extend(str(key) for key in referent)
    return keys
