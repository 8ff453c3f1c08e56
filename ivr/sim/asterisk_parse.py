"""How Asterisk 22 reads an AGI command line: a port of res/res_agi.c ``parse_args``,
``find_command`` and the command table's dead-channel flags.

The Asterisk double parses what the app sends with this module, so a quoting bug in the app
shows up in tests exactly as it would against a real Asterisk. Behaviour kept from the C code
(and confirmed by shared/asterisk corpus/05):

* ``run_agi`` reads one line with ``fgets`` and strips only the final ``\\n``; a ``\\r`` stays
  an ordinary character (``ANSWER\\r`` is an unknown command). The read buffer is
  ``AGI_BUF_LEN`` bytes: a longer line is cut, and its tail is read as the next command.
* Outside quotes, runs of space/tab separate words; nothing else does.
* ``"`` toggles quoting and is dropped; a quote right after whitespace starts a new word, so
  ``""`` is an empty argument.
* ``\\`` makes the next character literal, whatever it is, and is dropped; a trailing ``\\``
  vanishes.
* At most ``MAX_ARGS - 1`` words; further words are dropped ("Too many arguments, truncating").
* The C string ends at the first NUL byte.

The one deliberate difference: the C code does not bound a word opened by a quote, and would
write past ``argv``; here such a word is dropped like any other word over the limit.
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_ARGS = 128
AGI_BUF_LEN = 8192
# fgets(buf, AGI_BUF_LEN) returns at most this many bytes, the "\n" included.
MAX_COMMAND_LINE_BYTES = AGI_BUF_LEN - 1

# res_agi.c commands[]: the words of each command and whether it still runs on a dead channel
# (the others answer 511 once the caller has hung up).
COMMANDS: dict[tuple[str, ...], bool] = {
    ("answer",): False,
    ("asyncagi", "break"): True,
    ("channel", "status"): False,
    ("database", "del"): True,
    ("database", "deltree"): True,
    ("database", "get"): True,
    ("database", "put"): True,
    ("exec",): True,
    ("get", "data"): False,
    ("get", "full", "variable"): True,
    ("get", "option"): False,
    ("get", "variable"): True,
    ("hangup",): False,
    ("noop",): True,
    ("receive", "char"): False,
    ("receive", "text"): False,
    ("record", "file"): False,
    ("say", "alpha"): False,
    ("say", "digits"): False,
    ("say", "number"): False,
    ("say", "phonetic"): False,
    ("say", "date"): False,
    ("say", "time"): False,
    ("say", "datetime"): False,
    ("send", "image"): False,
    ("send", "text"): False,
    ("set", "autohangup"): False,
    ("set", "callerid"): False,
    ("set", "context"): False,
    ("set", "extension"): False,
    ("set", "music"): False,
    ("set", "priority"): False,
    ("set", "variable"): True,
    ("stream", "file"): False,
    ("control", "stream", "file"): False,
    ("tdd", "mode"): False,
    ("verbose",): True,
    ("wait", "for", "digit"): False,
}


def strip_line(raw: bytes) -> str:
    """What ``run_agi`` hands to ``parse_args``: the final ``\\n`` removed, nothing else.

    Bytes that are not UTF-8 survive as surrogate escapes, like the C code keeps any byte.
    """
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    return raw.decode("utf-8", "surrogateescape")


def parse_args(line: str | bytes) -> list[str]:
    """Split one command line into words exactly as Asterisk's ``parse_args`` does.

    ``bytes`` are taken as read from the socket (the final ``\\n`` is stripped first); a
    ``str`` is taken as already stripped.
    """
    text = strip_line(line) if isinstance(line, bytes) else line
    nul = text.find("\0")
    if nul >= 0:
        text = text[:nul]
    words: list[list[str]] = []
    quoted = escaped = False
    whitespace = True
    for char in text:
        if char == '"' and not escaped:
            quoted = not quoted
            if quoted and whitespace:
                if len(words) >= MAX_ARGS - 1:
                    continue  # the C code has no bound here; see the module docstring
                words.append([])
                whitespace = False
            continue
        if char in " \t" and not quoted and not escaped:
            whitespace = True
            continue
        if char == "\\" and not escaped:
            escaped = True
            continue
        # "normal:" in the C code: a literal character
        if whitespace:
            if len(words) >= MAX_ARGS - 1:
                continue  # "Too many arguments, truncating": the char is dropped, escape kept
            words.append([])
            whitespace = False
        words[-1].append(char)
        escaped = False
    return ["".join(word) for word in words]


def find_command(argv: Sequence[str]) -> tuple[str, ...] | None:
    """The command a parsed line names (``find_command(argv, 0)``): its words must match the
    first words of the line, case-insensitively; extra words are the command's arguments."""
    lowered = [word.lower() for word in argv]
    for words in COMMANDS:
        if len(lowered) >= len(words) and tuple(lowered[: len(words)]) == words:
            return words
    return None


def runs_on_dead_channel(command: tuple[str, ...]) -> bool:
    """Whether Asterisk still runs this command after the caller hung up (else 511)."""
    return COMMANDS[command]
