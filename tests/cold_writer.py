"""Process A's work in the cold-process secrets test: store connections with the given secrets, then leave
text that quotes those secrets where pages read it: ledger errors (raw SQL, as an older version or a careless
path would have written them, and through the ledger, which must scrub them), a run error and summary, a
parked reason, an action-log detail. Users and an API token are created; the token is returned (the store
keeps only its hash)."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import insert

from ml_connector.auth.accounts import add_user, create_token
from ml_connector.bootstrap import bootstrap
from ml_connector.settings import load_settings
from ml_connector.store.ledger import RecordLedger
from ml_connector.store.schema import action_log, parked, record_ledger, runs


def write_leaky_store(config: Path, secrets: dict[str, str]) -> str:
    app = bootstrap(load_settings(config), create_keys=True)
    now = app.clock.now()
    put = app.connections.put
    put("syspro-odata", "syspro-odata", {"base_url": "http://127.0.0.1:9/x", "operator": "ODATA"},
        {"password": secrets["syspro"]}, now)  # fmt: skip
    put(
        "looker",
        "looker",
        {"base_url": "http://127.0.0.1:9", "client_id": "lk"},
        {"client_secret": secrets["looker"]},
        now,
    )
    put("commerce", "commerce", {"base_url": "http://127.0.0.1:9"},
        {"consumer_secret": secrets["commerce"], "access_token": secrets["commerce_token"]}, now)  # fmt: skip
    put(
        "oidc",
        "oidc",
        {"issuer": "http://127.0.0.1:9/idp", "client_id": "mlc"},
        {"client_secret": secrets["oidc"]},
        now,
    )
    everything = " ".join(v for k, v in secrets.items() if k != "ada_password")  # stored secrets only
    basic = base64.b64encode(f"ODATA:{secrets['syspro']}".encode()).decode()
    leak = (
        f"refused: password={secrets['syspro']} Basic {basic} url ?pw={quote(secrets['looker'], safe='')} {everything}"
    )
    row = {"run_id": "run-cold-1", "integration": "syspro-looker", "stream": "supplier", "status": "failed",
           "attempts": 1, "content_hash": "0" * 32, "extracted_at": now}  # fmt: skip
    with app.store.engine.begin() as db:
        db.execute(insert(runs).values(run_id="run-cold-1", integration="syspro-looker", status="partial",
                                       started_at=now, finished_at=now, error=leak,
                                       summary={"streams": [{"stream": "supplier", "read": 1, "failed": 1,
                                                             "errors": [leak]}]}))  # fmt: skip
        db.execute(insert(record_ledger).values(**row, source_id="RAW-LEAK", error=leak))  # as old code wrote
        RecordLedger.append(db, [{**row, "source_id": "SCRUBBED-LEAK", "error": leak}])  # must be scrubbed
        db.execute(insert(parked).values(integration="syspro-looker", stream="ap_invoice", source_id="P-LEAK",
                                         content_hash="1" * 32, payload={"note": leak}, status="parked",
                                         reason=leak, attempts=1, run_id="run-cold-1", parked_at=now))  # fmt: skip
        db.execute(insert(action_log).values(at=now, actor="cli:old", action="connection_added", outcome="ok",
                                             target="looker", detail=leak))  # fmt: skip
    add_user(app.store, "ada", "admin", now, secrets["ada_password"])
    add_user(app.store, "vera", "viewer", now)
    _id, token = create_token(app.store, "prometheus", "admin", now)
    app.store.engine.dispose()
    return token
