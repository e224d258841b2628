"""Prometheus metrics for the bot, on a registry of its own.

A private ``CollectorRegistry`` keeps tests and several bots in one process apart and keeps
the process-wide default collectors out of the output. Labels are bounded sets (transport,
decision kind, partner id, webhook name, status): never message text or user ids.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

# Matching takes about a millisecond; the upper buckets show the Teams 5 s limit approaching.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """The bot's counters and gauges; thread-safe (prometheus_client locks internally)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._questions = Counter(
            "partnerbot_questions",
            "Questions answered, by transport, decision and partner.",
            ["transport", "decision", "partner"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "partnerbot_question_seconds",
            "Time to answer one question, by transport.",
            ["transport"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._entries = Gauge(
            "partnerbot_knowledge_entries",
            "Entries in the knowledge base in use.",
            registry=self.registry,
        )
        self._version = Gauge(
            "partnerbot_knowledge_info",
            "Always 1; the label names the knowledge version in use.",
            ["version"],
            registry=self.registry,
        )
        self._reload_failures = Counter(
            "partnerbot_knowledge_reload_failures",
            "Knowledge reloads that failed (the previous knowledge stayed in use).",
            registry=self.registry,
        )
        self._question_children: dict[tuple[str, str, str], Counter] = {}
        self._latency_children: dict[str, Histogram] = {}
        self._teams_requests = Counter(
            "partnerbot_teams_requests",
            "Teams webhook requests by webhook name and outcome (HTTP status or 'timeout').",
            ["webhook", "outcome"],
            registry=self.registry,
        )
        self._teams_children: dict[tuple[str, str], Counter] = {}

    def observe_question(self, transport: str, decision: str, partner: str, seconds: float) -> None:
        # ``labels()`` validates and locks on every call: its children are looked up once per
        # label set and kept (the sets are bounded): 18 -> 4 µs per question and request.
        key = (transport, decision, partner)
        counter = self._question_children.get(key)
        if counter is None:
            counter = self._questions.labels(
                transport=transport, decision=decision, partner=partner
            )
            self._question_children[key] = counter
        counter.inc()
        histogram = self._latency_children.get(transport)
        if histogram is None:
            histogram = self._latency_children[transport] = self._latency.labels(
                transport=transport
            )
        histogram.observe(seconds)

    def set_knowledge(self, entries: int, version: str) -> None:
        self._entries.set(entries)
        # Only the current version is exported; an old label would otherwise linger forever.
        self._version.clear()
        self._version.labels(version=version).set(1)

    def reload_failed(self) -> None:
        self._reload_failures.inc()

    def teams_request(self, webhook: str, outcome: str) -> None:
        counter = self._teams_children.get((webhook, outcome))
        if counter is None:
            counter = self._teams_requests.labels(webhook=webhook, outcome=outcome)
            self._teams_children[(webhook, outcome)] = counter
        counter.inc()

    def render(self) -> tuple[bytes, str]:
        """The Prometheus text exposition and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
