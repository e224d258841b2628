"""Leads say no more than the infographic: sentences checked against its text by hand,
kept here so an edit cannot drift back."""

from __future__ import annotations

import re

from bot.knowledge import load_knowledge


def test_the_sources_lead_keeps_brp_and_kvk_closed_for_the_gemeente() -> None:
    # The infographic lists BRP, Kadaster and KvK under the gemeente's "Gesloten bronnen (na
    # zorgvuldige afweging)"; the lead listed them among everyone's open sources.
    lead = load_knowledge().entry("algemeen-bronnen").lead  # type: ignore[union-attr]
    assert re.search(r"BRP[^.;]*gemeente[^.;]*gesloten", lead), lead
    assert "zorgvuldige afweging" in lead
