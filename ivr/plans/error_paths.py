"""Turn pydantic's validation errors into ``section[index].field`` paths and plain reasons.

Pydantic's ``loc`` tuples include the tags of tagged unions (``nodes.welcome.play.prompt``) and
markers such as ``[key]``; an admin needs the place in the YAML file instead. The walk follows
the schema's types next to the ``loc`` so that a union tag is dropped only where a union is.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag
from pydantic_core import ErrorDetails

Loc = Sequence[int | str]

# The schema's text patterns, in words; an unknown pattern keeps pydantic's own message.
PATTERN_WORDS = {
    r"^[0-9*#]$": "must be one key: 0-9, * or #",
    r"^[0-9*#]*$": "must be keys 0-9, * or #",
    r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,127}$": (
        "must be a prompt name without extension: letters, digits, '_', '.', '/' or '-'"
    ),
    r"^[a-z0-9][a-z0-9_.:-]{0,62}$": "must be a tag: lower-case letters, digits, '_.:-'",
    r"^[2-9][0-9]{2}$": "must be a 3-digit area code, first digit 2-9",
    r"^[0-9]{3,5}$": "must be the first 3 to 5 digits of a ZIP code",
    r"^[A-Za-z0-9_.-]{1,64}$": "must be a PJSIP endpoint name: letters, digits, '_', '.' or '-'",
    r"^sips?:[^\s,|&;\"'()]{3,200}$": "must be a sip: or sips: URI without spaces or ,|&;\"'()",
}


@dataclass(frozen=True)
class Located:
    parts: list[int | str]
    model: type[BaseModel] | None  # the model that holds the last part, when known
    bad_key: bool  # the error is about a mapping key, not its value
    final: Any = None  # the schema type found at the end of the walk


def format_path(parts: Sequence[int | str]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def locate(root: type[BaseModel], loc: Loc) -> Located:
    parts: list[int | str] = []
    holder: type[BaseModel] | None = None
    tp: Any = root
    rest = list(loc)
    while rest:
        tp = _unwrap(tp)
        if rest[0] == "[key]":
            return Located(parts, holder, bad_key=True)
        if _is_union(tp):
            tp, consumed = _union_member(tp, rest[0])
            rest = rest[consumed:]
            continue
        part = rest.pop(0)
        parts.append(part)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            holder = tp
            field = tp.model_fields.get(str(part))
            if field is None:  # an unknown key: nothing below it to follow
                break
            tp = field.annotation
        elif get_origin(tp) in (list, dict):
            tp = get_args(tp)[-1]
        else:
            tp = Any
    if rest == ["[key]"]:
        return Located(parts, holder, bad_key=True)
    parts.extend(p for p in rest if p != "[key]")
    return Located(parts, holder, bad_key=False, final=tp)


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _union_member(tp: Any, part: int | str) -> tuple[Any, int]:
    """The member a union error is about, and whether ``part`` named it (1) or not (0)."""
    members = [m for m in get_args(tp) if m is not type(None)]
    if len(members) == 1:  # ``X | None``: pydantic adds no loc part
        return members[0], 0
    for member in members:
        if part in _member_names(member):
            return _unwrap(member), 1
    return Any, 0


def _member_names(member: Any) -> set[object]:
    names: set[object] = set()
    if get_origin(member) is Annotated:
        names.update(m.tag for m in get_args(member)[1:] if isinstance(m, Tag))
        member = get_args(member)[0]
    if isinstance(member, type):
        names.add(member.__name__)
        if issubclass(member, BaseModel) and "type" in member.model_fields:
            names.update(get_args(member.model_fields["type"].annotation))
    return names


def describe(error: ErrorDetails, where: Located) -> str:
    """A one-line reason for ``error`` in the words of the plan file."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    message = error["msg"].removeprefix("Value error, ")
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_WORDS:
        message = PATTERN_WORDS[ctx["pattern"]]
    if where.bad_key:
        return f"bad key {error['input']!r}: {message}"
    if kind == "extra_forbidden":
        allowed = ", ".join(where.model.model_fields) if where.model else ""
        return f"unknown key (expected one of: {allowed})" if allowed else "unknown key"
    if kind == "missing":
        return "required, but missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        key = str(ctx.get("discriminator", "type")).strip("'")
        expected = ", ".join(_tags(where.final))
        if kind == "union_tag_invalid":
            return f"unknown {key} {ctx['tag']!r} (expected one of: {expected})"
        return f"{key} is required (one of: {expected})"
    return message


def _tags(tp: Any) -> list[str]:
    """The tag values of a tagged union of models (``play``, ``menu``...)."""
    tp = _unwrap(tp)
    if not _is_union(tp):
        return []
    tags: list[str] = []
    for member in get_args(tp):
        member = _unwrap(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            field = member.model_fields.get("type")
            if field is not None:
                tags.extend(str(t) for t in get_args(field.annotation))
    return tags
