import json
from pathlib import Path

import pytest

from ivr.geo import (
    CallerKind,
    classify_caller,
    normalize_number,
    presentation_restricted,
    state_of_area_code,
    state_of_zip,
)
from ivr.geo.build_tables import zip_states
from ivr.geo.regions import _area_codes, _zips
from ivr.plans.schema import US_STATES


@pytest.mark.parametrize(
    "raw",
    [
        "18005550100",
        "8005550100",
        "+18005550100",
        " +1 (800) 555-0100 ",
        "sip:+18005550100@203.0.113.5;user=phone",
        "<sip:18005550100@carrier.example>",
        "SIP:8005550100@carrier.example:5060",
        "tel:+1-800-555-0100",
    ],
)
def test_did_forms_normalize_to_e164(raw: str) -> None:
    assert normalize_number(raw) == "+18005550100"


@pytest.mark.parametrize(
    "raw", ["", "   ", "carrier", "anonymous", "12345", "+1312555010", "sip:@host", "+15551230004"]
)
def test_not_a_valid_number_gives_none(raw: str) -> None:
    assert normalize_number(raw) is None


def test_other_countries_and_default_region() -> None:
    assert normalize_number("+442079460000") == "+442079460000"
    assert normalize_number("011442079460000") == "+442079460000"  # US international prefix
    assert normalize_number("02079460000", default_region="GB") == "+442079460000"
    assert normalize_number("02079460000") is None  # not a US number


def _corpus_caller(shared: Path, case: str) -> tuple[str, str, str]:
    env = json.loads((shared / "corpus" / case / "agi.env.json").read_text(encoding="utf-8"))
    return env["agi_callerid"], env["agi_calleridname"], env["agi_callingpres"]


@pytest.mark.parametrize(
    ("case", "kind", "restricted"),
    [
        ("08c-callerid-anonymous-privacy-id", CallerKind.ANONYMOUS, False),
        ("08e-callerid-anonymous-with-pai-untrusted", CallerKind.ANONYMOUS, False),
        ("08f-callerid-anonymous-with-pai-trusted", CallerKind.ANONYMOUS, True),
        ("08g-callerid-anonymous-privacy-id-trusted", CallerKind.ANONYMOUS, False),
        # The lab used the unassigned area code 555: a real number check must refuse it.
        ("08a-callerid-escaped-quote-and-backslash", CallerKind.INVALID, False),
        ("08b-callerid-utf8-display-name", CallerKind.INVALID, False),
        ("08d-callerid-leading-plus", CallerKind.INVALID, False),
    ],
)
def test_real_asterisk_caller_ids(
    shared_asterisk: Path, case: str, kind: CallerKind, restricted: bool
) -> None:
    caller = classify_caller(*_corpus_caller(shared_asterisk, case))
    assert caller.kind is kind
    assert caller.restricted is restricted


def test_valid_caller_has_e164_area_code_and_state() -> None:
    for raw in ("+13125550100", "13125550100", "3125550100"):
        caller = classify_caller(raw, "Bob", "0")
        assert caller.kind is CallerKind.VALID
        assert (caller.number, caller.area_code, caller.state) == ("+13125550100", "312", "IL")
        assert not caller.restricted


def test_restricted_presentation_is_anonymous_but_keeps_the_number() -> None:
    caller = classify_caller("+12125550100", "Real Name", "32")
    assert caller.kind is CallerKind.ANONYMOUS and caller.restricted
    assert caller.number == "+12125550100" and caller.state == "NY"


@pytest.mark.parametrize(
    ("callerid", "name"),
    [
        ("anonymous", "Anonymous"),
        ("Anonymous", ""),
        ("", ""),
        ("unknown", ""),
        ("Restricted", "Restricted"),
        ("PRIVATE", ""),
        ("abc", "Anonymous"),  # junk number under an anonymous display name
    ],
)
def test_anonymous_texts(callerid: str, name: str) -> None:
    caller = classify_caller(callerid, name, "0")
    assert caller.kind is CallerKind.ANONYMOUS
    assert caller.number is None and caller.area_code is None


@pytest.mark.parametrize(
    ("callerid", "name"),
    [("carrier", "Carrier Test"), ("12", "Anonymous"), ("+1312555010", ""), ("5550100", "")],
)
def test_invalid_caller_ids(callerid: str, name: str) -> None:
    caller = classify_caller(callerid, name, "0")
    assert caller.kind is CallerKind.INVALID and caller.number is None


@pytest.mark.parametrize(
    ("pres", "restricted"),
    [
        ("0", False),
        ("1", False),
        ("3", False),
        ("32", True),
        ("35", True),
        ("67", True),  # 0x43: number unavailable
        ("allowed_not_screened", False),
        ("prohib_not_screened", True),
        ("prohib", True),
        ("unavailable", True),
        ("", False),
    ],
)
def test_presentation_values(pres: str, restricted: bool) -> None:
    assert presentation_restricted(pres) is restricted


@pytest.mark.parametrize(
    ("code", "state"),
    [("312", "IL"), ("212", "NY"), ("415", "CA"), ("202", "DC"), ("787", "PR"), ("907", "AK")],
)
def test_area_code_states(code: str, state: str) -> None:
    assert state_of_area_code(code) == state


@pytest.mark.parametrize("code", ["800", "888", "416", "604", "555", "242", "", None, "31"])
def test_area_codes_without_a_us_state(code: str | None) -> None:
    assert state_of_area_code(code) is None


@pytest.mark.parametrize(
    ("zip5", "state"),
    [
        ("90210", "CA"),
        ("60601", "IL"),
        ("10001", "NY"),
        ("06101", "CT"),
        ("06390", "NY"),  # Fishers Island: a NY ZIP inside Connecticut's 063 prefix
        ("00601", "PR"),
        ("20001", "DC"),
        ("99501", "AK"),
    ],
)
def test_zip_states(zip5: str, state: str) -> None:
    assert state_of_zip(zip5) == state


@pytest.mark.parametrize("zip5", ["09001", "96201", "00802", "9021", "902100", "abcde", "", None])
def test_zips_without_a_state(zip5: str | None) -> None:
    assert state_of_zip(zip5) is None  # military, other territories, malformed


def test_shipped_tables_cover_every_plan_state_and_nothing_else() -> None:
    for table in (_area_codes(), _zips()):
        assert set(table.values()) == set(US_STATES)


def test_zip_table_builder_takes_majority_and_keeps_exceptions() -> None:
    records = [("06101", "CT"), ("06102", "CT"), ("06390", "NY")]
    records += [("09901", "AE"), ("09902", "AE"), ("09905", "NJ")]  # military prefix dropped
    prefixes, exceptions = zip_states(records)
    assert prefixes == {"061": "CT", "063": "NY"}
    assert exceptions == {"09905": "NJ"}
    records.append(("06301", "CT"))
    records.append(("06302", "CT"))
    prefixes, exceptions = zip_states(records)
    assert prefixes["063"] == "CT" and exceptions == {"06390": "NY", "09905": "NJ"}
