"""Errors raised inside the emulator; each carries the HTTP status and OData error code it maps to.

EmulatorError
├── ODataQueryError      400  bad $filter/$select/$orderby/$top/$skip
├── NotFound             404  unknown company, entity set or entity key
├── InvalidRow           400  mutation input that does not fit the table
├── DuplicateKey         409  insert of a key that already exists
└── MissingReference     409  fact naming a dimension row that does not exist (allow_orphans=False)
"""

from __future__ import annotations


class EmulatorError(Exception):
    status = 500
    code = "InternalError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}


class ODataQueryError(EmulatorError):
    status = 400
    code = "BadRequest"


class NotFound(EmulatorError):
    status = 404
    code = "NotFound"


class InvalidRow(EmulatorError):
    status = 400
    code = "InvalidRow"


class DuplicateKey(EmulatorError):
    status = 409
    code = "DuplicateKey"


class MissingReference(EmulatorError):
    status = 409
    code = "MissingReference"
