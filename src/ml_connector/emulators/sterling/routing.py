"""Routing and the partners' answers: a message arriving in ``/<producer>/Outbox`` is copied (new message
id, same document) to ``/<consumer>/Inbox`` by the routing channel whose consumer matches the ISA08
receiver id (or a ``FileNamePattern`` fact for non-X12 files); the consumer then acknowledges X12 with a
997 (or a TA1) into ``/<producer>/Inbox`` after ``ack_delay_s`` of emulator time.

Reference 2.7 marks this model as [I]: SB2Bi routing rules live in the dashboard, File Gateway routing
channels are the REST-visible equivalent.
"""

from __future__ import annotations

import fnmatch
from datetime import timedelta

from ml_connector.emulators.sterling.acks import AckControls, build_997_interchange, build_ta1_interchange
from ml_connector.emulators.sterling.store import Message, PendingAck, RoutingEvent, SterlingState
from ml_connector.emulators.sterling.x12_check import check_interchange
from ml_connector.emulators.sterling.x12_reader import NOTE_BAD_CONTENT, NotX12Error, looks_like_x12, read_interchange

OUTBOX = "Outbox"
INBOX = "Inbox"
TEMPLATE = "X12ByReceiverId"


class Router:
    """Routes new outbound messages and releases acknowledgments that are due."""

    def __init__(self, state: SterlingState, *, ack_delay_s: float = 0.0) -> None:
        self.state = state
        self.ack_delay = timedelta(seconds=ack_delay_s)

    def on_new_message(self, message: Message) -> None:
        state = self.state
        mailbox = state.mailbox(message.mailbox_id)
        producer = _owner(mailbox.path, OUTBOX)
        if producer is None or producer not in state.partners:
            return  # not an outbound mailbox: the message just waits to be extracted
        content = state.document(message.document_id).content
        consumer = self._consumer_for(producer, content, message.name)
        if consumer is None:
            state.routing_log.append(RoutingEvent(message.id, "no_rule", detail=_receiver(content)))
            return
        target = state.ensure_mailbox(f"/{consumer}/{INBOX}")
        copy = state.add_message(
            target, message.name, message.document_id, extractable_always=False, extractable_count=1
        )
        # The routing process extracted the producer's message: it stays listed but is no longer extractable.
        message.extractable_always, message.extractable_count = False, 0
        state.routing_log.append(RoutingEvent(message.id, "routed", consumer, copy.id))
        if looks_like_x12(content):
            self._acknowledge(producer, consumer, content, message)
        self.release_due()

    def release_due(self) -> None:
        """Deliver every pending acknowledgment whose time has come (lazy: called on each request)."""
        state = self.state
        now = state.now()
        due = [a for a in state.pending_acks if a.due <= now]
        for ack in due:
            state.pending_acks.remove(ack)
            document = state.create_document(ack.content, ack.name)
            state.add_message(
                state.ensure_mailbox(ack.mailbox_path),
                ack.name,
                document.document_id,
                extractable_always=False,
                extractable_count=1,
            )

    def _consumer_for(self, producer: str, content: bytes, name: str) -> str | None:
        state = self.state
        receiver = _receiver(content).upper()
        for channel in sorted(state.channels.values(), key=lambda c: c.key):
            if channel.producer != producer or channel.consumer not in state.partners:
                continue
            partner = state.partners[channel.consumer]
            if receiver:
                ids = {str(partner.get("code", "")), channel.facts.get("ReceiverId", ""), channel.consumer}
                if receiver in {i.strip().upper() for i in ids if i}:
                    return channel.consumer
            elif (pattern := channel.facts.get("FileNamePattern")) and fnmatch.fnmatchcase(name, pattern):
                return channel.consumer
        return None

    def _acknowledge(self, producer: str, consumer: str, content: bytes, message: Message) -> None:
        state = self.state
        try:
            interchange = read_interchange(content)
        except NotX12Error as exc:
            state.routing_log.append(RoutingEvent(message.id, "not_x12", consumer, detail=str(exc)))
            return
        verdict = check_interchange(interchange)
        at = state.now()
        control = state.next_ack_control(consumer)
        if not verdict.groups and not verdict.notes:
            verdict.notes.append(NOTE_BAD_CONTENT)
        if verdict.notes:
            body, kind = build_ta1_interchange(verdict, control, at), "TA1"
        else:
            body, kind = build_997_interchange(verdict, AckControls(control, control), at), "997"
        name = f"{kind}_{consumer}_{control:09d}.x12"
        state.pending_acks.append(PendingAck(at + self.ack_delay, f"/{producer}/{INBOX}", name, body))


def _owner(path: str, folder: str) -> str | None:
    parts = path.strip("/").split("/")
    return parts[0] if len(parts) == 2 and parts[1] == folder else None


def _receiver(content: bytes) -> str:
    """ISA08 of an X12 interchange, or "" for anything else."""
    if not looks_like_x12(content):
        return ""
    try:
        return read_interchange(content).isa.element(8).strip()
    except NotX12Error:
        return ""
