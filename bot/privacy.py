"""Redaction of personal data in question text, before anything is stored.

Questions may name minors (AVG/GDPR). The unanswered-question log is off by default; when an
operator turns it on, every text passes through ``redact`` first, so e-mail addresses, links,
@-handles (Instagram, TikTok, Matrix ids), phone numbers, dates, postcodes and long digit
runs (BSN, case and account numbers) never reach the database. Names cannot be recognised
reliably; that is why the log is opt-in and has a retention period.

Pure and dependency-free: ``redact(text) -> str``.
"""

from __future__ import annotations

import re

_MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    "|jan|feb|febr|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec"
)
# Two-letter words and units that follow a number or a year in ordinary questions.
_NOT_POSTCODE_LETTERS = (
    "en|of|in|op|om|te|is|ik|je|we|ze|er|al|nu|na|zo|de|ja|uw|af|ga|ok|as|bv|tm|vs|nl"
    "|km|kg|mg|mb|gb|kb|cm|mm|ml|cl|dl|pk|kw|ct"
)

# Order matters: e-mail before @-handles, handles before links (@user:matrix.org),
# phone numbers and dates before the generic digit runs.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Every pattern starts only where its run of characters starts (a lookbehind, not \b):
    # trying each position inside a long run would make "a" * 100_000 take minutes.
    (re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE), "[e-mail]"),
    # @naam, @naam.achternaam, @user:server.tld (Matrix), but not a lone "@".
    (re.compile(r"(?<![\w@])@\w+(?:[.\-]\w+)*(?::\w+(?:[.\-]\w+)*)?", re.UNICODE), "[account]"),
    (
        re.compile(
            r"\b(?:https?://|www\.)\S+|(?<![\w.-])[\w-]+(?:\.[\w-]+)*\.(?:com|nl|net|org|be|eu|tv)"
            r"(?:/\S*)?",
            re.IGNORECASE,
        ),
        "[link]",
    ),
    # International numbers: +31 6 12345678, 0031 20 123 4567, +32 ..., with separators.
    (re.compile(r"(?:\+|\b00)\d{1,3}(?:[\s\-.]?\(?0?\)?)?(?:[\s\-.]?\d){6,12}\b"), "[telefoon]"),
    # Dutch national numbers: 10 digits starting with 0 (06-12345678, 020 123 45 67,
    # (010) 1234567).
    (re.compile(r"(?<!\d)\(?0\d{1,3}\)?(?:[\s\-.]?\d){6,8}(?!\d)"), "[telefoon]"),
    # Dates (a date of birth names a person as well as a name does): 3-5-2010, 03/05/10,
    # 2010-05-03, 3 mei 2010, 3 mei, 12 okt. '09.
    (re.compile(r"(?<!\d)\d{1,2}[\-/.]\d{1,2}[\-/.](?:\d{4}|\d{2})(?!\d)"), "[datum]"),
    (re.compile(r"(?<!\d)[12]\d{3}[\-/.]\d{1,2}[\-/.]\d{1,2}(?!\d)"), "[datum]"),
    (
        re.compile(
            rf"(?<!\d)\d{{1,2}}(?:e|ste|de)?\s+(?:{_MONTHS})\b\.?(?:\s+(?:\d{{4}}|'\d{{2}})(?!\d))?",
            re.IGNORECASE,
        ),
        "[datum]",
    ),
    # Postcodes: 1234 AB, 1234AB, 1234ab, 1234 ab; with a space and lower case only when
    # the letters are not a word ("in 2024 en 2025", "1500 km" are no postcodes).
    (
        re.compile(
            rf"\b[1-9]\d{{3}}(?:\s?[A-Z]{{2}}|[a-z]{{2}}|\s(?!(?i:{_NOT_POSTCODE_LETTERS})\b)"
            r"[A-Za-z]{2})\b"
        ),
        "[postcode]",
    ),
    # Long digit runs, also grouped: BSN 123456782, 123.456.782, 1234 5678.
    (re.compile(r"(?<!\d)\d(?:[\s.\-]?\d){6,}(?!\d)"), "[nummer]"),
)


def redact(text: str) -> str:
    """The text with personal data replaced by placeholders such as ``[e-mail]``."""
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    return text
