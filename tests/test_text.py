"""Dutch normalisation: folding, tokens, synonyms, lemmas, compounds and typos."""

import os
import subprocess
import sys
from pathlib import Path

from bot.text import (
    MAX_MATCH_CHARS,
    SynonymTable,
    Vocabulary,
    Word,
    analyze,
    fold,
    lemma,
    normalize,
    tokenize,
)


def test_fold_removes_case_and_diacritics() -> None:
    assert fold("Beïnvloeding en Zorgcoördinator") == "beinvloeding en zorgcoordinator"


def test_tokenize_keeps_emails_t_and_h_and_levels() -> None:
    tokens = tokenize("Mail straatwaarden@riec-mn.nl over T&H en OGG2-OGG3!")
    assert "straatwaarden@riec-mn.nl" in tokens
    assert "t&h" in tokens
    assert tokens[-2:] == ["ogg2", "ogg3"]


def test_tokenize_joins_single_letter_hyphen_words() -> None:
    assert tokenize("Wat is het e-mailadres?") == ["wat", "is", "het", "emailadres"]


def test_tokenize_caps_the_text_that_is_matched() -> None:
    assert len(tokenize("woord " * 10_000)) <= MAX_MATCH_CHARS // 5 + 1


def test_lemma_maps_plurals_and_verb_forms() -> None:
    assert lemma("opleidingen") == "opleiding"
    assert lemma("bronnen") == "bron"
    assert lemma("gemeente") == "gemeente"  # a stemmer would make this "meen"


def test_stop_words_keep_modal_and_negation_words() -> None:
    words = normalize("Mag de boa dat niet?")
    assert "mogen" in words
    assert "niet" in words
    assert "de" not in words


def test_synonyms_replace_phrases_and_lemmatised_variants() -> None:
    table = SynonymTable.build([("instagram", ["insta", "ig"]), ("training", ["cursus"])])
    assert normalize("kijken op insta", table) == ["kijken", "instagram"]
    # "cursussen" is only a variant after lemmatisation
    assert normalize("cursussen", table) == ["training"]


def test_analyze_keeps_surface_form_beside_lemma() -> None:
    assert analyze("opleidingen") == [Word("opleidingen", "opleiding")]


def test_vocabulary_splits_compounds_into_known_parts() -> None:
    vocabulary = Vocabulary({"jeugd", "handhaver", "veiligheid", "plan", "school"})
    assert vocabulary.split_compound("jeugdhandhaver") == ("jeugd", "handhaver")
    assert vocabulary.split_compound("schoolveiligheidsplan") == ("school", "veiligheid", "plan")
    assert vocabulary.split_compound("kanaalstraat") is None


def test_vocabulary_corrects_typos_but_not_different_words() -> None:
    vocabulary = Vocabulary({"dossieropbouw", "leefwereld", "kennis", "door"})
    assert vocabulary.correct("dossieropbuw") == "dossieropbouw"
    assert vocabulary.correct("leefwerld") == "leefwereld"
    assert vocabulary.correct("droog") is None  # one letter off "door" but another word


def test_vocabulary_resolves_surface_typos_to_lemmas() -> None:
    vocabulary = Vocabulary({"stoppen", "afwachten"}, surfaces={"stop": "stoppen"})
    assert vocabulary.resolve(Word("stopen", "stoop")) == ("stoppen",)
    assert vocabulary.resolve(Word("jayden", "jayden")) == ("jayden",)


def test_a_typo_tie_is_corrected_the_same_way_under_every_hash_seed() -> None:
    # "erachter" is two edits from both "achter" and "echter"; which one won used to depend
    # on set order, so the same question got different answers in different processes.
    script = (
        "from bot.text import Vocabulary\n"
        "words = ['achter', 'echter', 'ergens', 'achterkant', 'techter', 'erger']\n"
        "print(Vocabulary(words).correct('erachter'))\n"
    )
    root = Path(__file__).resolve().parent.parent
    seen = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in range(6)
    }
    assert seen == {"achter"}


def test_synonyms_prefer_the_longest_phrase_at_each_position() -> None:
    table = SynonymTable.build(
        [("groepschat", ["whatsapp groep", "groep"]), ("wa", ["whatsapp"])], lambda t: t
    )
    assert table.apply(["de", "whatsapp", "groep", "en", "whatsapp"]) == [
        "de",
        "groepschat",
        "en",
        "wa",
    ]
    assert table.apply(["groep"]) == ["groepschat"]


def test_compound_splitting_costs_a_bounded_number_of_lookups_per_word() -> None:
    class Counting(Vocabulary):
        lookups = 0

        def known(self, word: str) -> str | None:
            Counting.lookups += 1
            return super().known(word)

    vocabulary = Counting(["jeugd", "handhaver", "veiligheid", "plan"])
    assert vocabulary.split_compound("jeugdhandhaver") == ("jeugd", "handhaver")
    Counting.lookups = 0
    assert vocabulary.split_compound("a" * 1000) is None
    # Longer than any compound: not tried. It used to try every cut and every cut of each
    # tail, about half a million lookups, 0.7-1.6 s for one such word.
    assert Counting.lookups == 0
