"""Which plan target a dialled endpoint is: the tracker knows legs by what Asterisk dialled
(`PJSIP/buyer1`, `PJSIP/+15551234567@ivr-trunk-out`), the plan by target id. The dial strings
are the app's own (ivr.calls.dialing), so the mapping is exact."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ivr.calls.dialing import target_dial_string
from ivr.plans.schema import Target


def endpoint_index(targets: Iterable[Target]) -> dict[str, str]:
    """Dial string -> target id."""
    return {target_dial_string(target): target.id for target in targets}


def target_of(endpoint: str | None, index: Mapping[str, str]) -> str | None:
    return index.get(endpoint) if endpoint else None
