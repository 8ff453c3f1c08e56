"""modules.conf loads real Asterisk 22 modules, with everything they require and provide."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .asterisk22_facts import (
    APPLICATIONS,
    BUILTIN_MODULES,
    FUNCTIONS,
    MODULES,
    REQUIRES,
)
from .conf_parser import Conf
from .dialplan import assigned, dialplan_contexts, functions_used

# Applications the app runs itself with AGI `EXEC` (docs/contracts.md). MixMonitor is no longer
# one: the dialplan's answer Gosub runs it, so the dialplan check below covers it.
APP_EXECS = {"Dial"}
# Functions the app reads with GET VARIABLE / GET FULL VARIABLE (corpus 04, 06a-d, 08*).
APP_FUNCTIONS = {"CALLERID", "HANGUPCAUSE", "HANGUPCAUSE_KEYS", "PJSIP_HEADER", "CDR", "STRFTIME"}


def loaded(conf: Callable[[str], Conf]) -> list[str]:
    section = conf("modules.conf").named("modules")[0]
    return [v.removesuffix(".so") for v in section.values("load")]


def test_autoload_off_and_names_end_in_so(conf: Callable[[str], Conf]) -> None:
    section = conf("modules.conf").named("modules")[0]
    assert section.get("autoload") == "no"
    for entry in section.entries:
        assert entry.name in ("autoload", "load", "noload")
        if entry.name != "autoload":
            assert entry.value.endswith(".so"), entry


def test_every_module_is_a_real_asterisk22_module(conf: Callable[[str], Conf]) -> None:
    names = loaded(conf)
    assert len(names) == len(set(names)), "a module is listed twice"
    unknown = [n for n in names if n not in MODULES]
    assert not unknown


def test_noload_names_are_real(conf: Callable[[str], Conf]) -> None:
    section = conf("modules.conf").named("modules")[0]
    for value in section.values("noload"):
        assert value.removesuffix(".so") in MODULES


def test_requirements_are_loaded(conf: Callable[[str], Conf]) -> None:
    available = set(loaded(conf)) | set(BUILTIN_MODULES)
    missing = {
        (name, need)
        for name in loaded(conf)
        for need in REQUIRES.get(name, ())
        if need not in available
    }
    assert not missing


@pytest.mark.parametrize(
    "needed",
    [
        "chan_pjsip",
        "res_pjsip_sdp_rtp",
        "res_rtp_asterisk",
        "res_agi",
        "app_stack",
        "res_pjsip_endpoint_identifier_ip",
        "res_pjsip_caller_id",
        "cdr_manager",
        "pbx_config",
        "codec_ulaw",
        "codec_alaw",
        "format_wav",
        "format_gsm",
        "format_pcm",
        "bridge_simple",
    ],
)
def test_core_of_the_switch_is_loaded(conf: Callable[[str], Conf], needed: str) -> None:
    assert needed in loaded(conf)


def provider_loaded(conf: Callable[[str], Conf], module: str | None) -> bool:
    return module is None or module in loaded(conf)


def test_dialplan_applications_and_functions_have_their_module(
    conf: Callable[[str], Conf],
) -> None:
    steps = [s for ctx in dialplan_contexts(conf("extensions.conf")).values() for s in ctx]
    apps = {s.app for s in steps} | APP_EXECS
    written = {a[0].partition("(")[0] for s in steps if (a := assigned(s)) and "(" in a[0]}
    funcs = {f for s in steps for f in functions_used(s.data)} | written | APP_FUNCTIONS
    assert all(a in APPLICATIONS for a in apps), apps - APPLICATIONS.keys()
    assert all(f in FUNCTIONS for f in funcs), funcs - FUNCTIONS.keys()
    assert [a for a in apps if not provider_loaded(conf, APPLICATIONS[a])] == []
    assert [f for f in funcs if not provider_loaded(conf, FUNCTIONS[f])] == []
