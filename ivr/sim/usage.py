"""The 520 replies: ``520-Invalid command syntax.  Proper usage follows:``, the command's usage
text, ``520 End of proper usage.``. Texts marked "recorded" are copied from the transcripts
(corpus 02b, 03, 04, 05); the others were not recorded and carry a short stand-in."""

from __future__ import annotations

RECORDED: dict[tuple[str, ...], list[str]] = {
    ("stream", "file"): [
        "Send the given file, allowing playback to be interrupted by the given digits, if any. "
        "Returns <literal>0</literal> if playback completes without a digit being pressed, or "
        "the ASCII numerical value of the digit if one was pressed, or <literal>-1</literal> on "
        "error or if the channel was disconnected. If musiconhold is playing before calling "
        "stream file it will be automatically stopped and will not be restarted after "
        "completion.",
        "It sets the following channel variables upon completion:",
        "<variable>PLAYBACKSTATUS</variable>: The status of the playback attempt as a text string.",
        "    <value>SUCCESS</value>",
        "    <value>FAILED</value>",
    ],
    ("say", "number"): [
        "Say a given number, returning early if any of the given DTMF digits are received on "
        "the channel.  Returns <literal>0</literal> if playback completes without a digit "
        "being pressed, or the ASCII numerical value of the digit if one was pressed or "
        "<literal>-1</literal> on error/hangup."
    ],
    ("get", "variable"): [
        "Returns <literal>0</literal> if <replaceable>variablename</replaceable> is not set. "
        "Returns <literal>1</literal> if <replaceable>variablename</replaceable> is set and "
        "returns the variable in parentheses.",
        "Example return code: 200 result=1 (testvariable)",
    ],
    ("set", "variable"): ["Sets a variable to the current channel."],
}

NOT_RECORDED: dict[tuple[str, ...], str] = {
    ("say", "digits"): "Say a given digit string, returning early if any of the given DTMF "
    "digits are received on the channel.",
    ("get", "data"): "Stream the given file, and receive DTMF data.",
    ("wait", "for", "digit"): "Waits up to timeout milliseconds for channel to receive a DTMF "
    "digit.",
    ("get", "full", "variable"): "Evaluates a channel expression.",
    ("exec",): "Executes application with given options.",
    ("verbose",): "Sends message to the console via verbose message system.",
}


def usage_reply(command: tuple[str, ...]) -> list[str]:
    text = RECORDED.get(command) or [NOT_RECORDED.get(command, "Usage: " + " ".join(command))]
    return [
        "520-Invalid command syntax.  Proper usage follows:",
        *text,
        "520 End of proper usage.",
    ]
