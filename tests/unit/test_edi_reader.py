"""X12 reader: every public sample in tests/data/x12-samples parses with the right delimiters
and segment counts; envelope problems are found and name their segment."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml_connector.edi import X12EnvelopeError, X12SyntaxError, read_interchange, read_interchanges

SAMPLES = Path(__file__).parents[1] / "data" / "x12-samples"
# file -> (element, component, terminator, ST01, problem codes). Delimiters and validity from INDEX.md.
EXPECTED = {
    "810_edinet_x12.810a_ariba.edi": ("*", ">", "~", "810", {"ISA_WIDTH"}),
    "810_oopfactory_Example1_CaliforniaISO.txt": ("*", ">", "~", "810", set()),
    "850_ediengine_850.OK.edi": ("*", ">", "\n", "850", set()),
    "850_edinet_x12.850.edi": ("*", ">", "~", "850", {"IEA_CONTROL"}),
    "850_oopfactory_Example1_PGWGlass.txt": ("*", "~", "|", "850", set()),
    "856_ediengine_856.Crossdock.OK.edi": ("*", ">", "\n", "856", set()),
    "856_oopfactory_FromGregarican_vics.txt": ("*", ">", "~", "856", set()),
    "997_pyx12_simple1.997.base": ("*", ":", "~", "997", set()),
}
GOOD = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260115*1030*U*00401*000000007*0*T*>~"
    "GS*PO*SENDER*RECEIVER*20260115*1030*7*X*004010~"
    "ST*850*0001~BEG*00*SA*PO1**20260115~PO1*1*1*EA~CTT*1~SE*5*0001~"
    "GE*1*7~IEA*1*000000007~"
)


def test_every_sample_file_is_covered() -> None:
    assert {p.name for p in SAMPLES.iterdir() if p.name != "INDEX.md"} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_parses_with_its_own_delimiters_and_counts(name: str) -> None:
    element, component, terminator, code, problems = EXPECTED[name]
    raw = (SAMPLES / name).read_bytes()
    interchange = read_interchange(raw, strict=False)
    assert (interchange.delimiters.element, interchange.delimiters.component) == (element, component)
    assert interchange.delimiters.segment == terminator
    assert interchange.delimiters.repetition is None  # 0040x: ISA11 is the standards id
    # Every sample has one segment per line: an independent count of the segments.
    lines = [line for line in raw.decode("utf-8-sig").splitlines() if line.strip()]
    assert interchange.segment_count == len(lines)
    [group] = interchange.groups
    [tset] = group.transaction_sets
    assert tset.code == code
    assert int(tset.trailer.element(1)) == len(tset.segments)  # SE01 as the file states it
    assert {p.code for p in interchange.problems} == problems
    assert all(not s.tag[0].isspace() and "\r" not in "".join(s.elements) for s in tset.segments)


def test_indented_crlf_sample_keeps_element_values_clean() -> None:
    interchange = read_interchange((SAMPLES / "850_oopfactory_Example1_PGWGlass.txt").read_bytes())
    [tset] = interchange.transaction_sets
    assert tset.find("BEG")[0].elements == ("05", "SA", "S41000439", "", "20100810")
    assert interchange.sender_id == "828513080"
    assert interchange.receiver_id == "001903202U"
    assert interchange.groups[0].control_number == "245"
    assert interchange.control_number == "000000245"


def test_nbsp_padded_isa_is_106_characters_and_reads() -> None:
    interchange = read_interchange((SAMPLES / "850_edinet_x12.850.edi").read_bytes(), strict=False)
    assert interchange.sender_id == "000123456"
    assert interchange.transaction_sets[0].find("N3")[0].elements == ("126 Any St", "")


@pytest.mark.parametrize(
    ("name", "segment", "code"),
    [("850_edinet_x12.850.edi", "IEA", "IEA_CONTROL"), ("810_edinet_x12.810a_ariba.edi", "ISA", "ISA_WIDTH")],
)
def test_strict_read_rejects_the_invalid_samples_naming_the_segment(name: str, segment: str, code: str) -> None:
    with pytest.raises(X12EnvelopeError, match=rf"{segment} \(segment \d+\)") as caught:
        read_interchange((SAMPLES / name).read_bytes())
    assert [p.code for p in caught.value.problems] == [code]


def test_good_interchange_has_no_problems() -> None:
    interchange = read_interchange(GOOD)
    assert interchange.problems == ()
    assert [s.tag for s in interchange.transaction_sets[0].segments] == ["ST", "BEG", "PO1", "CTT", "SE"]


@pytest.mark.parametrize(
    ("old", "new", "segment", "code"),
    [
        ("SE*5*0001", "SE*6*0001", "SE", "SE_COUNT"),
        ("SE*5*0001", "SE*5*0002", "SE", "SE_CONTROL"),
        ("GE*1*7", "GE*2*7", "GE", "GE_COUNT"),
        ("GE*1*7", "GE*1*8", "GE", "GE_CONTROL"),
        ("IEA*1*000000007", "IEA*2*000000007", "IEA", "IEA_COUNT"),
        ("IEA*1*000000007", "IEA*1*000000008", "IEA", "IEA_CONTROL"),
        ("SE*5*0001~", "", "GE", "MISSING_SE"),
        ("GE*1*7~", "", "IEA", "MISSING_GE"),
        ("IEA*1*000000007~", "", "GE", "MISSING_IEA"),
        ("GS*PO*", "GS*IN*", "ST", "GS_ST_MISMATCH"),
        ("IEA*1*000000007~", "IEA*1*000000007~GARBAGE", "IEA", "DATA_AFTER_IEA"),
        ("GE*1*7~", "GE*1*7~REF*XX*1~", "REF", "UNEXPECTED_SEGMENT"),
    ],
)
def test_envelope_problem_names_its_segment(old: str, new: str, segment: str, code: str) -> None:
    broken = GOOD.replace(old, new)
    interchange = read_interchange(broken, strict=False)
    assert [(p.segment, p.code) for p in interchange.problems] == [(segment, code)]
    with pytest.raises(X12EnvelopeError, match=segment):
        read_interchange(broken)


def test_problem_records_group_and_set_and_position() -> None:
    problem = read_interchange(GOOD.replace("SE*5*0001", "SE*9*0001"), strict=False).problems[0]
    assert (problem.group, problem.transaction_set, problem.position) == (0, 0, 7)
    assert "SE01 is '9'; the set has 5 segments" in str(problem)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected 'ISA'"),
        ("GS*PO*A*B~", "expected 'ISA'"),
        ("ISA*00*  *00", "truncated"),
        (GOOD[:105], "truncated"),
    ],
)
def test_not_an_interchange_is_a_syntax_error(text: str, message: str) -> None:
    with pytest.raises(X12SyntaxError, match=message):
        read_interchange(text)


def test_alphanumeric_delimiter_is_refused() -> None:
    with pytest.raises(X12SyntaxError, match="unusable delimiters"):
        read_interchange(GOOD.replace("*T*>~", "*T*A~"))


def test_bytes_with_bom_and_crlf_and_latin1_are_read() -> None:
    text = GOOD.replace("~", "~\r\n").replace("BEG*00*SA*PO1", "BEG*00*SA*PÖ1")
    interchange = read_interchange(b"\xef\xbb\xbf" + text.encode("latin-1"))
    assert interchange.transaction_sets[0].find("BEG")[0].element(3) == "PÖ1"


def test_newline_terminator_with_crlf_files() -> None:
    text = GOOD.replace(">~", ">\n").replace("~", "\r\n")
    interchange = read_interchange(text)
    assert interchange.delimiters.segment == "\n"
    assert interchange.trailer is not None
    assert interchange.trailer.elements == ("1", "000000007")


def test_repetition_separator_is_read_from_later_versions_only() -> None:
    later = GOOD.replace("*U*00401*", "*^*00501*")
    assert read_interchange(later).delimiters.repetition == "^"
    assert read_interchange(GOOD).delimiters.repetition is None


def test_back_to_back_interchanges_each_with_own_delimiters() -> None:
    other = GOOD.replace("*", "|").replace("~", "\n").replace("|>\n", "|:\n")
    both = GOOD + "\r\n" + other
    first, second = read_interchanges(both)
    assert first.delimiters.element == "*"
    assert second.delimiters.element == "|"
    assert second.delimiters.component == ":"
    assert second.transaction_sets[0].find("BEG")[0].element(3) == "PO1"
    with pytest.raises(X12EnvelopeError):
        read_interchanges(both.replace("SE*5*0001", "SE*4*0001"))


def test_components_split_with_the_interchange_separator() -> None:
    interchange = read_interchange(GOOD.replace("*T*>~", "*T*:~"))
    assert interchange.components("3:1") == ("3", "1")
