"""Dialplan lines as pbx_config (pbx/pbx_config.c, Asterisk 22) reads them.

``exten => name,priority(label),App(args)`` and ``same => priority(label),App(args)``: the
application name is the text before the first ``(``, its data runs to the LAST ``)`` of the line.
Priorities are a number, ``n`` (next) or ``same``/``s``; ``n`` needs a previous line. This module
also finds the ``${...}`` references and the functions and variables the lines read and write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .conf_parser import Conf, ConfError, Section

DIRECTIVES = {"exten", "same", "include", "ignorepat", "switch", "lswitch", "eswitch", "autohints"}
PRIORITY_RE = re.compile(r"^(\d+|n|next|same|s|hint)(?:\+\d+)?(?:\(([A-Za-z0-9_-]+)\))?$")
FUNCTION_RE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\(")
VARIABLE_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Step:
    context: str
    exten: str
    priority: int
    label: str | None
    app: str
    data: str
    where: str


def parse_context(section: Section) -> list[Step]:
    """Every step of one context, numbered as Asterisk numbers them."""
    steps: list[Step] = []
    exten, last = "", -2
    for entry in section.entries:
        where = f"{entry.file}:{entry.line}"
        name = entry.name.lower()
        if name not in DIRECTIVES:
            raise ConfError(f"{where}: unknown dialplan directive {entry.name!r}")
        if name not in ("exten", "same"):
            continue
        if name == "exten":
            exten, _, rest = entry.value.partition(",")
            exten, last = exten.strip(), -2
        elif not exten:
            raise ConfError(f"{where}: 'same' without a previous exten")
        else:
            rest = entry.value
        step = _step(section.name, exten, rest, last, where)
        steps.append(step)
        last = step.priority
    return steps


def _step(context: str, exten: str, rest: str, last: int, where: str) -> Step:
    if exten in ("_.", "_!"):
        raise ConfError(f"{where}: extension {exten} is warned about by Asterisk; use _X.")
    priority_text, _, call = rest.partition(",")
    match = PRIORITY_RE.match(priority_text.strip())
    if not match:
        raise ConfError(f"{where}: bad priority {priority_text!r}")
    number, label = match.group(1), match.group(2)
    if number in ("n", "next", "same", "s"):
        if last < 1:
            raise ConfError(f"{where}: priority {number!r} on the first line of an extension")
        priority = last + 1 if number in ("n", "next") else last
    else:
        priority = int(number)
    app, data = _application(call.strip(), where)
    return Step(context, exten, priority, label, app, data, where)


def _application(call: str, where: str) -> tuple[str, str]:
    if "(" not in call:
        return call, ""
    app, _, data = call.partition("(")
    if not call.endswith(")"):
        raise ConfError(f"{where}: no closing parenthesis in {call!r}")
    return app.strip(), data[: data.rfind(")")]


def dialplan_contexts(conf: Conf) -> dict[str, list[Step]]:
    """All contexts of an extensions.conf (every section but [general] and [globals])."""
    contexts: dict[str, list[Step]] = {}
    for section in conf.sections:
        if section.name.lower() in ("general", "globals"):
            continue
        contexts.setdefault(section.name, []).extend(parse_context(section))
    return contexts


def balanced(text: str) -> bool:
    """``${`` / ``$[`` and parentheses close in order, as Asterisk's substitution needs."""
    stack: list[str] = []
    pairs = {")": "(", "}": "{", "]": "["}
    for ch in text:
        if ch in "({[":
            stack.append(ch)
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return False
    return not stack


def functions_used(text: str) -> set[str]:
    return set(FUNCTION_RE.findall(text))


def variables_read(text: str) -> set[str]:
    return set(VARIABLE_RE.findall(text))


def assigned(step: Step) -> tuple[str, str] | None:
    """``Set(name=value)``: the name (a variable or ``FUNC(arg)``) and the value."""
    if step.app != "Set" or "=" not in step.data:
        return None
    name, _, value = step.data.partition("=")
    return name.strip(), value
