"""Lost responses, deterministically, for every non-idempotent write: the target applies the post, the answer
never arrives because the process dies right then (``ProcessDied`` stands for the SIGKILL: it is raised after
the real call returned, so nothing of the product sees the answer), and the next run must find the object by
the reference written into it and adopt it, not send it again.

Each test counts what reached the emulator (its own per-business-object call counter, its own rows), so a
disabled look-up (the product resending) fails here; e.net accepts a repeated customer PO as SYSPRO ships,
so nothing on the target side hides a resend.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from commerce_syspro_fixtures import assert_exactly_once, make_app, serve_pair

from ml_connector.connectors.commerce.client import CommerceClient
from ml_connector.connectors.sterling.client import SterlingB2BClient
from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.engine.service import run_integration

sys.path.insert(0, str(Path(__file__).parent))
import sterling_fixtures
from test_syspro_sterling_suppliers import new_partner, store_enet

COMMERCE = "commerce-syspro"
STERLING = "syspro-sterling"


class ProcessDied(BaseException):
    """The process was killed after the target applied the post and before the answer was read."""


@contextmanager
def dies_after(cls: type, method: str, when: Callable[..., bool]) -> Iterator[list[tuple]]:
    """Patch ``cls.method``: the first call for which ``when(*args)`` holds runs for real, then the
    process 'dies'. Yields the list of calls that killed it (one, or none if the call never came)."""
    original = getattr(cls, method)
    fired: list[tuple] = []

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if not fired and when(*args, **kwargs):
            fired.append(args)
            raise ProcessDied(f"killed after {method}{args[:2]}")
        return result

    setattr(cls, method, wrapper)
    try:
        yield fired
    finally:
        setattr(cls, method, original)


def posts_of(business_object: str) -> Callable[..., bool]:
    return lambda path, bo, *rest, **kw: bo == business_object


@pytest.fixture
def commerce_pair():
    pair = serve_pair()
    yield pair
    for s in pair.values():
        s.stop()


def tally(report: Any, stream: str) -> Any:
    return {t.stream: t for t in report.streams}[stream]


def _orders(pair: dict, n: int) -> set[str]:
    store = pair["commerce"].app.state.emulator.store
    for _ in range(n):
        store.place_order(store_code="default", skus={"VLV-BALL-2IN-BR": 2})
    return {o["increment_id"] for o in store.orders.values() if o["state"] != "canceled"}


@pytest.mark.parametrize(("business_object", "stream"), [("SORTOI", "sales_order"), ("GENTJL", "order_journal")])
def test_order_and_journal_posts_are_adopted_after_a_lost_answer(
    tmp_path, commerce_pair, business_object, stream
) -> None:
    pos = _orders(commerce_pair, 3)
    enet = commerce_pair["syspro-enet"].app.state.emulator
    app = make_app(tmp_path, commerce_pair, section={"customers_to_commerce": False})
    with dies_after(SysproEnetClient, "_post", posts_of(business_object)) as fired, pytest.raises(ProcessDied):
        run_integration(app, COMMERCE)
    assert fired, f"no {business_object} was posted"
    applied = dict(enet.calls)
    assert applied[business_object] >= 1  # it reached SYSPRO and was applied
    again = run_integration(app, COMMERCE)
    assert again.status == "succeeded", again.error
    assert enet.calls["SORTOI"] == len(pos) and enet.calls["GENTJL"] == len(pos)  # one post per order, ever
    assert_exactly_once(commerce_pair, pos)
    assert tally(again, stream).recovered == 1


def test_customer_setup_is_adopted_after_a_lost_answer(tmp_path, commerce_pair) -> None:
    enet = commerce_pair["syspro-enet"].app.state.emulator
    app = make_app(tmp_path, commerce_pair, section={"customers_to_commerce": False})
    with dies_after(SysproEnetClient, "_post", posts_of("ARSSCS")) as fired, pytest.raises(ProcessDied):
        run_integration(app, COMMERCE)
    [(path, _bo, *_)] = fired
    assert path == "/Setup/Add"  # a new customer, applied in SYSPRO
    again = run_integration(app, COMMERCE)
    assert again.status == "succeeded", again.error
    written = app.store.ledger.search(integration=COMMERCE, stream="customer_to_syspro", limit=10_000)
    delivered = {r["source_id"] for r in written if r["status"] in ("delivered", "recovered")}
    assert enet.calls["ARSSCS"] == len(delivered)  # each customer written once; the lost one adopted
    codes = [r["Customer"] for r in enet.rows("ArCustomer")]
    assert len(codes) == len(set(codes))
    assert tally(again, "customer_to_syspro").recovered == 1


def test_commerce_customer_create_is_adopted_after_a_lost_answer(tmp_path, commerce_pair) -> None:
    """SYSPRO -> Commerce: the customer carrying the SYSPRO code is found and adopted, not written again."""
    store = commerce_pair["commerce"].app.state.emulator.store
    app = make_app(tmp_path, commerce_pair, section={"customers_to_syspro": False})
    with dies_after(CommerceClient, "create_customer", lambda *a, **k: True) as fired, pytest.raises(ProcessDied):
        run_integration(app, COMMERCE)
    [(draft,)] = fired
    code = draft.syspro_customer_code
    holders = [c for c in store.customers.values() if _syspro_code(store, c) == code]
    assert len(holders) == 1  # created in Commerce; the answer never arrived
    writes: list[str] = []
    for method in ("create_customer", "update_customer"):
        _count_calls(CommerceClient, method, writes)
    try:
        again = run_integration(app, COMMERCE)
    finally:
        for method in ("create_customer", "update_customer"):
            setattr(CommerceClient, method, getattr(CommerceClient, method).__wrapped__)
    assert again.status == "succeeded", again.error
    assert [c for c in store.customers.values() if _syspro_code(store, c) == code] == holders
    assert code not in writes  # adopted: neither created nor updated again
    assert tally(again, "customer_to_commerce").recovered == 1


def _syspro_code(store: Any, customer: dict) -> str | None:
    attrs = {a["attribute_code"]: a["value"] for a in customer.get("custom_attributes") or []}
    return attrs.get(store.syspro_code_attribute)


def _count_calls(cls: type, method: str, seen: list[str]) -> None:
    original = getattr(cls, method)

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        draft = args[-1]
        seen.append(draft.syspro_customer_code)
        return original(self, *args, **kwargs)

    counting.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(cls, method, counting)


@pytest.fixture
def sterling_trio():
    names = ("syspro-odata", "sterling", "syspro-enet")
    emulators = {n: serve_in_thread(create_emulator(n, seed=sterling_fixtures.SEED)) for n in names}
    yield emulators
    for emulator in emulators.values():
        emulator.stop()


def test_supplier_setup_is_adopted_after_a_lost_answer(tmp_path, sterling_trio) -> None:
    app = sterling_fixtures.make_app(tmp_path, sterling_trio["syspro-odata"], sterling_trio["sterling"])
    store_enet(app, sterling_trio["syspro-enet"])
    new_partner(sterling_trio, "NEWCO-TOOLS")
    enet = sterling_trio["syspro-enet"].app.state.emulator
    with dies_after(SysproEnetClient, "_post", posts_of("APSSSP")) as fired, pytest.raises(ProcessDied):
        run_integration(app, STERLING)
    assert fired and enet.get("ApSupplier", "NEWCO-TOOLS") is not None  # applied, answer lost
    assert app.store.mappings.get(STERLING, "supplier", "NEWCO-TOOLS") is None  # the run died before noting it
    again = run_integration(app, STERLING)
    assert again.status == "succeeded", again.error
    assert enet.calls["APSSSP"] == 1  # adopted: not added again, not rewritten
    assert app.store.mappings.get(STERLING, "supplier", "NEWCO-TOOLS") == "NEWCO-TOOLS"
    assert [r["Supplier"] for r in enet.rows("ApSupplier")].count("NEWCO-TOOLS") == 1


def test_sterling_message_is_adopted_after_a_lost_answer(tmp_path, sterling_trio) -> None:
    app = sterling_fixtures.make_app(tmp_path, sterling_trio["syspro-odata"], sterling_trio["sterling"])
    with dies_after(SterlingB2BClient, "upload_message", lambda *a, **k: True) as fired, pytest.raises(ProcessDied):
        run_integration(app, STERLING)
    [(mailbox, name, _content)] = fired
    assert mailbox == sterling_fixtures.OUTBOX
    outbox = sterling_fixtures.outbox(sterling_trio["sterling"])
    assert [m.name for m, _ in outbox] == [name]  # the message is in Sterling; the run never heard back
    again = run_integration(app, STERLING)
    assert again.status == "succeeded", again.error
    names = [m.name for m, _ in sterling_fixtures.outbox(sterling_trio["sterling"])]
    assert len(names) == len(set(names)) > 1  # every document once, the lost one not uploaded again
    assert sum(t.recovered for t in again.streams) == 1
    sent = app.store.ledger.search(integration=STERLING, limit=10_000)
    documents = {(r["stream"], r["source_id"]) for r in sent if r["status"] in ("delivered", "recovered")}
    assert len(names) == len({d for d in documents if d[0] in ("purchase_order", "invoice", "shipment")})
