"""997: reading a real 997 (pyx12 sample), building one for received interchanges (accept, reject
with AK3/AK4/AK5, partial), and the transaction-set validator behind it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ml_connector.edi import (
    ControlNumbers,
    X12ElementError,
    build_997,
    check_transaction_set,
    read_997,
    read_interchange,
)

SAMPLES = Path(__file__).parents[1] / "data" / "x12-samples"
STAMP = datetime(2026, 1, 16, 8, 0)
ISA = "ISA*00*          *00*          *ZZ*BUYER          *ZZ*SUPPLIER       *260115*1030*U*00401*000000007*0*T*>~"
SET_850 = "ST*850*{n}~BEG*00*SA*PO{n}**20260115~PO1*1*1*EA~CTT*1~SE*5*{n}~"


def interchange(*sets: str, ge01: str | None = None) -> str:
    body = "".join(sets)
    return f"{ISA}GS*PO*BUYER*SUPPLIER*20260115*1030*7*X*004010~{body}GE*{ge01 or len(sets)}*7~IEA*1*000000007~"


def ack(text: str | bytes) -> str:
    return build_997(text, control_numbers=ControlNumbers(interchange=41, group=41).next(), created_at=STAMP).text


def test_reads_the_pyx12_997_sample() -> None:
    [functional_ack] = read_997((SAMPLES / "997_pyx12_simple1.997.base").read_bytes())
    assert (functional_ack.functional_id, functional_ack.group_control_number) == ("HC", "17")
    assert functional_ack.status == "R"
    assert not functional_ack.accepted
    assert (functional_ack.included, functional_ack.received, functional_ack.accepted_count) == (1, 1, 0)
    [set_ack] = functional_ack.sets
    assert (set_ack.transaction_code, set_ack.control_number, set_ack.status) == ("837", "11280001", "R")
    assert set_ack.syntax_error_codes == ("5",)
    assert [(e.tag, e.position, e.code) for e in set_ack.segment_errors] == [("BHT", 1, "3"), ("HL", 1, "3")]
    texts = [(e.level, e.code, e.text) for e in functional_ack.errors]
    assert texts[0] == ("set", "5", "One or more segments in error")
    assert texts[1] == ("segment", "3", "Mandatory segment missing")
    assert functional_ack.status_text == "Rejected"


def test_accepting_997_for_a_valid_interchange_is_the_reference_shape() -> None:
    text = ack(interchange(SET_850.format(n="0001")))
    assert text.startswith(
        "ISA*00*          *00*          *ZZ*SUPPLIER       *ZZ*BUYER          *260116*0800*U*00401*000000042*0*T*>~"
    )
    assert "GS*FA*SUPPLIER*BUYER*20260116*0800*42*X*004010~" in text
    assert "ST*997*0001~AK1*PO*7~AK2*850*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~GE*1*42~IEA*1*000000042~" in text
    [functional_ack] = read_997(text)
    assert functional_ack.accepted
    assert functional_ack.errors == ()


VALID_SAMPLES = [
    "810_oopfactory_Example1_CaliforniaISO.txt",
    "850_ediengine_850.OK.edi",
    "850_oopfactory_Example1_PGWGlass.txt",
    "856_ediengine_856.Crossdock.OK.edi",
]


@pytest.mark.parametrize("name", VALID_SAMPLES)
def test_valid_samples_are_accepted(name: str) -> None:
    received = read_interchange((SAMPLES / name).read_bytes())
    [functional_ack] = read_997(ack((SAMPLES / name).read_bytes()))
    assert functional_ack.status == "A"
    assert functional_ack.group_control_number == received.groups[0].control_number
    assert [s.control_number for s in functional_ack.sets] == [received.transaction_sets[0].control_number]


def test_element_errors_are_rejected_with_ak3_and_ak4() -> None:
    bad = SET_850.format(n="0001").replace(
        "BEG*00*SA*PO0001**20260115", "BEG*00*SA*PO-THAT-IS-MUCH-TOO-LONG-123**20261315"
    )
    text = ack(interchange(bad))
    assert (
        "AK2*850*0001~AK3*BEG*2**8~AK4*3**5*PO-THAT-IS-MUCH-TOO-LONG-123~AK4*5**8*20261315~AK5*R*5~AK9*R*1*1*0~" in text
    )
    [functional_ack] = read_997(text)
    [set_ack] = functional_ack.sets
    [segment_error] = set_ack.segment_errors
    assert [(e.position, e.code, e.bad_value) for e in segment_error.elements] == [
        (3, "5", "PO-THAT-IS-MUCH-TOO-LONG-123"), (5, "8", "20261315"),
    ]  # fmt: skip
    assert [e.text for e in segment_error.elements] == ["Data element too long", "Invalid date"]


def test_envelope_errors_become_ak5_and_ak9_codes() -> None:
    broken = interchange(SET_850.format(n="0001").replace("SE*5*0001", "SE*4*0002"), ge01="3")
    [functional_ack] = read_997(ack(broken))
    assert functional_ack.sets[0].syntax_error_codes == ("3", "4")
    assert functional_ack.group_error_codes == ("5",)
    assert (functional_ack.status, functional_ack.included, functional_ack.received) == ("R", 3, 1)


def test_missing_mandatory_segment_and_partial_acceptance() -> None:
    good, bad = SET_850.format(n="0001"), SET_850.format(n="0002").replace("BEG*00*SA*PO0002**20260115~", "")
    text = ack(interchange(good, bad.replace("SE*5*0002", "SE*4*0002")))
    assert "AK2*850*0002~AK3*BEG*2**3~AK5*R*5~AK9*P*2*2*1~" in text
    [functional_ack] = read_997(text)
    assert functional_ack.status == "P"
    assert [s.accepted for s in functional_ack.sets] == [True, False]


def test_unknown_transaction_set_is_not_supported() -> None:
    text = ack(interchange("ST*999*0001~XYZ*1~SE*3*0001~").replace("GS*PO", "GS*XX"))
    assert "AK2*999*0001~AK5*R*1~" in text


def test_a_997_is_never_acknowledged() -> None:
    with pytest.raises(ValueError, match="no functional group to acknowledge"):
        ack((SAMPLES / "997_pyx12_simple1.997.base").read_bytes())


def test_validator_judges_only_segments_it_defines() -> None:
    received = read_interchange(
        interchange(SET_850.format(n="0001").replace("PO1*1*1*EA~", "PO1*1*1*EA~ZZZ*anything*goes~")).replace(
            "SE*5", "SE*6"
        )
    )
    assert check_transaction_set(received.transaction_sets[0]).accepted
    received = read_interchange(interchange(SET_850.format(n="0001").replace("CTT*1~", "CTT*1*2*3*EA*4*EA*X*EXTRA~")))
    report = check_transaction_set(received.transaction_sets[0])
    assert [(e.tag, e.code, [(x.position, x.code) for x in e.elements]) for e in report.segment_errors] == [
        ("CTT", "8", [(8, "3")])
    ]
    received = read_interchange(interchange(SET_850.format(n="0001").replace("CTT*1~", "ctt*1~")))
    assert [(e.tag, e.code) for e in check_transaction_set(received.transaction_sets[0]).segment_errors] == [
        ("ctt", "1")
    ]


def test_set_whose_control_number_cannot_be_echoed_is_counted_as_rejected() -> None:
    bad = SET_850.format(n="01")  # ST02 must be 4-9 characters
    text = ack(interchange(SET_850.format(n="0001"), bad))
    assert "AK2*850*01" not in text
    assert "AK2*850*0001~AK5*A~AK9*P*2*2*1~" in text


def test_group_whose_header_cannot_be_echoed_is_refused_by_name() -> None:
    with pytest.raises(X12ElementError, match="group 1 of interchange 000000007 cannot be acknowledged"):
        ack(interchange(SET_850.format(n="0001")).replace("GS*PO*", "GS*P*"))
