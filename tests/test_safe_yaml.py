"""The bounded YAML reader: values with lines, Dutch messages with hints, and its limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import safe_yaml
from bot.safe_yaml import Located, YamlProblem, parse_yaml, read_with_recovery, read_yaml_file


def problem_of(text: str) -> YamlProblem:
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(text)
    return caught.value


def plain(node: Located) -> object:
    if isinstance(node.value, dict):
        return {key: plain(value) for key, value in node.value.items()}
    if isinstance(node.value, list):
        return [plain(item) for item in node.value]
    return node.value


def test_values_keep_their_lines_and_types() -> None:
    node = parse_yaml("a: 1\nb:\n  - x\n  - 2.5\nc: ja\nd: true\n'on': ~\n")
    assert node is not None
    assert plain(node) == {"a": 1, "b": ["x", 2.5], "c": "ja", "d": True, "on": None}
    assert node.value["b"].line == 3  # a block list starts at its first item
    assert [item.line for item in node.value["b"].value] == [3, 4]


def test_keys_stay_as_written() -> None:
    # YAML 1.1 reads "on", "yes" and "1" as booleans and numbers; as names they stay text.
    node = parse_yaml("on: a\nyes: b\n1: c\n")
    assert node is not None
    assert list(node.value) == ["on", "yes", "1"]


def test_a_repeated_key_is_recorded_with_its_line_and_the_first_kept() -> None:
    node = parse_yaml("a: 1\nb: 2\na: 3\n")
    assert node is not None
    assert node.value["a"].value == 1
    assert node.duplicates == [("a", 3)]


def test_small_aliases_still_work() -> None:
    node = parse_yaml("base: &b [x, y]\ncopy: *b\n")
    assert node is not None
    assert plain(node) == {"base": ["x", "y"], "copy": ["x", "y"]}


def test_an_empty_document_is_none() -> None:
    assert parse_yaml("# only a comment\n") is None


CASES = {
    # name: (text, line, words in the Dutch message)
    "colon in a text": ("entries:\n  - id: a\n    answer: Let op: dit\n", 3, "dubbele punt"),
    "missing colon": ("entries:\n  - id: a\n    answer\n    source: x\n", 3, "ontbreekt"),
    "tab": ("entries:\n\t- id: a\n", 2, "tab"),
    "indentation": ("entries:\n  - id: a\n partner: b\n", 3, "inspringing"),
    "unclosed quote": ("entries:\n  - id: 'a\n    partner: b\n", 2, "aanhalingsteken"),
    "backslash": ('a: "C:\\map"\n', 1, "'\\'"),
    "at sign": ("a: b\nc: @handle\n", 2, "'@'"),
    "star": ("a: *belangrijk* tekst\n", 1, "verwijzing"),
    "undefined alias": ("a: b\nc: *nope\n", 2, "'*nope' bestaat niet"),
    "two documents": ("a: 1\n---\nb: 2\n", 2, "meer dan één document"),
    "unclosed bracket": ("a: [b, c\nd: 1\n", 2, "'['"),
    "python tag": ("a: !!python/object:os.system {}\n", 1, "label"),
    "impossible date": ("a: b\nc: 2024-13-45\n", 2, "datum"),
    "control character": ("a: b\nc: d\x07e\n", 2, "stuurteken"),
}


@pytest.mark.parametrize("name", CASES)
def test_parser_errors_are_dutch_with_a_hint_and_the_right_line(name: str) -> None:
    text, line, words = CASES[name]
    problem = problem_of(text)
    assert problem.line == line
    assert words in problem.dutch
    assert problem.hint
    assert problem.for_editors().startswith("YAML-fout: ")
    assert "Tip: " in problem.for_editors()


def test_every_translation_is_reached_by_some_case() -> None:
    """Guards the table against needles that no parser message contains any more."""
    messages = {problem_of(text).dutch for text, _line, _words in CASES.values()}
    assert len(messages) >= 12


# --- encodings ---------------------------------------------------------------------------


def test_utf16_is_named(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("a: b\n", encoding="utf-16")
    with pytest.raises(YamlProblem) as caught:
        read_yaml_file(path)
    assert "UTF-16" in caught.value.dutch


def test_a_latin1_byte_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes("a: b\nc: café\n".encode("latin-1"))
    with pytest.raises(YamlProblem) as caught:
        read_yaml_file(path)
    assert caught.value.line == 2
    assert "UTF-8" in caught.value.dutch


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("a: b\n", encoding="utf-8-sig")
    node = read_yaml_file(path)
    assert node is not None and node.value["a"].value == "b"


def test_a_folder_and_a_dangling_link_are_problems_not_tracebacks(tmp_path: Path) -> None:
    (tmp_path / "map.yaml").mkdir()
    (tmp_path / "kapot.yaml").symlink_to(tmp_path / "bestaat-niet")
    (tmp_path / "lus.yaml").symlink_to(tmp_path / "lus.yaml")
    for name, words in (("map.yaml", "map"), ("kapot.yaml", "gelezen"), ("lus.yaml", "gelezen")):
        with pytest.raises(YamlProblem) as caught:
            read_yaml_file(tmp_path / name)
        assert words in caught.value.dutch


# --- limits ------------------------------------------------------------------------------


def billion_laughs() -> str:
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    previous = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


def test_an_alias_bomb_stops_at_the_value_limit() -> None:
    problem = problem_of(billion_laughs())
    assert "verwijzing" in problem.dutch
    assert problem.line > 1


def test_too_many_plain_values_are_refused() -> None:
    text = "a:\n" + "".join(f"  - {n}\n" for n in range(safe_yaml.MAX_VALUES + 1))
    problem = problem_of(text)
    assert "te veel waarden" in problem.dutch


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 3000 + "]" * 3000 + "\n",
        "".join(" " * level + f"k{level}:\n" for level in range(3000)),
        "a:\n" + "".join(" " * level + "-\n" for level in range(3000)),
    ],
    ids=["flow", "block mapping", "block sequence"],
)
def test_deep_nesting_is_refused_without_recursion(text: str) -> None:
    assert "te diep genest" in problem_of(text).dutch


def test_a_file_over_the_size_limit_is_not_parsed(tmp_path: Path) -> None:
    path = tmp_path / "groot.yaml"
    path.write_text("a: b\n" * 100, encoding="utf-8")
    with pytest.raises(YamlProblem) as caught:
        read_yaml_file(path, max_bytes=100)
    assert "te groot" in caught.value.dutch
    assert caught.value.line == 0


def test_recovery_reads_each_list_item_on_its_own(tmp_path: Path) -> None:
    path = tmp_path / "entries.yaml"
    path.write_text(
        "# opmerking\nentries:\n  - id: a\n    q: Let op: fout\n  - id: b\n  - id: c\n\tq: tab\n",
        encoding="utf-8",
    )
    node, problems = read_with_recovery(path)
    assert [p.line for p in problems] == [4, 7]
    assert node is not None
    assert [item.value["id"].value for item in node.value["entries"].value] == ["b"]


def test_each_syntax_error_names_the_item_it_is_in(tmp_path: Path) -> None:
    # As validation problems name their entry: "politie.yaml:49 [politie-online]: ...".
    path = tmp_path / "entries.yaml"
    path.write_text(
        "entries:\n"
        "  - id: a\n    q: Let op: fout\n"  # line 3: the error on the item's second line
        "  - partner: p\n    id: 'b-2'  # opmerking\n   q: x\n"  # id not first; line 6
        "  - q: 'geen id': fout\n"  # line 7: an item without an id names none
        "  - id: d\n    nested:\n      id: niet-deze\n",
        encoding="utf-8",
    )
    _node, problems = read_with_recovery(path)
    assert [(p.line, p.item) for p in problems] == [(3, "a"), (6, "b-2"), (7, None)]


def test_an_unclosed_quote_names_the_item_where_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "entries.yaml"
    path.write_text(
        'entries:\n  - id: a\n    q: x\n  - id: b\n    q: "open\n  - id: c\n    q: y\n',
        encoding="utf-8",
    )
    _node, problems = read_with_recovery(path)
    assert [(p.line, p.item) for p in problems] == [(5, "b")]


def test_recovery_keeps_the_whole_file_message_for_other_shapes(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("web:\n  port: 1\nmatching: [1, 2\n", encoding="utf-8")
    node, problems = read_with_recovery(path)
    assert node is None and len(problems) == 1 and problems[0].line == 4
