"""The caller's channel inside the double: its variables, its virtual time and its life.

``now`` is the channel's own virtual time (seconds from the session start); ``epoch`` turns it
into wall time. Dialplan functions the app and the transcripts read are answered here.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from ivr.sim.caller import Caller
from ivr.sim.expressions import split_function, substitute
from ivr.sim.script import CallScript

# ast_describe_caller_presentation() names (callerid.c).
PRESENTATION = {
    0: "allowed_not_screened",
    1: "allowed_passed_screen",
    2: "allowed_failed_screen",
    3: "allowed",
    32: "prohib_not_screened",
    33: "prohib_passed_screen",
    34: "prohib_failed_screen",
    35: "prohib",
    67: "unavailable",
}


@dataclass(slots=True)
class LegCause:
    tech: str  # e.g. "SIP 486 Busy Here": the last SIP response seen on the leg
    ast: str  # e.g. "User busy"


@dataclass(slots=True)
class Channel:
    script: CallScript
    name: str
    uniqueid: str
    epoch0: float  # wall time at the session start
    caller: Caller
    now: float = 0.0
    answered_at: float | None = None
    hung_up: bool = False  # the caller is gone (Asterisk has seen it)
    variables: dict[str, str] = field(default_factory=dict)
    leg_causes: dict[str, LegCause] = field(default_factory=dict)
    bridges: list[tuple[float, float]] = field(default_factory=list)
    agi_failed: bool = False  # a command returned RESULT_FAILURE (02d): AGISTATUS=FAILURE
    # Inheritance prefix ("_" or "__") of variables set with one; ``variables`` keys never
    # carry it, since Asterisk compares names without their leading underscores.
    inherit_prefix: dict[str, str] = field(default_factory=dict)

    def epoch(self, moment: float | None = None) -> float:
        return self.epoch0 + (self.now if moment is None else moment)

    # -- SET VARIABLE / Set() -------------------------------------------------------------------

    def set_variable(self, name: str, value: str) -> None:
        """pbx_builtin_setvar_helper: ``_X`` and ``__X`` set X and mark it for inheritance by
        channels this one creates; setting X again without the prefix drops the mark."""
        bare = name.removeprefix("__") if name.startswith("__") else name.removeprefix("_")
        self.inherit_prefix.pop(bare, None)
        if bare != name:
            self.inherit_prefix[bare] = name[: len(name) - len(bare)]
        self.variables[bare] = value

    def inherited_by_new_channel(self) -> dict[str, str]:
        """ast_channel_inherit_variables: what a Dial leg starts with, by the name the leg
        reads (``_X`` arrives as X once, ``__X`` keeps inheriting)."""
        return {
            name: self.variables[name] for name in self.inherit_prefix if name in self.variables
        }

    # -- GET VARIABLE / GET FULL VARIABLE ----------------------------------------------------

    def get_variable(self, name: str) -> str | None:
        """GET VARIABLE: a function when the name ends with ')', else a variable."""
        if name.endswith(")"):
            return self.function(name)
        if name in self.variables:
            return self.variables[name]
        return self._builtin(name)

    def evaluate(self, text: str) -> str:
        """GET FULL VARIABLE: ``${...}`` substitution."""
        return substitute(text, self._resolve)

    def _resolve(self, expression: str) -> str | None:
        if expression.endswith(")"):
            return self.function(expression)
        return self.get_variable(expression)

    def _builtin(self, name: str) -> str | None:
        builtins = {
            "EPOCH": lambda: str(int(self.epoch())),
            "UNIQUEID": lambda: self.uniqueid,
            "CHANNEL": lambda: self.name,
            "EXTEN": lambda: self.script.did,
            "CONTEXT": lambda: self.script.context,
            "PRIORITY": lambda: self.script.priority,
            # The channel's cause field: 0 until a Dial leg or a hang-up sets it (06e: still 0).
            "HANGUPCAUSE": lambda: "0",
        }
        getter = builtins.get(name)
        return getter() if getter else None

    def function(self, expression: str) -> str | None:
        parsed = split_function(expression)
        if parsed is None:
            return None
        name, args = parsed
        handlers = {
            "CALLERID": self._callerid,
            "CHANNEL": self._channel_function,
            "CONNECTEDLINE": lambda a: '"" <>' if a[:1] == ["all"] else "",
            "PJSIP_HEADER": self._pjsip_header,
            "HANGUPCAUSE_KEYS": lambda a: ",".join(self.leg_causes),
            "HANGUPCAUSE": self._hangupcause,
            "STRFTIME": self._strftime,
        }
        handler = handlers.get(name.upper())
        return handler(args) if handler else None

    def _callerid(self, args: list[str]) -> str | None:
        s = self.script
        pres = PRESENTATION.get(s.calling_pres, "unavailable")
        fields = {
            "num": s.caller,
            "number": s.caller,
            "name": s.caller_name,
            "all": f'"{s.caller_name}" <{s.caller}>',
            "pres": pres,
            "name-pres": pres,
            "num-pres": pres,
            "ani": s.caller,
            "ani-num": s.caller,
        }
        return fields.get(args[0].lower()) if args else None

    def _channel_function(self, args: list[str]) -> str | None:
        fields = {"linkedid": self.uniqueid, "uniqueid": self.uniqueid, "name": self.name}
        return fields.get(args[0].lower()) if args else None

    def _pjsip_header(self, args: list[str]) -> str | None:
        if len(args) != 2 or args[0] != "read":
            return None
        wanted = args[1].lower()
        for header, value in self.script.sip_headers.items():
            if header.lower() == wanted:
                return value
        return None

    def _hangupcause(self, args: list[str]) -> str | None:
        if len(args) != 2 or args[0] not in self.leg_causes:
            return None
        cause = self.leg_causes[args[0]]
        return cause.tech if args[1] == "tech" else cause.ast if args[1] == "ast" else None

    def _strftime(self, args: list[str]) -> str:
        """STRFTIME(epoch,zone,format) in UTC, with Asterisk's %[1-6]q fractions of a second.

        Asterisk formats a timeval (whole microseconds) and cuts the fraction to the asked
        digits. The double's epoch is a float, so it is rounded to the microsecond first: at
        1.8e9 s a float is 2e-7 s coarse, and cutting it raw would turn .512 into .511."""
        epoch = float(args[0]) if args and args[0] else self.epoch()
        seconds, micros = divmod(round(epoch * 1_000_000), 1_000_000)
        fmt = args[2] if len(args) > 2 and args[2] else "%c"

        def fraction(match: re.Match[str]) -> str:
            digits = int(match.group(1) or 3)
            return str(micros // 10 ** (6 - digits)).zfill(digits)

        fmt = re.sub(r"%([1-6]?)q", fraction, fmt).replace("%s", str(seconds))
        return time.strftime(fmt, time.gmtime(seconds))

    # -- timeline ------------------------------------------------------------------------------

    def bridged_seconds(self, start: float, stop: float) -> float:
        """Bridged time inside [start, stop] (what MixMonitor's b option records)."""
        total = 0.0
        for begin, end in self.bridges:
            total += max(0.0, min(end, stop) - max(begin, start))
        return total
