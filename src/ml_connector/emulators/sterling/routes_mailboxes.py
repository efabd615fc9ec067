"""Routes for mailboxes, mailbox contents, documents, mailbox messages and message batches
(commerce-sterling-x12.md §2.3-2.5 and checklist 2.9)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ml_connector.emulators.sterling.api import (
    SVC,
    affected,
    base_url,
    created,
    emulator_of,
    flag,
    integer,
    json_body,
    multipart_parts,
    page,
    parse_time,
)
from ml_connector.emulators.sterling.emulator import SterlingEmulator
from ml_connector.emulators.sterling.store import ApiError, Mailbox, like
from ml_connector.emulators.sterling.wire import (
    content_row,
    document_json,
    mailbox_json,
    message_json,
    submailbox_row,
)

router = APIRouter(prefix=SVC)


@router.get("/mailboxes/")
async def list_mailboxes(request: Request) -> Response:
    emulator = emulator_of(request)
    path, search = request.query_params.get("path"), request.query_params.get("searchFor")
    with emulator.state.lock:
        boxes = sorted(emulator.state.mailboxes.values(), key=lambda m: m.id)
        if path:
            boxes = [m for m in boxes if like(path, m.path)]
        if search:
            boxes = [m for m in boxes if like(search + "%", m.path)]
        return page(request, [mailbox_json(base_url(request), m) for m in boxes])


@router.get("/mailboxes/{mailbox_id}")
async def get_mailbox(request: Request, mailbox_id: str) -> Response:
    emulator = emulator_of(request)
    with emulator.state.lock:
        mailbox = emulator.state.mailbox(_id(mailbox_id, "Mailbox"))
        return JSONResponse(mailbox_json(base_url(request), mailbox))


@router.post("/mailboxes/")
async def create_mailbox(request: Request) -> Response:
    emulator, body = emulator_of(request), await json_body(request)
    extra: dict[str, Any] = {"users": str(body.get("users") or ""), "groups": str(body.get("groups") or "")}
    kind = body.get("mailboxType") or "R"
    extra["mailbox_type"] = kind.get("code") if isinstance(kind, dict) else str(kind)
    if body.get("linkedToMailbox") is not None:
        extra["linked_to"] = integer(body["linkedToMailbox"], "linkedToMailbox")
    parents = flag(body.get("createParentMailbox", False), "createParentMailbox")
    with emulator.state.lock:
        mailbox = emulator.state.create_mailbox(
            str(body.get("path") or ""), str(body.get("description") or ""), create_parents=parents, **extra
        )
    return created(request, "mailboxes", mailbox.id)


@router.put("/mailboxes/{mailbox_id}")
async def update_mailbox(request: Request, mailbox_id: str) -> Response:
    emulator, body = emulator_of(request), await json_body(request)
    with emulator.state.lock:
        mailbox = emulator.state.mailbox(_id(mailbox_id, "Mailbox"))
        for field, attribute in (("description", "description"), ("users", "users"), ("groups", "groups")):
            if field in body:
                setattr(mailbox, attribute, str(body[field] or ""))
    return affected()


@router.delete("/mailboxes/{mailbox_id}")
async def delete_mailbox(request: Request, mailbox_id: str) -> Response:
    emulator = emulator_of(request)
    with emulator.state.lock:
        mailbox = emulator.state.mailbox(_id(mailbox_id, "Mailbox"))
        if emulator.state.children(mailbox) or emulator.state.messages_in(mailbox):
            raise ApiError(400, f"API000153: Mailbox {mailbox.path} is not empty.")
        del emulator.state.mailboxes[mailbox.id]
    return affected()


@router.get("/mailboxcontents/")
async def mailbox_contents(request: Request) -> Response:
    emulator = emulator_of(request)
    parent = request.query_params.get("parentMailboxId")
    if not parent:
        raise ApiError(400, "API000130: parentMailboxId is required.")
    detail = request.query_params.get("detail", "false").lower() == "true"
    search = request.query_params.get("searchFor")
    with emulator.state.lock:
        state = emulator.state
        mailbox = state.mailbox(_id(parent, "Mailbox"))
        rows = [submailbox_row(m) for m in state.children(mailbox)]
        rows += [
            content_row(m, len(state.document(m.document_id).content), detail=detail)
            for m in state.messages_in(mailbox)
        ]
        if search:
            rows = [r for r in rows if like(search + "%", r["name"])]
        return page(request, rows)


@router.post("/documents/")
async def create_document(request: Request) -> Response:
    emulator, body = emulator_of(request), await json_body(request)
    encoded = body.get(emulator.content_field)
    if not isinstance(encoded, str):
        raise ApiError(400, f"API000140: Document needs its content, base64-encoded, in '{emulator.content_field}'.")
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, f"API000141: '{emulator.content_field}' is not valid base64.") from None
    with emulator.state.lock:
        document = emulator.state.create_document(content, str(body.get("documentName") or ""))
    return created(request, "documents", document.document_id)


@router.get("/documents/{document_id:path}")
async def get_document(request: Request, document_id: str) -> Response:
    emulator = emulator_of(request)
    with emulator.state.lock:
        document = emulator.state.document(document_id)
        return JSONResponse(document_json(base_url(request), document, emulator.content_field))


@router.get("/mailboxmessages/")
async def list_messages(request: Request) -> Response:
    emulator = emulator_of(request)
    query = request.query_params
    with emulator.state.lock:
        mailbox = _target_mailbox(emulator, query.get("mailboxPath"), query.get("mailboxId"))
        messages = emulator.state.messages_in(mailbox)
        if search := query.get("searchFor"):
            messages = [m for m in messages if like(search + "%", m.name)]
        base = base_url(request)
        rows = [message_json(base, m, mailbox, len(emulator.state.document(m.document_id).content)) for m in messages]
        return page(request, rows)


@router.post("/mailboxmessages/")
async def create_message(request: Request) -> Response:
    emulator, body = emulator_of(request), await json_body(request)
    if not body.get("documentId"):
        raise ApiError(400, "API000161: documentId is required: create the document first (POST /svc/documents/).")
    with emulator.state.lock:
        mailbox = _target_mailbox(emulator, body.get("mailboxPath"), body.get("mailboxId"))
        message = emulator.state.add_message(
            mailbox, str(body.get("name") or ""), str(body["documentId"]), **_extractability(body, default_always=True)
        )
        message.description = str(body.get("description") or "")
        emulator.router.on_new_message(message)
    return created(request, "mailboxmessages", message.id)


@router.get("/mailboxmessages/{message_id}")
async def get_message(request: Request, message_id: str) -> Response:
    emulator = emulator_of(request)
    with emulator.state.lock:
        state = emulator.state
        message = state.message(_id(message_id, "Mailbox message"))
        size = len(state.document(message.document_id).content)
        body = message_json(base_url(request), message, state.mailbox(message.mailbox_id), size)
        return JSONResponse(body)


@router.get("/mailboxmessages/{message_id}/actions")
async def message_actions(request: Request, message_id: str) -> Response:
    emulator = emulator_of(request)
    with emulator.state.lock:
        emulator.state.message(_id(message_id, "Mailbox message"))
    return JSONResponse([])


@router.put("/mailboxmessages/{message_id}")
async def update_message(request: Request, message_id: str) -> Response:
    emulator, body = emulator_of(request), await json_body(request)
    with emulator.state.lock:
        message = emulator.state.message(_id(message_id, "Mailbox message"))
        for attribute, value in _extractability(body, default_always=None).items():
            setattr(message, attribute, value)
        if "description" in body:
            message.description = str(body["description"] or "")
    return affected()


@router.delete("/mailboxmessages/{message_id}")
async def delete_message(request: Request, message_id: str) -> Response:
    emulator = emulator_of(request)
    with emulator.state.lock:
        message = emulator.state.message(_id(message_id, "Mailbox message"))
        del emulator.state.messages[message.id]
    return affected()


@router.post("/messagebatches/")
async def create_message_batch(request: Request) -> Response:
    emulator = emulator_of(request)
    parts = multipart_parts(request.headers.get("content-type", ""), await request.body())
    upstream, mailbox_name = parts.get("upstream"), parts.get("mailboxName")
    if upstream is None or mailbox_name is None or not upstream[0]:
        raise ApiError(400, "API000162: parts 'upstream' (a file with a filename) and 'mailboxName' are required.")
    with emulator.state.lock:
        state = emulator.state
        mailbox = _target_mailbox(emulator, mailbox_name[1].decode("utf-8").strip(), None)
        document = state.create_document(upstream[1], upstream[0])
        message = state.add_message(mailbox, upstream[0], document.document_id, extractable_always=True)
        emulator.router.on_new_message(message)
    return created(request, "messagebatches", message.id)


def _target_mailbox(emulator: SterlingEmulator, path: Any, mailbox_id: Any) -> Mailbox:
    if mailbox_id not in (None, ""):
        return emulator.state.mailbox(integer(mailbox_id, "mailboxId"))
    if not path:
        raise ApiError(400, "API000131: mailboxPath or mailboxId is required.")
    mailbox = emulator.state.mailbox_by_path(str(path))
    if mailbox is None:
        raise ApiError(404, f"API000404: Mailbox {path} does not exist.")
    return mailbox


def _extractability(body: dict[str, Any], *, default_always: bool | None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if "extractableAlways" in body:
        found["extractable_always"] = flag(body["extractableAlways"], "extractableAlways")
    if "extractableCount" in body:
        found["extractable_count"] = integer(body["extractableCount"], "extractableCount")
        found.setdefault("extractable_always", False)
    if body.get("extractableUntil"):
        found["extractable_until"] = parse_time(str(body["extractableUntil"]))
        found.setdefault("extractable_always", False)
    if default_always is not None:
        found.setdefault("extractable_always", default_always)
    return found


def _id(text: str, what: str) -> int:
    if not text.isdigit():
        raise ApiError(404, f"API000404: {what} {text} does not exist.")
    return int(text)
