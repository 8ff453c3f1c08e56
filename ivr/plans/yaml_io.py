"""Read one plan file as YAML, strictly enough that a typo cannot change meaning silently.

PyYAML's ``safe_load`` follows YAML 1.1, where ``9:30`` is the integer 570, ``+18005550101`` is an
integer, ``021`` is octal 17, a repeated key silently replaces the first, and ``0.1`` is a float.
For call plans each of those is a trap, so this loader reads integers only in plain decimal,
keeps ``+``-prefixed digits as text (phone numbers), reads decimal fractions as ``Decimal``
(money is never float) and refuses duplicate keys.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import yaml

from ivr.plans.problems import Problem

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
INT_RE = re.compile(r"^-?(?:0|[1-9][0-9_]*)$")
FLOAT_RE = re.compile(
    r"^-?(?:[0-9][0-9_]*)?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?$|^-?[0-9][0-9_]*(?:\.)?[eE][-+]?[0-9]+$"
)


class PlanYamlLoader(yaml.SafeLoader):
    """SafeLoader with the number rules and duplicate-key check described above."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[object, object]:
        if isinstance(node, yaml.MappingNode):
            seen: set[object] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, str | int | Decimal | bool) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[arg-type]


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = loader.construct_scalar(node)  # type: ignore[arg-type]
    return Decimal(str(text).replace("_", ""))


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    return int(str(loader.construct_scalar(node)).replace("_", ""))  # type: ignore[arg-type]


def _install_number_rules() -> None:
    # Replace (not extend) the inherited int/float resolvers, on this subclass only.
    PlanYamlLoader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    PlanYamlLoader.add_implicit_resolver(_INT_TAG, INT_RE, list("-0123456789"))
    PlanYamlLoader.add_implicit_resolver(_FLOAT_TAG, FLOAT_RE, list("-.0123456789"))
    PlanYamlLoader.add_constructor(_INT_TAG, _construct_int)
    PlanYamlLoader.add_constructor(_FLOAT_TAG, _construct_decimal)


_install_number_rules()


def parse_yaml_text(text: str) -> object:
    """Parse YAML text with the plan rules; raises ``yaml.YAMLError``."""
    return yaml.load(text, Loader=PlanYamlLoader)  # PlanYamlLoader is a SafeLoader


def read_yaml_file(path: Path, label: str) -> tuple[object, list[Problem]]:
    """The parsed document of ``path``, or the problems that kept it from being read."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(label, "", "no such file")]
    except IsADirectoryError:
        return None, [Problem(label, "", "is a directory, not a plan file")]
    except PermissionError:
        return None, [Problem(label, "", "permission denied")]
    except UnicodeDecodeError as exc:
        return None, [Problem(label, "", f"not UTF-8 text (byte {exc.start})")]
    except OSError as exc:
        return None, [Problem(label, "", f"cannot read: {exc.strerror or exc}")]
    try:
        return parse_yaml_text(text), []
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(label, exc)]


def _syntax_problem(label: str, exc: yaml.YAMLError) -> Problem:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        reason = exc.problem or "bad YAML"
        if exc.context:
            reason = f"{reason} ({exc.context})"
        where = f"line {mark.line + 1}"
        return Problem(label, where, f"YAML syntax: {reason}, column {mark.column + 1}")
    return Problem(label, "", f"YAML syntax: {exc}")
