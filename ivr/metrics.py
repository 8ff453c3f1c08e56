"""Prometheus metrics of one switch (``GET /metrics``).

Each Switch has its own registry, never prometheus_client's global one, so several switches
(tests, a benchmark) can run in one process. Counters of call outcomes are fed by the session
hook (``CallDeps.session_hooks``); everything that is a current state (live calls, AMI link,
per-target lines in use) is read at scrape time from the running parts, so it cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ivr.calls.record import CallLog, Disposition

# Route exclusions that mean "this target was full", and a claim lost to a concurrent call.
CAP_REASONS = frozenset({"hourly_cap", "daily_cap", "monthly_cap", "concurrency_full"})
CLAIM_LOST = "claim_lost"


@dataclass(frozen=True, slots=True)
class LiveState:
    """What the scrape reads from the running switch."""

    agi_calls: int
    ami_configured: bool = False
    ami_connected: bool = False
    ami_connects: int = 0
    ami_reconnects: int = 0
    ami_login_failures: int = 0
    ami_calls: int = 0
    target_concurrency: Mapping[str, int] = field(default_factory=dict)
    bus_dropped: Mapping[str, int] = field(default_factory=dict)
    reconciled: int = 0


class _LiveCollector(Collector):
    def __init__(self, read: Callable[[], LiveState]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        state = self._read()
        live = GaugeMetricFamily(
            "ivr_live_calls", "Calls up now, by who sees them", labels=["source"]
        )
        live.add_metric(["agi"], state.agi_calls)
        if state.ami_configured:
            live.add_metric(["ami"], state.ami_calls)
        yield live
        yield GaugeMetricFamily(
            "ivr_ami_connected", "1 while logged in to AMI", value=int(state.ami_connected)
        )
        yield CounterMetricFamily(
            "ivr_ami_reconnects", "AMI logins after the first", value=state.ami_reconnects
        )
        yield CounterMetricFamily(
            "ivr_ami_login_failures", "AMI logins refused", value=state.ami_login_failures
        )
        lines = GaugeMetricFamily(
            "ivr_target_concurrency", "Lines in use per target (AMI)", labels=["target"]
        )
        for target, count in sorted(state.target_concurrency.items()):
            lines.add_metric([target], count)
        yield lines
        drops = CounterMetricFamily(
            "ivr_bus_dropped_events",
            "Live events dropped for slow consumers",
            labels=["subscriber"],
        )
        for name, count in sorted(state.bus_dropped.items()):
            drops.add_metric([name], count)
        yield drops
        yield CounterMetricFamily(
            "ivr_calls_reconciled", "Lost calls finished from AMI", value=state.reconciled
        )


class SwitchMetrics:
    def __init__(self, read_state: Callable[[], LiveState]) -> None:
        self.registry = CollectorRegistry(
            auto_describe=False
        )  # scrape-time state is read only when scraped
        self.calls = Counter(
            "ivr_calls", "Calls ended, by disposition", ["disposition"], registry=self.registry
        )
        self.agi_errors = Counter(
            "ivr_agi_errors", "Calls the FastAGI session failed", ["kind"], registry=self.registry
        )
        self.cap_rejections = Counter(
            "ivr_cap_rejections",
            "Targets passed over because a cap or concurrency limit was reached",
            ["target", "reason"],
            registry=self.registry,
        )
        self.registry.register(_LiveCollector(read_state))

    def session_ended(self, call: CallLog, lost: bool) -> None:
        """A session hook (``CallDeps.session_hooks``)."""
        self.calls.labels(disposition=(call.disposition or Disposition.FAILED).value).inc()
        if lost:
            self.agi_errors.labels(kind="session_lost").inc()
        elif call.disposition is Disposition.FAILED:
            self.agi_errors.labels(kind="handler_failed").inc()
        for target, reason in cap_rejections(call):
            self.cap_rejections.labels(target=target, reason=reason).inc()

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def cap_rejections(call: CallLog) -> list[tuple[str, str]]:
    """(target, reason) for every target a cap kept this call from."""
    found = []
    for event in call.events:
        if event.kind == "route.decision":
            for excluded in event.detail.get("excluded", []):
                if excluded.get("reason") in CAP_REASONS:
                    found.append((str(excluded["target"]), str(excluded["reason"])))
        elif event.kind == "route.claim_lost":
            found.append((str(event.detail.get("target")), CLAIM_LOST))
    return found
