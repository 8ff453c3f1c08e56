"""Turning a command and its arguments into the one line Asterisk reads: the only place that
quotes AGI arguments.

Asterisk splits a line with res_agi.c ``parse_args`` (ported in ``ivr.sim.asterisk_parse``):
``"`` toggles quoting, ``\\`` makes ANY next character literal and is dropped, only space and
tab split words, and only the final ``\\n`` is stripped. So every argument is sent inside
quotes with each ``\\`` and ``"`` preceded by ``\\``: one rule for every value, empty ones
included (``""``), as the lab did for ``EXEC Dial "PJSIP/buyer1,10,g"``.

What cannot be encoded is refused before anything is sent, because caller-controlled text
(caller ID, digits, tags, names) must never become a second command or a broken argument:

* CR or LF: a ``\\n`` ends the command (the rest would run as another command) and a ``\\r`` is
  kept inside the argument (corpus/05);
* NUL: the C string ends there and the rest of the line is silently lost;
* a line over ``fgets``' buffer: its tail would be read as the next command;
* more words than ``MAX_ARGS - 1``: Asterisk drops the extra ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ivr.agi.api import AgiError

MAX_WORDS = 127  # res_agi.c MAX_ARGS - 1
MAX_LINE_BYTES = 8191  # fgets(buf, 8192): the "\n" included

_COMMAND_WORD = re.compile(r"[A-Za-z]+")
# Command words are constants: each tuple is checked once, then its wire prefix is reused.
_PREFIXES: dict[tuple[str, ...], str] = {}


class UnsafeAgiArgument(AgiError, ValueError):
    """An argument (or whole line) that Asterisk would not read back as sent."""


def quote_argument(value: str) -> str:
    """One argument as Asterisk's ``parse_args`` will read it back, unchanged."""
    if "\n" in value or "\r" in value or "\0" in value:
        raise UnsafeAgiArgument("an AGI argument cannot hold CR, LF or NUL")
    if "\\" in value or '"' in value:
        value = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + value + '"'


def _prefix(words: Sequence[str]) -> str:
    key = words if isinstance(words, tuple) else tuple(words)
    prefix = _PREFIXES.get(key)
    if prefix is None:
        if not key or not all(_COMMAND_WORD.fullmatch(word) for word in key):
            raise UnsafeAgiArgument(f"bad AGI command words: {list(key)!r}")
        prefix = _PREFIXES[key] = " ".join(key)
    return prefix


def build_command(words: Sequence[str], args: Sequence[str] = ()) -> bytes:
    """The wire form of one command: ``words`` (e.g. ``("GET", "VARIABLE")``) sent bare,
    ``args`` each quoted, ending with ``\\n``."""
    prefix = _prefix(words)
    if len(words) + len(args) > MAX_WORDS:
        raise UnsafeAgiArgument("too many AGI arguments: Asterisk would drop the extra ones")
    text = prefix + " " + " ".join(map(quote_argument, args)) + "\n" if args else prefix + "\n"
    try:
        line = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UnsafeAgiArgument("an AGI argument is not encodable as UTF-8") from exc
    if len(line) > MAX_LINE_BYTES:
        raise UnsafeAgiArgument(f"AGI command of {len(line)} bytes exceeds {MAX_LINE_BYTES}")
    return line
