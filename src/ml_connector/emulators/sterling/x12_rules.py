"""What the emulator's trading partners check in an 850 / 810 / 856: required segments, allowed segment
ids, maximum uses and the element definitions of the common segments (reference Part 3.3-3.6, from the
bots 004010 grammars). A deliberately small subset: syntax only, no code lists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ElementRule:
    """requirement ``M``/``C``; kind ``AN``, ``ID``, ``N0``, ``N2``, ``R``, ``DT``, ``TM``; X12 reference number."""

    requirement: str
    kind: str
    min_length: int
    max_length: int
    reference: str = ""


@dataclass(frozen=True)
class SegmentRule:
    elements: tuple[ElementRule, ...]
    max_elements: int


@dataclass(frozen=True)
class SetRule:
    functional_id: str  # GS01 that must carry this ST01
    header: str  # the mandatory first segment after ST
    required: tuple[str, ...]
    max_use: dict[str, int]
    allowed: frozenset[str]


def _seg(spec: str, max_elements: int | None = None) -> SegmentRule:
    """Parse ``"M ID 2 2 353, C AN 1 30 127"``: one comma-separated rule per element; ``-`` = unchecked."""
    rules = []
    for part in spec.split(","):
        words = part.split()
        if words == ["-"]:
            rules.append(ElementRule("C", "AN", 0, 999))
            continue
        requirement, kind, low, high, *ref = words
        rules.append(ElementRule(requirement, kind, int(low), int(high), ref[0] if ref else ""))
    return SegmentRule(tuple(rules), max_elements or len(rules))


_PRODUCT_PAIRS = ", ".join(["C ID 2 2 235, C AN 1 48 234"] * 10)
_LIN_PAIRS = ", ".join(["C ID 2 2 235, C AN 1 48 234"] * 14)

SEGMENTS: dict[str, SegmentRule] = {
    "ST": _seg("M ID 3 3 143, M AN 4 9 329"),
    "SE": _seg("M N0 1 10 96, M AN 4 9 329"),
    "BEG": _seg(
        "M ID 2 2 353, M ID 2 2 92, M AN 1 22 324, C AN 1 30 328, M DT 8 8 373, C AN 1 30 367, -, -, -, -, -, -"
    ),
    "CUR": _seg("M ID 2 3 98, M ID 3 3 100, C R 4 10 280", 21),
    "REF": _seg("M ID 2 3 128, C AN 1 30 127, C AN 1 80 352, -"),
    "PER": _seg(
        "M ID 2 2 366, C AN 1 60 93, C ID 2 2 365, C AN 1 80 364, C ID 2 2 365, C AN 1 80 364, "
        "C ID 2 2 365, C AN 1 80 364, C AN 1 20 443"
    ),
    "DTM": _seg("M ID 3 3 374, C DT 8 8 373, C TM 4 8 337, C ID 2 2 623, C ID 2 3 1250, C AN 1 35 1251"),
    "N1": _seg("M ID 2 3 98, C AN 1 60 93, C ID 1 2 66, C AN 2 80 67, C ID 2 2 706, C ID 2 3 98"),
    "N2": _seg("M AN 1 60 93, C AN 1 60 93"),
    "N3": _seg("M AN 1 55 166, C AN 1 55 166"),
    "N4": _seg("C AN 2 30 19, C ID 2 2 156, C ID 3 15 116, C ID 2 3 26, C ID 1 2 309, C AN 1 30 310"),
    "PO1": _seg("C AN 1 20 350, C R 1 15 330, C ID 2 2 355, C R 1 17 212, C ID 2 2 639, " + _PRODUCT_PAIRS),
    "PID": _seg("M ID 1 1 349, C ID 2 3 750, C ID 2 2 559, C AN 1 12 751, C AN 1 80 352, -, -, -, -"),
    "PO4": _seg("C R 1 6 356, C R 1 8 357, C ID 2 2 355, C AN 3 5 103, C ID 1 1 187, C R 1 9 384, C ID 2 2 355", 18),
    "CTT": _seg("M N0 1 6 354, C R 1 10 347, C R 1 10 81, C ID 2 2 355, C R 1 8 183, C ID 2 2 355, C AN 1 80 352"),
    "AMT": _seg("M ID 1 3 522, M R 1 18 782, C ID 1 1 478"),
    "ITD": _seg(
        "C ID 2 2 336, C ID 1 2 333, C R 1 6 338, C DT 8 8 370, C N0 1 3 351, C DT 8 8 446, "
        "C N0 1 3 386, C N2 1 10 362, C N2 1 10 388, C N2 1 10 389, C R 1 10 342, C AN 1 80 352, "
        "C N0 1 2 765, C ID 1 2 107, C R 1 10 954"
    ),
    "PKG": _seg("C ID 1 1 349, C ID 2 3 753, C ID 2 2 559, C AN 1 7 754, C AN 1 80 352, C ID 2 2 400"),
    "TD1": _seg(
        "C AN 3 5 103, C N0 1 7 80, C ID 1 1 23, C AN 1 30 22, C AN 1 50 79, C ID 1 2 187, "
        "C R 1 10 81, C ID 2 2 355, C R 1 8 183, C ID 2 2 355"
    ),
    "TD5": _seg("C ID 1 2 133, C ID 1 2 66, C AN 2 80 67, C ID 1 2 91, C AN 1 35 387", 15),
    "TD3": _seg("C ID 2 2 40, C AN 1 4 206, C AN 1 10 207", 10),
    "FOB": _seg("M ID 2 2 146", 9),
    "BIG": _seg(
        "M DT 8 8 373, M AN 1 22 76, C DT 8 8 373, C AN 1 22 324, C AN 1 30 328, C AN 1 8 327, "
        "C ID 2 2 640, C ID 2 2 353, C ID 1 2 306, C AN 1 22 76"
    ),
    "IT1": _seg("C AN 1 20 350, C R 1 10 358, C ID 2 2 355, C R 1 17 212, C ID 2 2 639, " + _PRODUCT_PAIRS),
    "TDS": _seg("M N2 1 15 610, C N2 1 15 610, C N2 1 15 610, C N2 1 15 610"),
    "CAD": _seg(
        "C ID 1 2 91, C AN 1 4 206, C AN 1 10 207, C ID 2 4 140, C AN 1 35 387, C ID 2 2 368, "
        "C ID 2 3 128, C AN 1 30 127, C ID 2 2 284"
    ),
    "ISS": _seg(
        "C R 1 10 382, C ID 2 2 355, C R 1 10 81, C ID 2 2 355, C R 1 8 183, C ID 2 2 355, C R 1 15 380, C R 1 10 81"
    ),
    "TXI": _seg("M ID 2 2 963, C R 1 18 782, C R 1 10 954, C ID 2 2 955, C AN 1 10 956, C ID 1 1 441", 10),
    "SAC": _seg("M ID 1 1 248, C ID 4 4 1300, C ID 2 2 559, C AN 1 10 1301, C N2 1 15 610", 16),
    "BSN": _seg("M ID 2 2 353, M AN 2 30 396, M DT 8 8 373, M TM 4 8 337, C ID 4 4 1005, C ID 2 2 640, C ID 3 3 641"),
    "HL": _seg("M AN 1 12 628, C AN 1 12 734, M ID 1 2 735, C ID 1 1 736"),
    "LIN": _seg("C AN 1 20 350, M ID 2 2 235, M AN 1 48 234, " + _LIN_PAIRS),
    "SN1": _seg(
        "C AN 1 20 350, M R 1 10 382, M ID 2 2 355, C R 1 15 646, C R 1 15 330, C ID 2 2 355, C R 1 8 728, C ID 2 2 668"
    ),
    "PRF": _seg("M AN 1 22 324, C AN 1 30 328, C AN 1 8 327, C DT 8 8 373, C AN 1 30 367, C AN 1 30 127, C ID 2 2 92"),
    "MAN": _seg("M ID 1 2 88, M AN 1 48 87, C AN 1 48 87, C ID 1 2 88, C AN 1 48 87, C AN 1 48 87"),
}


def _ids(text: str) -> frozenset[str]:
    return frozenset(text.split()) | {"ST", "SE"}


_850 = _ids(
    "BEG CUR REF PER TAX FOB CTP PAM CSH TC2 SAC ITD DIS INC DTM LDT LIN SI PID MEA PWK PKG TD1 TD5 TD3 TD4 "
    "MAN PCT CTB TXI AMT N9 MSG N1 N2 N3 N4 NX2 LM LQ SPI ADV PO1 CN1 PO3 PO4 IT8 SDQ IT3 QTY SCH LS LE SLN "
    "CTT"
)
_810 = _ids(
    "BIG NTE CUR REF YNQ PER N1 N2 N3 N4 DMG ITD DTM FOB PID MEA PWK PKG L7 BAL INC PAM LM LQ N9 MSG V1 R4 "
    "FA1 FA2 IT1 CRC QTY IT3 TXI CTP PO4 SDQ CAD SR SAC SLN TDS AMT ISS CTT"
)
_856 = _ids(
    "BSN DTM HL LIN SN1 SLN PRF PO4 PID MEA PWK PKG TD1 TD5 TD3 TD4 TSD REF PER LH1 LH2 LH3 LFH LEP LH4 LHT "
    "LHR CLD DTP MAN FOB PAL N1 N2 N3 N4 SDQ ETD CUR SAC GF YNQ LM LQ V1 R4 CTT"
)

SETS: dict[str, SetRule] = {
    "850": SetRule("PO", "BEG", ("BEG", "PO1"), {"BEG": 1, "CUR": 1, "CTT": 1}, _850),
    "810": SetRule("IN", "BIG", ("BIG", "TDS"), {"BIG": 1, "TDS": 1, "CUR": 1, "CAD": 1, "CTT": 1}, _810),
    "856": SetRule("SH", "BSN", ("BSN", "HL"), {"BSN": 1, "CTT": 1}, _856),
}

KNOWN_SEGMENT_IDS = _850 | _810 | _856 | {"ISA", "IEA", "GS", "GE", "AK1", "AK2", "AK3", "AK4", "AK5", "AK9"}
