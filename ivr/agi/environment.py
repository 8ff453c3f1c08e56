"""The ``agi_*`` header Asterisk sends first on every FastAGI connection (see
shared/asterisk/agi-environment-reference.txt): ``agi_key: value`` lines, then a blank line.

Values are kept verbatim: ``agi_calleridname`` carries SIP escapes (``Joe \\"JJ\\" Smith``) and
raw UTF-8 exactly as Asterisk wrote them.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

from ivr.agi.api import AgiEnvironment


class HeaderError(ValueError):
    """Header lines that do not come from Asterisk (an HTTP probe, garbage)."""


def parse_header_line(line: str) -> tuple[str, str]:
    """``agi_key: value`` as ``(key, value)``; the value may be empty (``agi_accountcode: ``)."""
    key, colon, value = line.partition(":")
    if not colon or not key.startswith("agi_") or not key.isascii() or " " in key:
        raise HeaderError(f"not an agi_* header line: {line[:80]!r}")
    return key, value[1:] if value.startswith(" ") else value


def parse_header_lines(lines: Iterable[str]) -> dict[str, str]:
    """Every header line as ``{key: value}``: ``parse_header_line`` inlined, since a FastAGI
    server parses some 25 of them per call."""
    header: dict[str, str] = {}
    for line in lines:
        key, colon, value = line.partition(":")
        if not colon or not key.startswith("agi_") or " " in key or not key.isascii():
            raise HeaderError(f"not an agi_* header line: {line[:80]!r}")
        header[key] = value[1:] if value.startswith(" ") else value
    return header


def build_environment(raw: dict[str, str]) -> AgiEnvironment:
    """Split ``agi_network_script`` into the script name and its ``?query``; collect the
    ``agi_arg_N`` in order."""
    script, _, query = raw.get("agi_network_script", "").partition("?")
    args: list[str] = []
    while (arg := raw.get(f"agi_arg_{len(args) + 1}")) is not None:
        args.append(arg)
    return AgiEnvironment(
        raw=raw,
        script=script,
        query=dict(parse_qsl(query, keep_blank_values=True)),
        args=tuple(args),
    )


def parse_environment(lines: Iterable[str]) -> AgiEnvironment:
    """The whole header (without its terminating blank line)."""
    return build_environment(parse_header_lines(lines))
