"""Property tests: whatever the content (delimiters, newlines, unicode, 10k strings) and whatever the
delimiters, the writer yields one valid interchange whose segments read back exactly."""

from __future__ import annotations

import string
from datetime import date, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml_connector.edi import (
    Contact,
    ContentPolicy,
    ControlNumbers,
    Delimiters,
    Envelope,
    OrderLine,
    Party,
    ProductId,
    PurchaseOrder850,
    Reference,
    SegmentWriter,
    X12ElementError,
    X12Error,
    build_850,
    build_997,
    check_transaction_set,
    read_997,
    read_interchange,
    write_interchange,
)
from ml_connector.edi.elements import SEGMENTS, check_value
from ml_connector.edi.formats import format_r

NASTY = "*~>^|:\n\r\t\x00\x7f\x85\u2028 aZ9-é東\u200bＡ＊ß"
wild_text = st.one_of(
    st.text(max_size=120),
    st.text(alphabet=st.sampled_from(NASTY), max_size=200),
    st.builds(lambda s, n: (s * n)[:10_000], st.text(min_size=1, max_size=30), st.integers(200, 10_000)),
)
STAMP = datetime(2026, 1, 15, 10, 30)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def envelope() -> Envelope:
    return Envelope("BUYER", "SUPPLIER", ControlNumbers().next(), STAMP, usage="T")


def expected_ascii(text: str, max_length: int) -> str:
    """Independent statement of the content rule for ASCII input with the default delimiters."""
    cleaned = "".join(" " if c in "*~>^" or not " " <= c <= "~" else c for c in text)
    return cleaned[:max_length].rstrip(" ")


def assert_clean(value: str, max_length: int) -> None:
    assert value.isascii()
    assert value.isprintable()
    assert not set(value) & set("*~>^")
    assert len(value) <= max_length
    assert not value.endswith(" ")


@SETTINGS
@given(name=wild_text, address=wild_text, note=wild_text, contact=wild_text, description=wild_text)
def test_any_content_gives_the_same_segments_and_clean_values(
    name: str, address: str, note: str, contact: str, description: str
) -> None:
    order = PurchaseOrder850(
        "PO-1", date(2026, 1, 15),
        (OrderLine("1", Decimal(2), "EA", Decimal("1.5"), (ProductId("VP", "X1"),), "D" + description),
         OrderLine("2", Decimal(1), "EA", Decimal(3), (), "D" + description)),
        references=(Reference("DP", "7", note),), contacts=(Contact("BD", contact),),
        parties=(Party("ST", name, "92", "0007", ("A" + address,)),),
    )  # fmt: skip
    doc = build_850(order, envelope())
    assert doc.text.isascii()
    interchange = read_interchange(doc.text)  # strict: counts and control numbers agree
    [tset] = interchange.transaction_sets
    tags = [s.tag for s in tset.segments]
    assert tags == ["ST", "BEG", "REF", "PER", "N1", "N3", "PO1", "PID", "PO1", "PID", "CTT", "AMT", "SE"]
    values = {
        (name, 60, ("N1", 2)): tset.find("N1")[0].element(2),
        ("A" + address, 55, ("N3", 1)): tset.find("N3")[0].element(1),
        (note, 80, ("REF", 3)): tset.find("REF")[0].element(3),
        (contact, 60, ("PER", 2)): tset.find("PER")[0].element(2),
        ("D" + description, 80, ("PID", 5)): tset.find("PID")[1].element(5),
    }
    truncated = {(w.segment, w.element) for w in doc.warnings if w.kind == "truncated"}
    for (source, max_length, where), written in values.items():
        assert_clean(written, max_length)
        if source.isascii():
            assert written == expected_ascii(source, max_length)
        elif where not in truncated:  # ASCII letters/digits survive, in order
            kept = iter(written)
            assert all(c in kept for c in source if c.isascii() and c.isalnum())
    for segment in tset.body:  # every element still fits its definition
        for defn, value in zip(SEGMENTS[segment.tag], segment.elements, strict=False):
            assert check_value(defn, value) is None, (segment, defn)
    assert check_transaction_set(tset).accepted


