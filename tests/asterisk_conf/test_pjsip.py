"""pjsip.conf: only real options, every reference resolves, every needed endpoint exists."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from .asterisk22_facts import PJSIP_OPTIONS
from .conf_parser import Conf
from .conftest import REPO
from .dialplan import dialplan_contexts


def test_every_option_is_known_for_its_type(conf: Callable[[str], Conf]) -> None:
    for section in conf("pjsip.conf").sections:
        kind = section.get("type")
        assert kind in PJSIP_OPTIONS, f"[{section.name}] type={kind}"
        unknown = {e.name for e in section.entries} - PJSIP_OPTIONS[kind]
        assert not unknown, f"[{section.name}] ({kind}): {unknown}"


def test_references_resolve(conf: Callable[[str], Conf]) -> None:
    pjsip = conf("pjsip.conf")
    aors, auths = pjsip.objects("aor"), pjsip.objects("auth")
    transports, endpoints = pjsip.objects("transport"), pjsip.objects("endpoint")
    for name, ep in endpoints.items():
        for aor in filter(None, (ep.get("aors") or "").split(",")):
            assert aor.strip() in aors, (name, aor)
        for key in ("auth", "outbound_auth"):
            for auth in filter(None, (ep.get(key) or "").split(",")):
                assert auth.strip() in auths, (name, auth)
        if ep.get("transport"):
            assert ep.get("transport") in transports
    for name, ident in pjsip.objects("identify").items():
        assert ident.get("endpoint") in endpoints, name


def test_endpoint_contexts_exist_in_the_dialplan(conf: Callable[[str], Conf]) -> None:
    contexts = dialplan_contexts(conf("extensions.conf"))
    for name, ep in conf("pjsip.conf").objects("endpoint").items():
        assert ep.get("context") in contexts, (name, ep.get("context"))


def test_carrier_is_identified_by_ip_into_from_carrier(conf: Callable[[str], Conf]) -> None:
    pjsip = conf("pjsip.conf")
    carrier = pjsip.objects("endpoint")["carrier"]
    assert carrier.get("context") == "from-carrier"
    assert carrier.get("identify_by") == "ip"
    assert any(
        i.get("endpoint") == "carrier" and i.get("match")
        for i in pjsip.objects("identify").values()
    )
    # No anonymous identifier: strangers never reach from-carrier.
    assert "anonymous" not in (
        pjsip.objects("global")["global"].get("endpoint_identifier_order") or ""
    )


@pytest.mark.parametrize(
    "name",
    ["carrier", "ivr-trunk-out", "ivr-uri", "buyer-a-main", "buyer-a-overflow", "failsafe-line"],
)
def test_media_settings(conf: Callable[[str], Conf], name: str) -> None:
    ep = conf("pjsip.conf").objects("endpoint")[name]
    assert ep.get("dtmf_mode") == "rfc4733"
    assert ep.get("direct_media") == "no"
    assert ep.get("allow") == "ulaw,alaw" and ep.get("disallow") == "all"


def test_dial_string_endpoints(conf: Callable[[str], Conf]) -> None:
    endpoints = conf("pjsip.conf").objects("endpoint")
    # PJSIP/<number>@ivr-trunk-out needs an AOR with a contact to take the host from.
    aor = conf("pjsip.conf").objects("aor")[endpoints["ivr-trunk-out"].get("aors") or ""]
    assert aor.get(
        "contact",
    ) and (aor.get("contact") or "").startswith("sip:")
    # PJSIP/ivr-uri/<uri>: no AOR, so chan_pjsip dials the text after the slash.
    assert endpoints["ivr-uri"].get("aors") is None


def test_auth_type_is_not_deprecated(conf: Callable[[str], Conf]) -> None:
    for name, auth in conf("pjsip.conf").objects("auth").items():
        assert auth.get("auth_type") in (None, "digest"), name  # userpass/md5 warn in 22


def test_every_endpoint_of_the_demo_plan_exists(conf: Callable[[str], Conf]) -> None:
    plan = yaml.safe_load((REPO / "ivr" / "plans" / "demo.yaml").read_text(encoding="utf-8"))
    named = {
        t["endpoint"]
        for b in plan.get("buyers", [])
        for t in b.get("targets", [])
        if t.get("endpoint")
    }
    named |= {
        c["fallback"]["endpoint"]
        for c in plan.get("campaigns", [])
        if c.get("fallback", {}).get("endpoint")
    }
    assert named, "the demo plan names no endpoint"
    assert named <= conf("pjsip.conf").objects("endpoint").keys()
