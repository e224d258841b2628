"""Loading and validating knowledge folders: the shipped one, and broken copies of a small one.

Every broken variant is a copy of ``tests/fixtures/knowledge`` with one visible edit, so each
test shows exactly what breaks. Expected line numbers are looked up in the edited file, never
hard-coded.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_support import stdout_under_hash_seeds

from bot.knowledge import (
    MAX_LEAD_CHARS,
    MIN_ALTERNATES,
    SHIPPED_KNOWLEDGE,
    KnowledgeBase,
    KnowledgeError,
    Problem,
    load_knowledge,
)

FIXTURE = Path(__file__).parent / "fixtures" / "knowledge"


def copy_fixture(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Replace exactly one occurrence of ``old``; fail loudly if the fixture changed."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, marker: str, occurrence: int = 1) -> int:
    """1-based line number of the n-th line that contains ``marker``."""
    hits = [n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if marker in line]
    assert len(hits) >= occurrence, f"{marker!r} not found {occurrence}x in {path}"
    return hits[occurrence - 1]


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(folder)
    assert caught.value.problems, "a KnowledgeError always lists its problems"
    return caught.value.problems


# --- the shipped knowledge -------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    return load_knowledge()


def test_shipped_knowledge_loads_and_is_consistent(shipped: KnowledgeBase) -> None:
    assert shipped.path == str(SHIPPED_KNOWLEDGE)
    assert len(shipped.entries) >= 20
    partner_ids = {partner.id for partner in shipped.partners}
    assert {"politie", "handhaving", "gemeente", "jongerenwerk", "scholen", "algemeen"} <= (
        partner_ids
    )
    assert len(shipped.contacts) >= 2
    ids = [entry.id for entry in shipped.entries]
    assert len(ids) == len(set(ids))
    for entry in shipped.entries:
        assert entry.partner in partner_ids
        assert entry.topic in shipped.topics
        assert len(entry.alternates) >= MIN_ALTERNATES
        assert entry.answer.strip() and entry.source.strip() and entry.keywords
        assert entry.file.startswith("knowledge/entries/") and entry.line >= 1
        assert shipped.entry(entry.id) is entry
    for partner in shipped.partners:
        assert shipped.partner(partner.id) is partner


def test_entry_line_points_at_its_id(shipped: KnowledgeBase) -> None:
    for entry in shipped.entries:
        line = (
            (SHIPPED_KNOWLEDGE.parent / entry.file).read_text("utf-8").splitlines()[entry.line - 1]
        )
        assert f"id: {entry.id}" in line


def test_shipped_version_is_a_stable_content_hash(shipped: KnowledgeBase) -> None:
    assert len(shipped.version) == 12
    int(shipped.version, 16)
    assert load_knowledge().version == shipped.version


def test_version_changes_when_any_file_changes(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    before = load_knowledge(folder).version
    edit(folder / "entries" / "algemeen.yaml", "Mail een van", "Mail gerust een van")
    assert load_knowledge(folder).version != before


def test_knowledge_base_is_immutable(shipped: KnowledgeBase) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        shipped.version = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        shipped.entries[0].answer = "x"  # type: ignore[misc]
    assert isinstance(shipped.entries, tuple)


def test_fixture_loads(tmp_path: Path) -> None:
    knowledge = load_knowledge(FIXTURE)
    assert {entry.id for entry in knowledge.entries} == {
        "politie-online",
        "politie-opleidingen",
        "handhaving-online",
        "algemeen-contact",
    }
    assert dict(knowledge.synonyms)["instagram"] == ("insta", "ig")


def test_contacts_for_an_entry(tmp_path: Path) -> None:
    knowledge = load_knowledge(FIXTURE)
    every = knowledge.contacts
    assert [c.id for c in knowledge.contacts_for(knowledge.entry("politie-opleidingen"))] == [
        "tweede"
    ]
    assert knowledge.contacts_for(knowledge.entry("politie-online")) == every  # none listed
    assert knowledge.contacts_for(None) == every


def test_not_a_folder_is_a_knowledge_error(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path / "missing")
    assert problem.message == (
        "is geen map; geef de kennismap mee (--knowledge /pad/naar/knowledge)"
    )


# --- one class of mistake at a time --------------------------------------------------------


@dataclass(frozen=True)
class Breakage:
    """One edit to the fixture, and the problem it must cause."""

    file: str  # relative to the knowledge folder
    old: str
    new: str
    message: str  # a fragment of the problem message
    entry: str | None  # the entry (or partner, synonym term) the problem names
    marker: str | None  # text on the line the problem must point at (None: not checked)
    occurrence: int = 1


POLITIE = "entries/politie.yaml"
HANDHAVING = "entries/handhaving.yaml"
HANDHAVING_ALTERNATES = (
    "mag een boa op instagram kijken",
    "mag handhaving een nepaccount maken",
    "wat mag een handhaver op social media",
    "boa online toezicht",
    "mag een boa in een groepsapp meekijken",
)

BREAKAGES = {
    "yaml syntax": Breakage(
        POLITIE,
        'question: "Wat mag de politie online?"',
        "question: Wat mag: de politie online?",
        "YAML-fout",
        "politie-online",  # the entry whose lines hold the error
        "question: Wat mag: de politie",
    ),
    "unknown field": Breakage(
        POLITIE,
        '    source: "Politie > Online"\n',
        '    source: "Politie > Online"\n    answr: "typo"\n',
        "onbekend veld 'answr' (toegestaan: alternates, answer,",
        "politie-online",
        "answr:",
    ),
    "missing field": Breakage(
        HANDHAVING,
        '    source: "Handhaving > Online"\n',
        "",
        "het veld 'source' ontbreekt",
        "handhaving-online",
        "id: handhaving-online",
    ),
    "alternates as a string": Breakage(
        HANDHAVING,
        "    alternates:\n" + "".join(f'      - "{text}"\n' for text in HANDHAVING_ALTERNATES),
        '    alternates: "mag een boa op instagram kijken"\n',
        "het veld 'alternates' moet een lijst zijn, niet tekst: zet elk item op een eigen "
        "regel met '- ', of schrijf [een, twee]",
        "handhaving-online",
        'alternates: "mag een boa',
    ),
    "answer as a list": Breakage(
        HANDHAVING,
        '    answer: "Een boa kijkt alleen in openbare bronnen, binnen het eigen domein."',
        "    answer: [een, twee]",
        "het veld 'answer' moet tekst zijn, niet een lijst",
        "handhaving-online",
        "answer: [een, twee]",
    ),
    "unknown partner": Breakage(
        HANDHAVING,
        "    partner: handhaving",
        "    partner: brandweer",
        "onbekende partner 'brandweer' (bekend: ",
        "handhaving-online",
        "partner: brandweer",
    ),
    "misspelled partner": Breakage(
        HANDHAVING,
        "    partner: handhaving",
        "    partner: handhaven",
        "onbekende partner 'handhaven' (bekend: algemeen, handhaving, politie); "
        "bedoel je 'handhaving'?",
        "handhaving-online",
        "partner: handhaven",
    ),
    "misspelled field": Breakage(
        POLITIE,
        '    source: "Politie > Online"\n',
        '    soruce: "Politie > Online"\n',
        "onbekend veld 'soruce' (toegestaan: alternates, answer, contacts, id, keywords, lead, "
        "partner, question, source, topic); bedoel je 'source'?",
        "politie-online",
        "soruce:",
    ),
    "misspelled topic": Breakage(
        HANDHAVING,
        "    topic: online",
        "    topic: onlien",
        "; bedoel je 'online'?",
        "handhaving-online",
        "topic: onlien",
    ),
    "new topic not in the taxonomy": Breakage(
        HANDHAVING,
        "    topic: online",
        "    topic: kookles",
        "; zet een nieuw onderwerp eerst in taxonomy.yaml",
        "handhaving-online",
        "topic: kookles",
    ),
    "lead with a blank line": Breakage(
        HANDHAVING,
        '    source: "Handhaving > Online"\n',
        '    source: "Handhaving > Online"\n    lead: |\n      Kort.\n\n      Nog een alinea.\n',
        "het veld 'lead' heeft een lege regel, maar is één alinea: haal de lege regel weg "
        "en zet de rest in het veld 'answer'",
        "handhaving-online",
        "lead: |",
    ),
    "lead too long": Breakage(
        HANDHAVING,
        '    source: "Handhaving > Online"\n',
        f'    source: "Handhaving > Online"\n    lead: "{"Een boa kijkt. " * 30}"\n',
        f"het veld 'lead' is {len('Een boa kijkt. ' * 30) - 1} tekens lang, "
        f"hoogstens {MAX_LEAD_CHARS}: houd één of twee zinnen over en zet de rest in "
        "het veld 'answer'",
        "handhaving-online",
        "lead: ",
    ),
    "unknown topic": Breakage(
        HANDHAVING,
        "    topic: online",
        "    topic: kookles",
        "onbekend topic 'kookles' (bekend: ",
        "handhaving-online",
        "topic: kookles",
    ),
    # Entry files load in name order: the later file (politie.yaml) gets the report.
    "duplicate id across files": Breakage(
        POLITIE,
        "  - id: politie-opleidingen",
        "  - id: handhaving-online",
        "dit id bestaat al (eerst in knowledge/entries/handhaving.yaml:",
        "handhaving-online",
        "id: handhaving-online",
    ),
    "same alternate on two entries": Breakage(
        POLITIE,
        '      - "politie online regels"',
        # Differs only in case and punctuation from an alternate of handhaving-online.
        '      - "Mag een BOA op Instagram kijken?"',
        # Where the other one is, and the line of this one (not of the entry).
        "staat ook bij entry 'handhaving-online' (knowledge/entries/handhaving.yaml:7); "
        "een vraag hoort bij één entry: haal hem hier of daar weg",
        "politie-online",
        "Mag een BOA op Instagram kijken?",
    ),
    "empty answer": Breakage(
        HANDHAVING,
        '    answer: "Een boa kijkt alleen in openbare bronnen, binnen het eigen domein."',
        '    answer: "   "',
        "het veld 'answer' is leeg",
        "handhaving-online",
        'answer: "   "',
    ),
    "contact not defined": Breakage(
        POLITIE,
        "    contacts: [tweede]",
        "    contacts: [tweede, derde]",
        "contact 'derde' staat niet in contacts.yaml (bekend: eerste, tweede)",
        "politie-opleidingen",
        "contacts: [tweede, derde]",
    ),
    "too few alternates": Breakage(
        HANDHAVING,
        '      - "boa online toezicht"\n',
        "",
        f"te weinig items: minstens {MIN_ALTERNATES} nodig, nu {MIN_ALTERNATES - 1}",
        "handhaving-online",
        # The problem points at the list, which starts with its first item.
        HANDHAVING_ALTERNATES[0],
    ),
    "duplicate yaml key": Breakage(
        HANDHAVING,
        "    topic: online\n",
        "    topic: online\n    topic: rol\n",
        "het veld 'topic' staat er twee keer",
        "handhaving-online",
        "topic: rol",
    ),
    "partner in the wrong file": Breakage(
        HANDHAVING,
        "    partner: handhaving",
        "    partner: politie",
        "partner 'politie' hoort niet in handhaving.yaml: zet de entry in "
        "entries/politie.yaml, of schrijf partner 'handhaving'",
        "handhaving-online",
        "partner: politie",
    ),
    "alias on two partners": Breakage(
        "partners.yaml",
        "aliases: [handhaving, boa, handhaver]",
        "aliases: [handhaving, boa, handhaver, Agent]",
        "de alias 'Agent' is ook een alias van partner 'politie' (regel 4); "
        "een alias hoort bij één partner: haal hem hier of daar weg",
        "handhaving",
        "Agent]",
    ),
    "synonym variant in two groups": Breakage(
        "synonyms.yaml",
        "variants: [nepaccount, fake account]",
        "variants: [nepaccount, fake account, Insta]",
        "de variant 'Insta' is ook een variant van 'instagram' (regel 3); "
        "een variant hoort bij één groep: haal hem hier of daar weg",
        "anoniem account",
        "Insta]",
    ),
    "synonym variant inside its own term": Breakage(
        "synonyms.yaml",
        "variants: [nepaccount, fake account]",
        "variants: [nepaccount, fake account, Anoniem]",
        "de variant 'Anoniem' staat zelf in de term 'anoniem account', dus zou de bot de "
        "term ook vervangen: laat hem weg",
        "anoniem account",
        "Anoniem]",
    ),
    "synonym variant of stop words only": Breakage(
        "synonyms.yaml",
        "variants: [nepaccount, fake account]",
        "variants: [nepaccount, fake account, de]",
        "de variant 'de' bestaat alleen uit stopwoorden of losse letters: laat hem weg",
        "anoniem account",
        "de]",
    ),
    "alias of stop words only": Breakage(
        "partners.yaml",
        "aliases: [handhaving, boa, handhaver]",
        "aliases: [handhaving, boa, handhaver, t en h]",
        "de alias 't en h' bestaat alleen uit stopwoorden of losse letters, dus wijst hij "
        "nergens op: schrijf hem aaneen (zoals 't&h') of laat hem weg",
        "handhaving",
        "t en h]",
    ),
    "invalid e-mail": Breakage(
        "contacts.yaml",
        "email: tweede@example.org",
        "email: tweede-at-example",
        "'tweede-at-example' is geen e-mailadres",
        "tweede",
        "tweede-at-example",
    ),
}


def _apply(folder: Path, breakage: Breakage) -> None:
    edit(folder / breakage.file, breakage.old, breakage.new)


def _find(problems: list[Problem], breakage: Breakage) -> Problem:
    found = [p for p in problems if breakage.message in p.message]
    assert found, f"no problem mentions {breakage.message!r}; got: {[str(p) for p in problems]}"
    return found[0]


@pytest.mark.parametrize("name", list(BREAKAGES))
def test_each_mistake_is_reported_with_file_line_and_entry(tmp_path: Path, name: str) -> None:
    breakage = BREAKAGES[name]
    folder = copy_fixture(tmp_path)
    _apply(folder, breakage)
    problem = _find(problems_of(folder), breakage)
    assert problem.file == f"knowledge/{breakage.file}"
    assert problem.entry == breakage.entry
    if breakage.marker is not None:
        assert problem.line == line_of(folder / breakage.file, breakage.marker, breakage.occurrence)
    # The printable form is what `partnerbot check` shows: file:line [entry]: message.
    rendered = str(problem)
    assert rendered.startswith(f"{problem.file}:{problem.line}")
    if problem.entry:
        assert f"[{problem.entry}]" in rendered
    assert problem.message in rendered


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """Mistakes in different files and entries: one KnowledgeError names all of them."""
    chosen = [
        "unknown field",  # politie.yaml
        "contact not defined",  # politie.yaml, another entry
        "unknown topic",  # handhaving.yaml
        "alias on two partners",  # partners.yaml
        "synonym variant in two groups",  # synonyms.yaml
        "invalid e-mail",  # contacts.yaml
    ]
    folder = copy_fixture(tmp_path)
    for name in chosen:
        _apply(folder, BREAKAGES[name])
    problems = problems_of(folder)
    assert len(problems) >= len(chosen)
    for name in chosen:
        problem = _find(problems, BREAKAGES[name])
        assert problem.entry == BREAKAGES[name].entry
    assert len({p.file for p in problems}) >= 4


def test_several_mistakes_in_one_entry_are_all_reported(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    for name in ("empty answer", "unknown partner", "too few alternates"):
        _apply(folder, BREAKAGES[name])
    problems = [p for p in problems_of(folder) if p.entry == "handhaving-online"]
    messages = " | ".join(p.message for p in problems)
    assert "het veld 'answer' is leeg" in messages
    assert "onbekende partner 'brandweer'" in messages
    assert "te weinig items: minstens" in messages


def test_a_syntax_error_does_not_hide_mistakes_in_other_files(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    _apply(folder, BREAKAGES["yaml syntax"])
    _apply(folder, BREAKAGES["unknown topic"])
    problems = problems_of(folder)
    files = {p.file for p in problems}
    assert {"knowledge/entries/politie.yaml", "knowledge/entries/handhaving.yaml"} <= files


def test_every_syntax_error_in_one_file_is_reported_with_the_other_mistakes(
    tmp_path: Path,
) -> None:
    """A parser stops at its first error; each entry is then read on its own (issue 13)."""
    folder = copy_fixture(tmp_path)
    politie = folder / "entries" / "politie.yaml"
    # Entry 1: a colon in a text; entry 2: a tab. Both broken, both named with their line.
    edit(politie, 'question: "Wat mag de politie online?"', "question: Wat mag: de politie?")
    text = politie.read_text(encoding="utf-8")
    second = text.index("  - id: politie-opleidingen")
    topic = text.index("    topic:", second)
    politie.write_text(text[:topic] + "\t" + text[topic + 4 :], encoding="utf-8")
    # And a plain mistake in an intact entry of another file.
    _apply(folder, BREAKAGES["unknown topic"])
    problems = problems_of(folder)
    syntax = [(p.file, p.line, p.entry) for p in problems if p.message.startswith("YAML-fout")]
    assert syntax == [  # file, line and entry, as for every other mistake
        (
            "knowledge/entries/politie.yaml",
            line_of(politie, "question: Wat mag: de"),
            "politie-online",
        ),
        ("knowledge/entries/politie.yaml", line_of(politie, "\ttopic:"), "politie-opleidingen"),
    ]
    assert all("Tip: " in p.message for p in problems if p.message.startswith("YAML-fout"))
    assert any(p.file == "knowledge/entries/handhaving.yaml" for p in problems)


def test_intact_entries_of_a_broken_file_are_still_checked(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    politie = folder / "entries" / "politie.yaml"
    edit(politie, 'question: "Wat mag de politie online?"', "question: Wat mag: de politie?")
    text = politie.read_text(encoding="utf-8")
    second = text.index("  - id: politie-opleidingen")
    source = text.index("    source:", second)
    politie.write_text(text[:source] + "    bron: x\n" + text[source:], encoding="utf-8")
    problems = problems_of(folder)
    assert any(p.message.startswith("YAML-fout") for p in problems)
    assert any(
        p.entry == "politie-opleidingen"
        and "onbekend veld 'bron'" in p.message
        and p.line == line_of(politie, "bron: x")
        for p in problems
    )


def test_empty_entry_file_is_a_problem(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    (folder / "entries" / "algemeen.yaml").write_text("", encoding="utf-8")
    problems = problems_of(folder)
    assert any(
        p.file == "knowledge/entries/algemeen.yaml" and p.message == "het bestand is leeg"
        for p in problems
    )


def test_folder_without_entries_is_a_problem(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    shutil.rmtree(folder / "entries")
    assert any("geen entry-bestanden (*.yaml)" in p.message for p in problems_of(folder))


def test_entry_that_is_not_a_mapping_is_reported(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    path = folder / "entries" / "algemeen.yaml"
    path.write_text(path.read_text("utf-8") + "  - just a string\n", encoding="utf-8")
    problem = next(p for p in problems_of(folder) if "moet een mapping zijn" in p.message)
    assert problem.file == "knowledge/entries/algemeen.yaml"
    assert problem.line == line_of(path, "just a string")


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("contacts.yaml", "  - id: tweede", "  - id: eerste"),
        ("partners.yaml", "  - id: handhaving", "  - id: politie"),
    ],
)
def test_a_duplicate_partner_or_contact_id_names_its_line(
    tmp_path: Path, file: str, old: str, new: str
) -> None:
    folder = copy_fixture(tmp_path)
    edit(folder / file, old, new)
    problem = next(p for p in problems_of(folder) if "staat er twee keer" in p.message)
    assert problem.file == f"knowledge/{file}"
    assert problem.entry == new.removeprefix("  - id: ")
    assert problem.line == line_of(folder / file, new, occurrence=2)


def test_an_entry_file_in_a_subfolder_is_named_not_silently_skipped(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    nested = folder / "entries" / "oud" / "politie.yaml"
    nested.parent.mkdir()
    nested.write_text("entries: []\n", encoding="utf-8")
    (folder / "entries" / "oud" / ".#politie.yaml").write_text("x", encoding="utf-8")
    (folder / "entries" / "oud" / "notities.txt").write_text("x", encoding="utf-8")
    found = problems_of(folder)
    assert [str(problem) for problem in found] == [
        "knowledge/entries/oud/politie.yaml: niet gelezen: entry-bestanden staan direct in de "
        "map entries/, niet in een submap"
    ]


# politie-opleidingen given four questions of politie-online: four problems on one entry.
TAKEN = {
    "osint cursus politie": "mag een agent op instagram kijken",
    "welke training krijgt een wijkagent": "mag de politie een nepaccount gebruiken",
    "opleiding voor agenten online onderzoek": "wat mag de wijkagent op social media",
    "scholing politie internet": "politie online regels",
}


def take_questions(tmp_path: Path) -> Path:
    folder = copy_fixture(tmp_path)
    for old, new in TAKEN.items():
        edit(folder / "entries" / "politie.yaml", f'      - "{old}"', f'      - "{new}"')
    return folder


def test_questions_used_twice_are_reported_in_file_order(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(take_questions(tmp_path))
    quoted = [
        p.message.split("'")[1] for p in caught.value.problems if "staat ook bij" in p.message
    ]
    assert quoted == list(TAKEN.values())


def test_the_problem_order_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    """An editor who runs check twice sees the same list in the same order."""
    folder = take_questions(tmp_path)
    code = (
        "import sys\n"
        "from bot.knowledge import KnowledgeError, load_knowledge\n"
        "try:\n"
        "    load_knowledge(sys.argv[1])\n"
        "except KnowledgeError as error:\n"
        "    print(error)\n"
    )
    outputs = stdout_under_hash_seeds(code, str(folder))
    for stdout in outputs:
        assert stdout.count("staat ook bij") == len(TAKEN), stdout
    assert len(set(outputs)) == 1, outputs


def test_an_entry_file_named_after_no_partner(tmp_path: Path) -> None:
    """One file per partner (knowledge/README.md): "politie2.yaml" is not quietly read."""
    folder = copy_fixture(tmp_path)
    politie = folder / "entries" / "politie.yaml"
    politie.rename(folder / "entries" / "politie2.yaml")
    problems = problems_of(folder)
    assert problems and all(p.file == "knowledge/entries/politie2.yaml" for p in problems)
    assert problems[0].message == (
        "partner 'politie' hoort niet in politie2.yaml: zet de entry in entries/politie.yaml"
    )


def test_the_entries_folder_given_for_the_knowledge_folder(tmp_path: Path) -> None:
    """A realistic slip: --knowledge knowledge/entries. One line that names the fix."""
    folder = copy_fixture(tmp_path)
    (problem,) = problems_of(folder / "entries")
    assert problem.message == (
        "is geen kennismap: er staat geen taxonomy.yaml, partners.yaml of entries/ in; "
        f"bedoel je de map erboven, {folder}?"
    )


def test_an_empty_folder_given_for_the_knowledge_folder(tmp_path: Path) -> None:
    (tmp_path / "leeg").mkdir()
    (problem,) = problems_of(tmp_path / "leeg")
    assert problem.message.endswith("; geef de kennismap mee (--knowledge /pad/naar/knowledge)")


def test_a_deleted_part_file_is_named_as_missing(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    (folder / "synonyms.yaml").unlink()
    (problem,) = problems_of(folder)
    assert (problem.file, problem.line) == ("knowledge/synonyms.yaml", 0)
    assert problem.message.startswith("het bestand ontbreekt: zet het terug")
