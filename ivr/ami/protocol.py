"""AMI wire format: `Key: Value` lines ended by CRLF, one blank line ends a message.

Shared by the client and the Asterisk double so both frame bytes the same way; the transcripts
(shared/asterisk) are what both are tested against. Values are kept raw: Asterisk C-escapes some
string fields itself and the app must see them as sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

EOL = b"\r\n"
BANNER_PREFIX = "Asterisk Call Manager/"
SUCCESS_RESPONSES = frozenset({"success", "goodbye", "follows"})
# A single AMI message larger than this is a protocol error, not something to buffer forever.
MAX_MESSAGE_BYTES = 1_000_000


class AmiProtocolError(Exception):
    """The peer sent something that is not AMI."""


@dataclass(slots=True)
class AmiMessage:
    """One response or event, headers in wire order (repeated keys such as `Output` are kept)."""

    headers: list[tuple[str, str]]
    received_at: float = 0.0
    _index: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for key, value in self.headers:
            self._index.setdefault(key.lower(), value)

    def get(self, key: str, default: str | None = None) -> str | None:
        """First value of a header; AMI header names are case-insensitive (corpus 09b)."""
        return self._index.get(key.lower(), default)

    def get_all(self, key: str) -> list[str]:
        wanted = key.lower()
        return [value for name, value in self.headers if name.lower() == wanted]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._index

    @property
    def event(self) -> str | None:
        return self.get("Event")

    @property
    def response(self) -> str | None:
        return self.get("Response")

    @property
    def action_id(self) -> str | None:
        return self.get("ActionID")

    @property
    def ok(self) -> bool:
        return (self.response or "").lower() in SUCCESS_RESPONSES

    def as_dict(self) -> dict[str, str]:
        """Header name -> first value, names as Asterisk spelled them."""
        result: dict[str, str] = {}
        for key, value in self.headers:
            result.setdefault(key, value)
        return result


def parse_message(block: bytes, received_at: float = 0.0) -> AmiMessage:
    """Parse one message without its blank terminating line. Lines without `:` are kept as
    `("", line)` so nothing the server said is silently lost."""
    headers: list[tuple[str, str]] = []
    for raw in block.split(EOL):
        if not raw:
            continue
        line = raw.decode("utf-8", errors="replace")
        key, sep, value = line.partition(":")
        if not sep:
            headers.append(("", line))
            continue
        headers.append((key.strip(), value[1:] if value.startswith(" ") else value))
    return AmiMessage(headers, received_at)


def encode_message(headers: Mapping[str, object] | Iterable[tuple[str, str]]) -> bytes:
    """Serialize an action (or, in the double, a response/event). A list value becomes one
    header line per item (e.g. several `Variable:` lines for Originate)."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    lines: list[str] = []
    for key, value in pairs:
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            text = f"{key}: {item}"
            if "\r" in text or "\n" in text:
                raise ValueError(f"header {key!r} holds a line break")
            lines.append(text)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


async def read_banner(reader: asyncio.StreamReader) -> str:
    """Read the greeting line, e.g. `Asterisk Call Manager/11.0.0`, and return its version."""
    line = await reader.readuntil(EOL)
    text = line.decode("utf-8", errors="replace").strip()
    if not text.startswith(BANNER_PREFIX):
        raise AmiProtocolError(f"not an AMI server: {text[:80]!r}")
    return text[len(BANNER_PREFIX) :]


async def read_message(reader: asyncio.StreamReader) -> bytes:
    """Bytes of the next message, blank line excluded. Raises IncompleteReadError on EOF.

    Reading whole frames as bytes before decoding keeps a UTF-8 character that straddles two
    TCP reads intact (panoramisk decodes every chunk with errors='ignore' and drops it)."""
    try:
        block = await reader.readuntil(EOL + EOL)
    except asyncio.LimitOverrunError as exc:
        raise AmiProtocolError("AMI message too large") from exc
    return block[: -len(EOL + EOL)].lstrip(b"\r\n")
