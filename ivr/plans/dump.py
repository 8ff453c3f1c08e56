"""Write a Plan as YAML that ``load_plan_files`` reads back to an equal Plan.

The output is meant to be read and reviewed (``ivr export`` -> git -> ``ivr apply``): fields
keep the schema's order, defaults are left out, opening hours use the compact ``"09:00-17:00"``
form with days in week order, and money, phone numbers and times are double-quoted strings so
that no YAML reader can take them for numbers.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from enum import Enum
from typing import Any

import yaml

from ivr.plans.schema import WEEKDAYS, Plan
from ivr.plans.yaml_io import FLOAT_RE, INT_RE


class _Quoted(str):
    """A string written in double quotes."""

    __slots__ = ()


class _Flow(list[Any]):
    """A list of scalars, written on one line: ``states: [NY, NJ]``."""

    __slots__ = ()


class PlanYamlDumper(yaml.SafeDumper):
    """Safe dumper that also quotes any string the plan loader would read as a number."""


PlanYamlDumper.add_implicit_resolver("tag:yaml.org,2002:int", INT_RE, list("-0123456789"))
PlanYamlDumper.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT_RE, list("-.0123456789"))
PlanYamlDumper.add_representer(
    _Quoted,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"'),
)

PlanYamlDumper.add_representer(
    _Flow,
    lambda dumper, value: dumper.represent_sequence(
        "tag:yaml.org,2002:seq", list(value), flow_style=True
    ),
)


def plan_to_yaml(plan: Plan) -> str:
    data = _plain(plan.model_dump(mode="python", exclude_defaults=True))
    return yaml.dump(
        data,
        Dumper=PlanYamlDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
    )


def _plain(value: Any, key: str = "") -> Any:
    """Turn dumped model data into YAML-ready values (see the module doc for the choices)."""
    if isinstance(value, dict):
        if _is_time_range(value):
            return _Quoted(f"{_hhmm(value['start'])}-{_hhmm(value['end'])}")
        items = list(value.items())
        if key == "hours":
            items.sort(key=lambda item: WEEKDAYS.index(item[0]))
        return {str(k): _plain(v, str(k)) for k, v in items}
    if isinstance(value, list):
        items = [_plain(item, key) for item in value]
        scalars = all(not isinstance(item, dict | list) for item in items)
        return _Flow(items) if items and scalars else items
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return _Quoted(str(value))
    if isinstance(value, str) and value.startswith("+"):
        return _Quoted(value)
    return value


def _is_time_range(value: dict[Any, Any]) -> bool:
    return set(value) == {"start", "end"} and all(isinstance(v, time) for v in value.values())


def _hhmm(moment: time) -> str:
    if moment.second == 0 and moment.microsecond == 0:
        return moment.isoformat(timespec="minutes")
    return moment.isoformat()
