"""Content hashes: the same record content always gives the same hash, whatever the key order."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

_OPTS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def content_hash(row: Mapping[str, Any], *, ignore: frozenset[str] = frozenset()) -> str:
    """A 128-bit BLAKE2b hex digest of ``row`` as canonical JSON, leaving out ``ignore`` columns.

    ``ignore`` is for columns that change without the business content changing (e.g. a rowversion).
    """
    if ignore:
        row = {k: v for k, v in row.items() if k not in ignore}
    return hashlib.blake2b(orjson.dumps(row, option=_OPTS, default=str), digest_size=16).hexdigest()


def source_id(row: Mapping[str, Any], key: tuple[str, ...]) -> str:
    """The stable id of a source row: its key values, exactly as stored (padding kept), joined by '|'."""
    if len(key) == 1:
        return str(row[key[0]])
    return "|".join(str(row[k]) for k in key)
