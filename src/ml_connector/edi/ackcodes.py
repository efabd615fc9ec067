"""X12 004010 code lists used by the 997: AK304 segment errors (720), AK403 element errors (723),
AK501/AK901 acknowledgment codes (717/715), AK502 set errors (718), AK905 group errors (716)."""

from __future__ import annotations

SEGMENT_ERRORS = {  # 720, AK304
    "1": "Unrecognized segment ID", "2": "Unexpected segment", "3": "Mandatory segment missing",
    "4": "Loop occurs over maximum times", "5": "Segment exceeds maximum use",
    "6": "Segment not in defined transaction set", "7": "Segment not in proper sequence",
    "8": "Segment has data element errors",
}  # fmt: skip
ELEMENT_ERRORS = {  # 723, AK403
    "1": "Mandatory data element missing", "2": "Conditional required data element missing",
    "3": "Too many data elements", "4": "Data element too short", "5": "Data element too long",
    "6": "Invalid character in data element", "7": "Invalid code value", "8": "Invalid date",
    "9": "Invalid time", "10": "Exclusion condition violated",
}  # fmt: skip
ACK_CODES = {  # 717 (AK501) and 715 (AK901)
    "A": "Accepted", "E": "Accepted but errors were noted", "M": "Rejected, message authentication code failed",
    "P": "Partially accepted, at least one transaction set was rejected", "R": "Rejected",
    "W": "Rejected, assurance failed validity tests", "X": "Rejected, content after decryption could not be analyzed",
}  # fmt: skip
SET_ERRORS = {  # 718, AK502-AK506
    "1": "Transaction set not supported", "2": "Transaction set trailer missing",
    "3": "Transaction set control number in header and trailer do not match",
    "4": "Number of included segments does not match actual count", "5": "One or more segments in error",
    "6": "Missing or invalid transaction set identifier", "7": "Missing or invalid transaction set control number",
}  # fmt: skip
GROUP_ERRORS = {  # 716, AK905-AK909
    "1": "Functional group not supported", "2": "Functional group version not supported",
    "3": "Functional group trailer missing", "4": "Group control number in the functional group header and "
    "trailer do not agree", "5": "Number of included transaction sets does not match actual count",
    "6": "Group control number violates syntax",
}  # fmt: skip

# Reader problem codes (EnvelopeProblem.code) -> the 997 code that reports them.
SET_PROBLEM_CODES = {"MISSING_SE": "2", "SE_CONTROL": "3", "SE_COUNT": "4", "GS_ST_MISMATCH": "6"}
GROUP_PROBLEM_CODES = {"MISSING_GE": "3", "GE_CONTROL": "4", "GE_COUNT": "5"}


def describe(table: dict[str, str], code: str) -> str:
    """Text for a code, or a plain note when the code is not in the 004010 list."""
    return table.get(code, f"code {code} (not in the 004010 list)")
