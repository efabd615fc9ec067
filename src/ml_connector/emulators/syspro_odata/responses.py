"""OData JSON responses: page envelopes, entities, error bodies, context and nextLink URLs."""

from __future__ import annotations

from itertools import repeat
from operator import itemgetter
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from .query import Page
from .schema import Table

ODATA_JSON = "application/json; odata.metadata=minimal"
ODATA_HEADERS = {"OData-Version": "4.0"}


def json_response(body: bytes | dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return Response(content, status_code=status, media_type=ODATA_JSON, headers={**ODATA_HEADERS, **(headers or {})})


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"error": {"code": code, "message": message}}, status, headers)


def page_body(
    table: Table, page: Page, select: tuple[str, ...] | None, context: str, count: bool, next_link: str | None
) -> bytes:
    """Envelope of one page. Rows are tuples already in wire form; this only zips names on."""
    names = select or table.names
    if select is None:
        values = list(map(dict, map(zip, repeat(names), page.rows)))
    elif len(select) == 1:
        i, name = table.index(select[0]), select[0]
        values = [{name: row[i]} for row in page.rows]
    else:
        getter = itemgetter(*(table.index(n) for n in select))
        values = list(map(dict, map(zip, repeat(names), map(getter, page.rows))))
    body: dict[str, Any] = {"@odata.context": context}
    if count:
        body["@odata.count"] = page.total
    body["value"] = values
    if next_link:
        body["@odata.nextLink"] = next_link
    return orjson.dumps(body)


def origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def context_url(request: Request, service_root: str, fragment: str) -> str:
    return f"{origin(request)}{service_root}/$metadata#{fragment}"


def next_link_url(request: Request, skip: int, top: int | None) -> str:
    """The request's own URL with $skip (and $top) replaced; other options kept as sent."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("$skip", "$top")]
    if top is not None:
        params.append(("$top", str(top)))
    params.append(("$skip", str(skip)))
    query = urlencode(params, quote_via=quote, safe="$'(),:*/")
    return f"{origin(request)}{request.url.path}?{query}"
