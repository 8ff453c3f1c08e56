"""Reading Asterisk's AGI replies (the forms recorded in shared/asterisk):

* ``200 result=N``, ``200 result=`` (GET DATA, ``#`` only), ``200 result=-1``;
* ``200 result=N (data)``: the data is raw, never escaped, and may hold ``)``, spaces, UTF-8
  or ``\\r``, so it is everything between the first ``" ("`` and the LAST ``)``;
* ``200 result=N (timeout)``, ``200 result=N endpos=M`` (and ``(data) endpos=M``);
* ``510 Invalid or unknown command``, ``511 Command Not Permitted on a dead channel ...``;
* ``520-Invalid command syntax.  Proper usage follows:`` + usage lines +
  ``520 End of proper usage.`` (or a single ``520 ...`` line).

The bare ``HANGUP`` line Asterisk pushes by itself is not a reply; the connection takes it out
of the stream before replies are read (see ``ivr.agi.connection``).
"""

from __future__ import annotations

from dataclasses import dataclass

HANGUP_LINE = "HANGUP"
DEAD_CHANNEL = 511
USAGE = 520


class MalformedReply(ValueError):
    """A line that is none of Asterisk's reply forms."""


@dataclass(slots=True)  # not frozen: a frozen dataclass is slower to build, on the hot path
class AgiReply:
    """One parsed reply. ``result``/``data``/``endpos`` are only set for 200 replies."""

    code: int
    text: str  # everything after the code on the first line
    result: str = ""
    data: str | None = None
    endpos: int | None = None
    lines: tuple[str, ...] = ()  # every line of the reply, multi-line usage text included

    @property
    def result_int(self) -> int:
        """``result=`` as a number; an empty result (GET DATA ``#`` only) counts as 0."""
        return int(self.result) if self.result else 0

    @property
    def timed_out(self) -> bool:
        """The `` (timeout)`` marker of GET DATA (and RECORD FILE)."""
        return self.data == "timeout"


def reply_code(line: str) -> tuple[int, bool]:
    """The status code of a reply's first line and whether more lines follow (``520-``)."""
    if line.startswith("200 "):  # nearly every reply: skip the general checks
        return 200, False
    if len(line) < 3 or not line[:3].isdigit() or (len(line) > 3 and line[3] not in " -"):
        raise MalformedReply(f"not an AGI reply: {line[:80]!r}")
    return int(line[:3]), line[3:4] == "-"


def is_last_line(code: int, line: str) -> bool:
    """Whether ``line`` ends a multi-line reply that began with ``<code>-``."""
    return line.startswith(f"{code} ")


def parse_reply(lines: tuple[str, ...], code: int | None = None) -> AgiReply:
    """A whole reply (one line, or a ``520-`` block) as an ``AgiReply``; ``code``: the
    first line's code when the caller already read it with ``reply_code``."""
    first = lines[0]
    if code is None:
        code, _ = reply_code(first)
    text = first[4:]
    if code != 200:
        return AgiReply(code=code, text=text, lines=lines)
    if not text.startswith("result="):
        raise MalformedReply(f"200 reply without result=: {first[:80]!r}")
    return _parse_success(text, lines)


def _parse_success(text: str, lines: tuple[str, ...]) -> AgiReply:
    body = text[len("result=") :]
    space = body.find(" ")
    if space < 0:
        return AgiReply(code=200, text=text, result=body, lines=lines)
    result, rest = body[:space], body[space + 1 :]
    data: str | None = None
    if rest.startswith("("):
        close = rest.rfind(")")
        if close < 0:
            raise MalformedReply(f"unclosed data in reply: {text[:80]!r}")
        data, rest = rest[1:close], rest[close + 1 :].lstrip(" ")
    endpos: int | None = None
    if rest.startswith("endpos="):
        try:
            endpos = int(rest[len("endpos=") :])
        except ValueError as exc:
            raise MalformedReply(f"bad endpos in reply: {text[:80]!r}") from exc
    elif rest:
        raise MalformedReply(f"unexpected text in reply: {text[:80]!r}")
    return AgiReply(code=200, text=text, result=result, data=data, endpos=endpos, lines=lines)
