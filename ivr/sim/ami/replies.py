"""Exact texts of the double's answers, copied from the transcripts (corpus 09a-09f2, 09e)."""

from __future__ import annotations

from collections.abc import Mapping

VERSION_OUTPUT = (
    "Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-21 09:44:13 UTC"
)
FILTER_SYNTAX_ERROR = "Filter was formatted incorrectly.  Check the syntax of the filter given."
ORIGINATE_REASON = {"answer": "4", "timeout": "3", "busy": "0"}


def response(
    status: str, action_id: str | None, *rest: str, fields: Mapping[str, str] | None = None
) -> list[str]:
    """`Response:` first, then `ActionID:` only when the action had one (09b), then the rest."""
    lines = [f"Response: {status}"]
    if action_id is not None:
        lines.append(f"ActionID: {action_id}")
    lines += [f"Message: {text}" for text in rest]
    lines += [f"{key}: {value}" for key, value in (fields or {}).items()]
    return lines


def unknown_action(name: str, action_id: str | None) -> list[str]:
    return response(
        "Error",
        action_id,
        f"Invalid/unknown command: {name}. Use Action: ListCommands to show available commands.",
    )


def command_output(command: str) -> list[str]:
    if command.strip() == "core show version":
        return [VERSION_OUTPUT]
    if command.split() == ["dialplan", "reload"]:  # pbx_config.c prints exactly this
        return ["Dialplan reloaded."]
    word = command.split()[0] if command.split() else ""
    return [f"No such command '{word}' (type 'core show help {word}' for other possible commands)"]


def fully_booted(uptime_s: int) -> list[str]:
    return [
        "Event: FullyBooted",
        "Privilege: system,all",
        f"Uptime: {uptime_s}",
        "LastReload: 0",
        "Status: Fully Booted",
    ]


def successful_auth(username: str, session_id: str, local: str, remote: str, tv: str) -> list[str]:
    return [
        "Event: SuccessfulAuth",
        "Privilege: security,all",
        f"EventTV: {tv}",
        "Severity: Informational",
        "Service: AMI",
        "EventVersion: 1",
        f"AccountID: {username}",
        f"SessionID: {session_id}",
        f"LocalAddress: IPV4/TCP/{local}",
        f"RemoteAddress: IPV4/TCP/{remote}",
        "UsingPassword: 0",
        f"SessionTV: {tv}",
    ]


def originate_response(
    action: Mapping[str, str], outcome: str, channel: str, uniqueid: str
) -> list[str]:
    success = outcome == "answer"
    lines = ["Event: OriginateResponse", "Privilege: call,all"]
    if action.get("actionid") is not None:
        lines.append(f"ActionID: {action['actionid']}")
    lines += [
        f"Response: {'Success' if success else 'Failure'}",
        f"Channel: {channel if success else action.get('channel', '')}",
    ]
    if "application" in action:
        lines += [f"Application: {action['application']}", f"Data: {action.get('data', '')}"]
    else:
        lines += [f"Context: {action.get('context', '')}", f"Exten: {action.get('exten', '')}"]
    lines += [
        f"Reason: {ORIGINATE_REASON[outcome]}",
        f"Uniqueid: {uniqueid if success else '<unknown>'}",
        "CallerIDNum: <unknown>",
        "CallerIDName: <unknown>",
    ]
    return lines
