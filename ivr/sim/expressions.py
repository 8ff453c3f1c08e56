"""Asterisk's ``${...}`` substitution, as GET FULL VARIABLE applies it.

Only the forms the app and the transcripts use: ``${VAR}``, ``${FUNC(args)}``, nested
``${...}`` inside them. An unknown name becomes the empty string, as in Asterisk.
"""

from __future__ import annotations

from collections.abc import Callable

Resolver = Callable[[str], "str | None"]


def substitute(text: str, resolve: Resolver) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        start = text.find("${", i)
        if start < 0:
            out.append(text[i:])
            break
        end = _closing_brace(text, start + 2)
        if end < 0:  # unbalanced: Asterisk leaves the rest as it is
            out.append(text[i:])
            break
        out.append(text[i:start])
        inner = substitute(text[start + 2 : end], resolve)
        out.append(resolve(inner) or "")
        i = end + 1
    return "".join(out)


def _closing_brace(text: str, pos: int) -> int:
    depth = 1
    while pos < len(text):
        if text.startswith("${", pos):
            depth += 1
            pos += 2
            continue
        if text[pos] == "}":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    return -1


def split_function(expression: str) -> tuple[str, list[str]] | None:
    """``NAME(a,b)`` -> ("NAME", ["a", "b"]); None when it is not a function call."""
    if not expression.endswith(")") or "(" not in expression:
        return None
    name, _, rest = expression.partition("(")
    inner = rest[:-1]
    return name, (inner.split(",") if inner else [])
