"""Pipedrive webhooks into syspro-pipedrive: the emulator delivers v2 payloads with HTTP Basic to the
mounted endpoint; a merge is remembered and followed by the run it starts; wrong credentials are refused
and a repeated ``meta.id`` is ignored."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
from fastapi import FastAPI

from ml_connector.connectors.pipedrive.auth import ApiTokenAuth
from ml_connector.connectors.pipedrive.client import PipedriveClient
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.syspro_pipedrive.mappings import merged_into
from ml_connector.integrations.syspro_pipedrive.webhook import webhook_router
from ml_connector.runtime.service import run_integration
from ml_connector.runtime.triggers import trigger_run
from ml_connector.secrets.secret import Secret

sys.path.insert(0, str(Path(__file__).parent))
from pipedrive_fixtures import NAME, account, by_custom, field_key, live, make_app, serve_pipedrive, serve_syspro

FAST = {"burst_limit": 1000}


def test_merge_webhook_is_followed_and_deliveries_are_checked(tmp_path) -> None:
    syspro = serve_syspro()
    pipedrive = serve_pipedrive(webhook_retry_delays=(0.05, 0.05, 0.05), **FAST)
    web = None
    try:
        app = make_app(tmp_path, syspro, pipedrive, section=FAST)
        server = FastAPI()
        server.include_router(
            webhook_router(app, trigger=trigger_run, background=False), prefix="/hooks/syspro-pipedrive"
        )
        web = serve_in_thread(server)
        hook = f"{web.url}/hooks/syspro-pipedrive"
        unconfigured = httpx.post(hook, json={"meta": {}}, auth=("pd-hooks", "s3cret-hook"))
        assert unconfigured.status_code == 503 and "webhook_password" in unconfigured.json()["error"]
        stored = app.connections.get("pipedrive")
        app.connections.put(
            "pipedrive",
            "pipedrive",
            {**stored.settings, "webhook_user": "pd-hooks"},
            {"api_token": stored.secret("api_token").reveal(), "webhook_password": "s3cret-hook"},
            app.clock.now(),
        )
        assert run_integration(app, NAME).status == "succeeded"
        token = pipedrive.app.state.credentials["api_token"]
        client = PipedriveClient(pipedrive.url, ApiTokenAuth(Secret(token)))
        client.add_webhook(hook, "delete", "organization", "pd-hooks", "s3cret-hook")
        store = account(pipedrive)
        code_key = field_key(pipedrive, "organization", "SYSPRO customer code")
        ours = sorted(live(pipedrive, "organization"), key=lambda r: r["id"])[0]
        by_hand = store.create("organization", {"name": "Rep's own record"})  # no SYSPRO code
        store.merge_organizations(ours["id"], by_hand["id"])  # a rep merges ours into theirs
        pipedrive.app.state.emulator.hooks.join(20)
        assert merged_into(app.store.mappings, "syspro-pipedrive", ours["id"]) == by_hand["id"]
        code = ours["custom_fields"][code_key]
        refs = app.store.ledger.search(integration=NAME, stream="organization", source_id=code, limit=5)
        assert f"merged: {ours['id']} into {by_hand['id']}" in refs[0]["target_ref"]
        assert by_custom(pipedrive, "organization", code_key)[code] == 1
        delivered = pipedrive.app.state.emulator.hooks.delivered
        assert delivered and delivered[0]["meta"]["merged_to_id"] == str(by_hand["id"])
        with httpx.Client() as http:
            assert http.post(hook, json=delivered[0], auth=("pd-hooks", "wrong")).status_code == 401
            again = http.post(hook, json=delivered[0], auth=("pd-hooks", "s3cret-hook"))
            assert again.json() == {"status": "duplicate"}
    finally:
        for served in (web, pipedrive, syspro):
            if served is not None:
                served.stop()