delimiter_sets = st.lists(st.sampled_from(sorted(set(string.punctuation))), min_size=4, max_size=4, unique=True).map(
    lambda chars: Delimiters(*chars)
)
newline_terminated = st.lists(st.sampled_from("*|!^:>"), min_size=3, max_size=3, unique=True).map(
    lambda chars: Delimiters(chars[0], chars[1], "\n", chars[2])
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    delimiters=st.one_of(delimiter_sets, newline_terminated),
    notes=st.lists(wild_text, min_size=1, max_size=6),
    line_break=st.sampled_from(["", "\n", "\r\n"]),
)
def test_written_segments_read_back_exactly_with_any_delimiters(
    delimiters: Delimiters, notes: list[str], line_break: str
) -> None:
    writer = SegmentWriter("850", delimiters, ContentPolicy(replacement="" if " " in delimiters.reserved else " "))
    writer.add("BEG", "00", "SA", "PO-1", "", "20260115")
    for note in notes:
        writer.add("REF", "ZZ", "", note)
        writer.add("PO1", "1", "1", "EA", "", "", "VP", "X1")
    doc = write_interchange(envelope(), [writer], line_break=line_break)
    interchange = read_interchange(doc.text)
    assert interchange.delimiters.element == delimiters.element
    assert interchange.delimiters.segment == delimiters.segment
    [tset] = interchange.transaction_sets
    assert [(s.tag, s.elements) for s in tset.body] == writer.segments
    assert doc.segment_count == len(tset.segments) == 2 * len(notes) + 3


@settings(max_examples=300, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(lambda d: abs(d) < Decimal("1e30")))
def test_r_format_is_exact(value: Decimal) -> None:
    text = format_r(value)
    assert Decimal(text) == value
    assert "E" not in text
    assert "+" not in text
    assert not ("." in text and text.endswith(("0", ".")))
    digits = text.removeprefix("-")
    assert digits in ("0",) or digits.startswith("0.") or not digits.startswith("0")  # no padding zeros


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 999_999_990), st.integers(0, 999_999_990), st.integers(1, 9))
def test_control_numbers_only_move_forward(interchange: int, group: int, steps: int) -> None:
    state = ControlNumbers(interchange=interchange, group=group)
    for _ in range(steps):
        issued = state.next()
        issued.ensure_after(state)
        assert issued > state
        assert len(issued.isa13) == 9
        state = issued


GOOD = build_850(
    PurchaseOrder850("PO-1", date(2026, 1, 15), (OrderLine("1", Decimal(2), "EA", Decimal(1)),)), envelope()
).text


@settings(max_examples=600, deadline=None)
@given(st.data())
def test_damaged_interchanges_never_crash_the_reader_or_the_997(data: st.DataObject) -> None:
    text = GOOD
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(106, len(text)))
        cut = data.draw(st.integers(0, 8))
        text = (
            text[:index]
            + data.draw(st.text(alphabet=st.sampled_from("*~>ST0123E\n"), max_size=6))
            + text[index + cut :]
        )
    try:
        received = read_interchange(text, strict=False)
    except X12Error:
        return
    if not received.groups:
        return
    refusal = ""
    try:
        reply = build_997(received, control_numbers=ControlNumbers().next(), created_at=STAMP)
    except X12ElementError as exc:  # a GS01/GS06 too damaged to echo in AK1: refused, by name
        refusal = str(exc)
    if refusal:
        assert "cannot be acknowledged" in refusal
        return
    acks = read_997(reply.text)
    assert len(acks) == len([g for g in received.groups if g.functional_id != "FA"])
    for tset in read_interchange(reply.text).transaction_sets:
        assert check_transaction_set(tset).accepted
