"""Metrics: own registry, the documented series, and never any message text."""

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import Metrics


def _samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    body, _ = metrics.render()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode("utf-8"))
        for sample in family.samples
    }


def test_questions_are_counted_by_transport_decision_and_partner() -> None:
    metrics = Metrics()
    metrics.observe_question("teams", "answer", "handhaving", 0.002)
    metrics.observe_question("teams", "answer", "handhaving", 0.004)
    metrics.observe_question("matrix", "fallback", "none", 0.001)
    samples = _samples(metrics)
    labels = {"transport": "teams", "decision": "answer", "partner": "handhaving"}
    assert samples[("partnerbot_questions_total", frozenset(labels.items()))] == 2
    fallback = {"transport": "matrix", "decision": "fallback", "partner": "none"}
    assert samples[("partnerbot_questions_total", frozenset(fallback.items()))] == 1
    count_key = ("partnerbot_question_seconds_count", frozenset({("transport", "teams")}))
    assert samples[count_key] == 2
    sum_key = ("partnerbot_question_seconds_sum", frozenset({("transport", "teams")}))
    assert abs(samples[sum_key] - 0.006) < 1e-9


def test_knowledge_gauge_keeps_only_the_current_version() -> None:
    metrics = Metrics()
    metrics.set_knowledge(40, "v1")
    metrics.set_knowledge(42, "v2")
    samples = _samples(metrics)
    assert samples[("partnerbot_knowledge_entries", frozenset())] == 42
    assert samples[("partnerbot_knowledge_info", frozenset({("version", "v2")}))] == 1
    assert ("partnerbot_knowledge_info", frozenset({("version", "v1")})) not in samples


def test_reload_failures_and_teams_outcomes_are_counted() -> None:
    metrics = Metrics()
    metrics.reload_failed()
    metrics.reload_failed()
    metrics.teams_request("wijkteam", "401")
    samples = _samples(metrics)
    assert samples[("partnerbot_knowledge_reload_failures_total", frozenset())] == 2
    outcome = frozenset({("webhook", "wijkteam"), ("outcome", "401")})
    assert samples[("partnerbot_teams_requests_total", outcome)] == 1


def test_render_is_prometheus_text_and_registries_are_separate() -> None:
    first, second = Metrics(), Metrics()
    first.observe_question("teams", "answer", "politie", 0.001)
    body, content_type = second.render()
    assert content_type.startswith("text/plain; version=")
    assert b'partner="politie"' not in body  # instances do not share state
    assert REGISTRY.get_sample_value("partnerbot_questions_total") is None  # not the global one
