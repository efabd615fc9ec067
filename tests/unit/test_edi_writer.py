"""X12 writer and builders: published X12 examples, ISA layout, the
content rule, element limits, number formats and control numbers."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from ml_connector.edi import (
    Carrier,
    Charge,
    Contact,
    ContentPolicy,
    ControlNumberError,
    ControlNumbers,
    DateReference,
    Delimiters,
    Envelope,
    Invoice810,
    InvoiceLine,
    OrderLine,
    Pack,
    Packaging,
    Party,
    PaymentTerms,
    ProductId,
    PurchaseOrder850,
    Reference,
    SegmentWriter,
    ShipmentOrder,
    ShipNotice856,
    ShippedItem,
    ShippedUnits,
    Tax,
    X12ContentError,
    X12ElementError,
    build_810,
    build_850,
    build_856,
    read_interchange,
    write_interchange,
)
from ml_connector.edi.formats import format_n2, format_r
from ml_connector.edi.invoice810 import invoice_total
from ml_connector.edi.loops import hash_total

D = Decimal
REFERENCE_850 = """\
ISA*00*          *00*          *ZZ*RETAILBUYER    *ZZ*ACMEWHOLESALE  *260115*1030*U*00401*000000001*0*T*>~
GS*PO*RETAILBUYER*ACMEWHOLESALE*20260115*1030*1*X*004010~
ST*850*0001~
BEG*00*SA*PO-10001**20260115~
CUR*BY*USD~
REF*DP*042~
PER*BD*JANE BUYER*TE*5125550100~
DTM*002*20260201~
N1*ST*RETAIL DC 7*92*0007~
N3*100 MAIN ST~
N4*AUSTIN*TX*78701*US~
PO1*1*10*EA*12.5**VP*SKU-1*UP*012345678905~
PID*F****BLUE WIDGET~
PO1*2*4*CA*40**VP*SKU-2~
CTT*2*14~
AMT*TT*285~
SE*15*0001~
GE*1*1~
IEA*1*000000001~
"""
REFERENCE_810_BODY = (
    "ST*810*0001~BIG*20260120*INV-5001*20260115*PO-10001~CUR*SE*USD~REF*IA*998877~N1*RE*ACME WHOLESALE*92*V001~"
    "N1*ST*RETAIL DC 7*92*0007~ITD*01*3*2**10**30~DTM*011*20260118~IT1*1*10*EA*12.5**VP*SKU-1*UP*012345678905~"
    "PID*F****BLUE WIDGET~IT1*2*4*CA*40**VP*SKU-2~TDS*28500~CAD*M***UPSN*UPS GROUND~ISS*14*EA~CTT*2~SE*16*0001~"
)
REFERENCE_856_BODY = (
    "ST*856*0001~BSN*00*SHP-777*20260118*1400*0001~HL*1**S~TD1*CTN25*2****G*15*LB~TD5*B*2*UPSN*M*UPS GROUND~"
    "REF*BM*BOL-123~DTM*011*20260118~N1*SF*ACME WHOLESALE*92*V001~N1*ST*RETAIL DC 7*92*0007~HL*2*1*O~"
    "PRF*PO-10001***20260115~HL*3*2*P~MAN*GM*00000123450000000017~HL*4*3*I~LIN*1*VP*SKU-1*UP*012345678905~"
    "SN1*1*10*EA~HL*5*2*P~MAN*GM*00000123450000000024~HL*6*5*I~LIN*2*VP*SKU-2~SN1*2*4*CA~CTT*6~SE*23*0001~"
)
SKU1 = (ProductId("VP", "SKU-1"), ProductId("UP", "012345678905"))
SKU2 = (ProductId("VP", "SKU-2"),)
SHIP_TO = Party("ST", "RETAIL DC 7", "92", "0007")
VENDOR = Party("RE", "ACME WHOLESALE", "92", "V001")


def envelope(number: int = 1, stamp: datetime = datetime(2026, 1, 15, 10, 30), **options: object) -> Envelope:
    fields: dict[str, object] = {"sender_id": "RETAILBUYER", "receiver_id": "ACMEWHOLESALE", "usage": "T"}
    fields.update(options)
    numbers = ControlNumbers(interchange=number - 1, group=number - 1).next()
    return Envelope(control_numbers=numbers, created_at=stamp, **fields)  # type: ignore[arg-type]


def purchase_order(**changes: object) -> PurchaseOrder850:
    fields: dict[str, object] = {
        "po_number": "PO-10001",
        "po_date": date(2026, 1, 15),
        "lines": (
            OrderLine("1", D(10), "EA", D("12.50"), SKU1, "BLUE WIDGET"),
            OrderLine("2", D(4), "CA", D("40.00"), SKU2),
        ),
        "currency": "USD",
        "references": (Reference("DP", "042"),),
        "contacts": (Contact("BD", "JANE BUYER", phone="5125550100"),),
        "dates": (DateReference("002", date(2026, 2, 1)),),
        "parties": (Party("ST", "RETAIL DC 7", "92", "0007", ("100 MAIN ST",), "AUSTIN", "TX", "78701", "US"),),
    }
    fields.update(changes)
    return PurchaseOrder850(**fields)  # type: ignore[arg-type]


def invoice(**changes: object) -> Invoice810:
    fields: dict[str, object] = {
        "invoice_number": "INV-5001",
        "invoice_date": date(2026, 1, 20),
        "lines": (
            InvoiceLine("1", D(10), "EA", D("12.5"), SKU1, "BLUE WIDGET"),
            InvoiceLine("2", D(4), "CA", D(40), SKU2),
        ),
        "po_number": "PO-10001",
        "po_date": date(2026, 1, 15),
        "currency": "USD",
        "references": (Reference("IA", "998877"),),
        "parties": (VENDOR, SHIP_TO),
        "terms": PaymentTerms("01", "3", D(2), discount_days=10, net_days=30),
        "dates": (DateReference("011", date(2026, 1, 18)),),
        "carrier": Carrier("UPSN", "M", "UPS GROUND"),
        "shipped_units": ShippedUnits(D(14), "EA"),
    }
    fields.update(changes)
    return Invoice810(**fields)  # type: ignore[arg-type]


def ship_notice(orders: tuple[ShipmentOrder, ...] | None = None) -> ShipNotice856:
    packs = (
        Pack("00000123450000000017", (ShippedItem("1", SKU1, D(10), "EA"),)),
        Pack("00000123450000000024", (ShippedItem("2", SKU2, D(4), "CA"),)),
    )
    return ShipNotice856(
        "SHP-777", date(2026, 1, 18), time(14, 0),
        orders or (ShipmentOrder("PO-10001", date(2026, 1, 15), packs=packs),),
        packaging=Packaging("CTN25", 2, D(15)), carrier=Carrier("UPSN", "M", "UPS GROUND"),
        references=(Reference("BM", "BOL-123"),), dates=(DateReference("011", date(2026, 1, 18)),),
        parties=(Party("SF", "ACME WHOLESALE", "92", "V001"), SHIP_TO),
    )  # fmt: skip


def body(text: str) -> str:
    """ST..SE of a single-set interchange."""
    return text[text.index("ST*") : text.index("GE*")]


def segment(text: str, tag: str) -> str:
    return next(seg for seg in text.split("~") if seg.startswith(tag + "*"))


# --- reference examples -------------------------------------------------------------------------


def test_850_is_the_reference_example_byte_for_byte() -> None:
    doc = build_850(purchase_order(), envelope(), line_break="\n")
    assert doc.text == REFERENCE_850
    assert doc.segment_count == 15
    assert doc.warnings == ()
    assert doc.encode() == REFERENCE_850.encode("ascii")


def test_810_body_is_the_reference_example_and_envelope_says_in() -> None:
    doc = build_810(invoice(), envelope(2))
    assert body(doc.text) == REFERENCE_810_BODY
    assert doc.text.split("~")[1].startswith("GS*IN*")
    assert "GE*1*2~IEA*1*000000002~" in doc.text


def test_856_body_is_the_reference_example_without_child_codes() -> None:
    doc = build_856(ship_notice(), envelope(3), child_codes=False)
    assert body(doc.text) == REFERENCE_856_BODY
    assert doc.text.split("~")[1].startswith("GS*SH*")


def test_856_child_codes_mark_parents_and_leaves() -> None:
    text = build_856(ship_notice(), envelope()).text
    hl = [seg for seg in text.split("~") if seg.startswith("HL*")]
    assert hl == ["HL*1**S*1", "HL*2*1*O*1", "HL*3*2*P*1", "HL*4*3*I*0", "HL*5*2*P*1", "HL*6*5*I*0"]


def test_856_standard_pack_uses_0004_and_links_items_to_their_order() -> None:
    orders = (
        ShipmentOrder("PO-1", items=(ShippedItem("1", SKU1, D(3), "EA"), ShippedItem("2", SKU2, D(1), "EA"))),
        ShipmentOrder("PO-2", items=(ShippedItem("1", SKU2, D(7), "EA", ordered_quantity=D(8), status="BP"),)),
    )
    text = build_856(ship_notice(orders), envelope()).text
    assert segment(text, "BSN").endswith("*0004")
    hl = [seg for seg in text.split("~") if seg.startswith("HL*")]
    assert hl == ["HL*1**S*1", "HL*2*1*O*1", "HL*3*2*I*0", "HL*4*2*I*0", "HL*5*1*O*1", "HL*6*5*I*0"]
    assert "SN1*1*7*EA**8*EA**BP" in text
    assert segment(text, "CTT") == "CTT*6"


def test_856_orders_must_agree_on_packs() -> None:
    mixed = (
        ShipmentOrder("PO-1", items=(ShippedItem("1", SKU1, D(3), "EA"),)),
        ShipmentOrder("PO-2", packs=(Pack("1", (ShippedItem("1", SKU2, D(1), "EA"),)),)),
    )
    with pytest.raises(ValueError, match="every order has packs or none"):
        ship_notice(mixed)


# --- envelope ----------------------------------------------------------------------------------


def test_isa_is_fixed_width_with_separators_at_the_standard_positions() -> None:
    env = Envelope("SX", "RX", ControlNumbers().next(), datetime(2026, 3, 4, 5, 6), ack_requested=True)
    isa = build_850(purchase_order(), env).text.split("~")[0] + "~"
    assert len(isa) == 106
    assert [i + 1 for i, c in enumerate(isa) if c == "*"] == [
        4,
        7,
        18,
        21,
        32,
        35,
        51,
        54,
        70,
        77,
        82,
        84,
        90,
        100,
        102,
        104,
    ]
    assert isa[35:50] == "SX" + " " * 13
    assert isa[70:76] == "260304"
    assert isa[77:81] == "0506"
    assert isa[82] == "U"
    assert isa[84:89] == "00401"
    assert isa[90:99] == "000000001"
    assert isa[100] == "1"
    assert isa[102] == "P"
    assert isa[104:] == ">~"


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [("sender_id", "X" * 16, "ISA06"), ("receiver_id", "", "ISA08"), ("sender_qualifier", "Z", "ISA05")],
)
def test_isa_rejects_ids_that_do_not_fit(field: str, value: str, where: str) -> None:
    env = envelope(**{field: value})
    with pytest.raises(X12ElementError, match=where):
        build_850(purchase_order(), env)


def test_envelope_ids_are_never_silently_changed() -> None:
    with pytest.raises(X12ContentError, match="ISA06"):
        build_850(purchase_order(), envelope(sender_id="ACME*1"))


def test_one_group_holds_one_transaction_set_type() -> None:
    with pytest.raises(ValueError, match="one transaction set type"):
        write_interchange(envelope(), [SegmentWriter("850"), SegmentWriter("810")])


def test_several_sets_get_their_own_control_numbers_and_counts() -> None:
    first, second = SegmentWriter("850"), SegmentWriter("850")
    for writer, po in ((first, "A1"), (second, "B2")):
        writer.add("BEG", "00", "SA", po, "", "20260101")
        writer.add("PO1", "1", "1", "EA")
    text = write_interchange(envelope(), [first, second]).text
    assert "ST*850*0001~" in text
    assert "SE*4*0001~" in text
    assert "ST*850*0002~" in text
    assert "SE*4*0002~" in text
    assert "GE*2*1~" in text


# --- content rule -------------------------------------------------------------------------------


def test_delimiters_and_control_characters_are_replaced_with_a_warning() -> None:
    party = Party("ST", "A*B~C>D^E\nF\tG\x7fH", "92", "07")
    doc = build_850(purchase_order(parties=(party,)), envelope())
    assert segment(doc.text, "N1") == "N1*ST*A B C D E F G H*92*07"
    assert [(w.segment, w.element, w.kind) for w in doc.warnings] == [("N1", 2, "replaced")]
    assert "7 delimiter/control" in str(doc.warnings[0])


def test_strict_mode_refuses_delimiters_naming_segment_and_element() -> None:
    order = purchase_order(lines=(OrderLine("1", D(1), "EA", D(1), SKU2, "BOLTS 3~4"),))
    with pytest.raises(X12ContentError, match=r"PID05: content contains '~' at position 8"):
        build_850(order, envelope(), policy=ContentPolicy(strict=True))


@pytest.mark.parametrize(("replacement", "expected"), [("-", "A-B"), ("", "AB")])
def test_replacement_is_configurable(replacement: str, expected: str) -> None:
    doc = build_850(
        purchase_order(parties=(Party("ST", "A*B", "92", "07"),)), envelope(), policy=ContentPolicy(replacement)
    )
    assert segment(doc.text, "N1") == f"N1*ST*{expected}*92*07"


def test_replacement_may_not_be_a_delimiter() -> None:
    with pytest.raises(ValueError, match="itself a delimiter"):
        SegmentWriter("850", Delimiters(), ContentPolicy("~"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Café Müller", "Cafe Muller"), ("Straße Œuvre", "Strasse OEuvre"), ("東京 DC", "?? DC"), ("Ｆｕｌｌ＊", "Full"),
     ("NO\u00a0BREAK", "NO BREAK"), ("ZERO\u200bWIDTH", "ZEROWIDTH"), ("NEL\u0085X", "NEL X")],
)  # fmt: skip
def test_non_ascii_text_is_transliterated(name: str, expected: str) -> None:
    doc = build_850(purchase_order(parties=(Party("ST", name, "92", "07"),)), envelope())
    assert segment(doc.text, "N1") == f"N1*ST*{expected}*92*07"
    assert doc.text.isascii()
    assert doc.warnings


def test_other_delimiters_are_respected() -> None:
    delimiters = Delimiters("|", ":", "\n", "^")
    doc = build_850(purchase_order(parties=(Party("ST", "A|B:C*D~E", "92", "07"),)), envelope(), delimiters=delimiters)
    lines = doc.text.splitlines()
    assert lines[0][3] == "|"
    assert lines[0][104] == ":"
    assert len(lines[0]) == 105
    assert "N1|ST|A B C*D~E|92|07" in lines
    assert len(read_interchange(doc.text).transaction_sets[0].segments) == 13


# --- element limits -------------------------------------------------------------------------


def test_too_long_identifier_is_rejected_with_a_clear_error() -> None:
    with pytest.raises(
        X12ElementError, match=r"BEG03: 'PO-0000000000000000000001' is 25 characters long; the maximum is 22"
    ):
        build_850(purchase_order(po_number="PO-0000000000000000000001"), envelope())


def test_mandatory_element_left_empty_is_rejected() -> None:
    with pytest.raises(X12ElementError, match=r"BEG03: .*mandatory but empty"):
        build_850(purchase_order(po_number="  "), envelope())


def test_free_text_is_truncated_with_a_warning_unless_strict() -> None:
    long_name = "N" * 70
    doc = build_850(purchase_order(parties=(Party("ST", long_name, "92", "07"),)), envelope())
    assert segment(doc.text, "N1") == f"N1*ST*{'N' * 60}*92*07"
    assert [w.kind for w in doc.warnings] == ["truncated"]
    with pytest.raises(X12ElementError, match="N102: is 70 characters long; the maximum is 60"):
        build_850(
            purchase_order(parties=(Party("ST", long_name, "92", "07"),)), envelope(), policy=ContentPolicy(strict=True)
        )


def test_numbers_count_digits_and_reject_overflow() -> None:
    ok = OrderLine("1", D("-123456789012.345"), "EA", None, SKU2)
    assert "PO1*1*-123456789012.345*EA***VP*SKU-2~" in build_850(purchase_order(lines=(ok,)), envelope()).text
    too_long = OrderLine("1", D("1234567890123456"), "EA", None, SKU2)
    with pytest.raises(X12ElementError, match=r"PO102: .*16 characters long; the maximum is 15"):
        build_850(purchase_order(lines=(too_long,)), envelope())


def test_trailing_empty_elements_are_not_written() -> None:
    order = purchase_order(lines=(OrderLine("1", D(2), "EA", None),), references=(Reference("DP", "038", ""),))
    text = build_850(order, envelope()).text
    assert "REF*DP*038~" in text
    assert "PO1*1*2*EA~" in text
    assert "*~" not in text


def test_line_without_price_leaves_out_the_amt_total() -> None:
    text = build_850(purchase_order(lines=(OrderLine("1", D(2), "EA", None),)), envelope()).text
    assert "AMT*" not in text
    assert "CTT*1*2~" in text


def test_unknown_segment_is_refused() -> None:
    with pytest.raises(X12ElementError, match="ZZZ: segment has no definition"):
        SegmentWriter("850").add("ZZZ", "1")


@pytest.mark.parametrize("purpose", ["00", "04", "01"])
def test_beg01_purpose_codes(purpose: str) -> None:
    text = build_850(purchase_order(purpose=purpose, order_type="NE"), envelope()).text
    assert segment(text, "BEG") == f"BEG*{purpose}*NE*PO-10001**20260115"


def test_invoice_total_includes_charges_allowances_and_taxes_in_cents() -> None:
    inv = invoice(
        lines=(InvoiceLine("1", D(3), "EA", D("1.333")),),
        charges=(Charge("C", "D240", D("10.00"), "FREIGHT"), Charge("A", "C310", D("1.50"))),
        taxes=(Tax("ST", D("0.81"), D("6.5")),),
    )
    assert invoice_total(inv) == D("13.31")  # 3.999 + 10 - 1.5 + 0.81 = 13.309 -> 13.31
    text = build_810(inv, envelope()).text
    assert (
        "TDS*1331~TXI*ST*0.81*6.5~CAD*M***UPSN*UPS GROUND~SAC*C*D240***1000**********FREIGHT~SAC*A*C310***150~" in text
    )


def test_formats_refuse_to_round_money() -> None:
    assert [format_r(D(x)) for x in ("12.50", "1E+2", "-0.50", "0", "-0")] == ["12.5", "100", "-0.5", "0", "0"]
    assert format_n2(D("285")) == "28500"
    assert format_n2(D("-0.07")) == "-7"
    with pytest.raises(ValueError, match="more than 2 decimal"):
        format_n2(D("1.005"))


def test_hash_total_ignores_points_and_signs_and_keeps_the_rightmost_ten_digits() -> None:
    assert hash_total([D(10), D(4)]) == "14"
    assert hash_total([D("12.5"), D("-0.5")]) == "130"
    assert hash_total([D("98765432109"), D(1)]) == "8765432110"


# --- control numbers ----------------------------------------------------------------------------


def test_control_numbers_advance_and_format() -> None:
    first = ControlNumbers().next()
    assert (first.isa13, first.gs06) == ("000000001", "1")
    second = first.next()
    second.ensure_after(first)
    assert second > first


def test_control_numbers_refuse_reuse_and_exhaustion() -> None:
    first = ControlNumbers().next()
    with pytest.raises(ControlNumberError, match="would reuse"):
        first.ensure_after(first)
    last = ControlNumbers(interchange=999_999_999, group=5)
    with pytest.raises(ControlNumberError, match="exhausted"):
        last.next()
    restarted = last.wrapped().next()
    assert (restarted.cycle, restarted.interchange) == (1, 1)
    restarted.ensure_after(last)
    with pytest.raises(ControlNumberError, match="outside"):
        ControlNumbers(interchange=1_000_000_000)
    with pytest.raises(ControlNumberError, match="call next"):
        _ = ControlNumbers().isa13


def test_line_break_is_only_a_newline() -> None:
    with pytest.raises(ValueError, match="line_break must be"):
        build_850(purchase_order(), envelope(), line_break="<br>")
    assert build_850(purchase_order(), envelope(), line_break="\r\n").text.count("~\r\n") == 19
