"""The index cache: a hit gives the same matcher, any change to the knowledge builds anew."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.config import MatchingConfig
from bot.index_cache import load_matcher
from bot.knowledge import SHIPPED_KNOWLEDGE, KnowledgeError

QUESTIONS = ["mag een boa op insta rondkijken?", "osint cursus voor oov?", "hoi"]


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, folder)
    return folder


def _files(cache: Path) -> list[Path]:
    return sorted(cache.glob("index-*.pickle"))


def test_a_cache_hit_decides_like_a_fresh_build(knowledge_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _, built = load_matcher(knowledge_copy, directory=cache)
    assert len(_files(cache)) == 1
    _, cached = load_matcher(knowledge_copy, directory=cache)
    assert cached is not built  # really read back from disk
    for question in QUESTIONS:
        assert cached.decide(question) == built.decide(question)


def test_the_cached_matcher_takes_the_current_thresholds(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    load_matcher(knowledge_copy, directory=tmp_path)
    strict = MatchingConfig(answer_threshold=101.0, clarify_threshold=101.0)
    _, cached = load_matcher(knowledge_copy, strict, directory=tmp_path)
    assert cached.config == strict
    assert cached.decide(QUESTIONS[0]).kind == "fallback"


def test_an_edit_to_the_knowledge_builds_a_new_index(knowledge_copy: Path, tmp_path: Path) -> None:
    load_matcher(knowledge_copy, directory=tmp_path)
    contacts = knowledge_copy / "contacts.yaml"
    contacts.write_text(contacts.read_text("utf-8") + "\n# bewerkt\n", encoding="utf-8")
    load_matcher(knowledge_copy, directory=tmp_path)
    assert len(_files(tmp_path)) == 2


def test_a_broken_knowledge_is_reported_not_served_from_an_old_cache(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    load_matcher(knowledge_copy, directory=tmp_path)
    (knowledge_copy / "contacts.yaml").write_text("contacts: [", encoding="utf-8")
    with pytest.raises(KnowledgeError):
        load_matcher(knowledge_copy, directory=tmp_path)


def test_a_damaged_cache_file_is_rebuilt(knowledge_copy: Path, tmp_path: Path) -> None:
    load_matcher(knowledge_copy, directory=tmp_path)
    (cached,) = _files(tmp_path)
    cached.write_bytes(b"not a pickle")
    _, matcher = load_matcher(knowledge_copy, directory=tmp_path)
    assert matcher.decide(QUESTIONS[0]).kind == "answer"


def test_a_cache_file_others_can_write_is_never_unpickled(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    load_matcher(knowledge_copy, directory=tmp_path)
    (cached,) = _files(tmp_path)
    cached.write_bytes(b"\x80\x04 would run code if unpickled")
    os.chmod(cached, 0o666)  # noqa: S103 - the unsafe case under test
    _, matcher = load_matcher(knowledge_copy, directory=tmp_path)  # no unpickling error
    assert matcher.decide(QUESTIONS[0]).kind == "answer"


def test_an_unwritable_cache_folder_only_costs_time(knowledge_copy: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    _, matcher = load_matcher(knowledge_copy, directory=blocked / "cache")
    assert matcher.decide(QUESTIONS[0]).kind == "answer"


def test_the_same_knowledge_in_two_folders_keeps_each_its_own_path(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    """A checkout's knowledge/ and a wheel's copy have the same content: a cache hit must
    still give the KnowledgeBase of the folder asked for, never the other one's."""
    other = tmp_path / "elders" / "knowledge"
    shutil.copytree(knowledge_copy, other)
    cache = tmp_path / "cache"
    first, _ = load_matcher(knowledge_copy, directory=cache)
    second, _ = load_matcher(other, directory=cache)
    assert first.version == second.version
    assert (first.path, second.path) == (str(knowledge_copy), str(other))
    again, _ = load_matcher(other, directory=cache)
    assert again.path == str(other) and len(_files(cache)) == 2
