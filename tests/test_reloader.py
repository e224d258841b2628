"""Every failed reload is counted and reported the same way, whatever made it fail."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

import bot.reloader
from bot.assistant import Assistant
from bot.knowledge import SHIPPED_KNOWLEDGE, KnowledgeBase, load_knowledge
from bot.metrics import Metrics
from bot.reloader import Reloader, ReloadResult


def failures(metrics: Metrics) -> float:
    body, _ = metrics.render()
    for family in text_string_to_metric_families(body.decode()):
        if family.name == "partnerbot_knowledge_reload_failures":
            return sum(s.value for s in family.samples if s.name.endswith("_total"))
    raise AssertionError("no reload failure metric")


async def test_an_unexpected_error_is_a_counted_and_reported_failure(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def deep(_folder: Path) -> KnowledgeBase:
        raise RecursionError("maximum recursion depth exceeded")

    served = load_knowledge()
    assistant = Assistant(served)
    metrics = Metrics()
    reloader = Reloader(assistant, metrics, SHIPPED_KNOWLEDGE)
    results: list[ReloadResult] = []
    reloader.listeners.append(results.append)
    monkeypatch.setattr(bot.reloader, "load_knowledge", deep)
    with caplog.at_level(logging.ERROR):
        error = await reloader.reload("signal")
    assert error is not None
    assert failures(metrics) == 1
    (result,) = results
    assert not result.ok and result.version == served.version
    assert result.problems[0].message == "onverwachte fout bij het inlezen: RecursionError"
    assert assistant.knowledge is served
    assert "Traceback" not in caplog.text


async def test_a_requested_reload_that_fails_leaves_no_unretrieved_exception(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_folder: Path) -> KnowledgeBase:
        raise MemoryError

    assistant = Assistant(load_knowledge())
    metrics = Metrics()
    reloader = Reloader(assistant, metrics, SHIPPED_KNOWLEDGE)
    done: list[ReloadResult] = []
    reported = asyncio.Event()
    reloader.listeners += [done.append, lambda _result: reported.set()]
    monkeypatch.setattr(bot.reloader, "load_knowledge", broken)
    reloader.request("signal")  # as SIGHUP does
    await asyncio.wait_for(reported.wait(), 10)
    await reloader.close()
    assert failures(metrics) == 1 and not done[0].ok
    assert "never retrieved" not in caplog.text
