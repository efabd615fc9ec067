"""Custom fields by name, remembered by key; the order-status stage table; organization ids after merges.

A field is looked up once per run and kind, only when something is about to be written (an idle run
reads nothing). Its 40-hex key is stored in the mappings table (kind ``pipedrive_field``) the first time
it is found or created; later runs use the key even if someone renamed the field in Pipedrive.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import structlog

from ml_connector.connectors.pipedrive.client import PipedriveClient
from ml_connector.core.clock import Clock
from ml_connector.errors import ReferenceMissingError
from ml_connector.integrations.syspro_pipedrive.settings import (
    DEAL_FIELDS,
    ORG_FIELDS,
    PRODUCT_FIELDS,
    SysproPipedriveSettings,
)
from ml_connector.store.mappings import MappingStore

log = structlog.get_logger("ml_connector.syspro_pipedrive")
FIELD_KIND = "pipedrive_field"
MERGED_KIND = "pipedrive_merged_org"  # old organization id -> the id it was merged into (webhooks)
DECLARED = {"organization": ORG_FIELDS, "deal": DEAL_FIELDS, "product": PRODUCT_FIELDS}


class FieldKeys:
    """Logical field name -> Pipedrive key, per entity kind."""

    def __init__(
        self, client: PipedriveClient, store: MappingStore, cfg: SysproPipedriveSettings, clock: Clock, integration: str
    ) -> None:
        self.client, self.store, self.cfg, self.clock = client, store, cfg, clock
        self.integration = integration  # the instance key the remembered keys are kept under
        self._keys: dict[str, dict[str, str]] = {}
        self.created: list[str] = []
        self.read_only = False  # a dry run: find keys, never create fields or remember them

    def wanted(self, kind: str) -> dict[str, tuple[str, str]]:
        declared = DECLARED[kind]
        if kind == "organization":
            declared = {k: v for k, v in declared.items() if k in self.cfg.org_fields or k == "customer_code"}
        return {
            logical: (self.cfg.field_names.get(f"{kind}.{logical}", name), field_type)
            for logical, (name, field_type) in declared.items()
        }

    def keys(self, kind: str) -> dict[str, str]:
        if kind not in self._keys:
            self._keys[kind] = self._resolve(kind)
        return self._keys[kind]

    def _resolve(self, kind: str) -> dict[str, str]:
        fields = self.client.fields(kind)
        by_key = {f.key: f for f in fields}
        by_name = {f.name.casefold(): f for f in fields if f.custom}
        out: dict[str, str] = {}
        for logical, (name, field_type) in self.wanted(kind).items():
            remembered = self.store.get(self.integration, FIELD_KIND, f"{kind}.{logical}")
            if remembered and remembered in by_key:
                if by_key[remembered].name != name:
                    log.info("field.renamed", kind=kind, field=logical, now_called=by_key[remembered].name)
                out[logical] = remembered
                continue
            found = by_name.get(name.casefold())
            if self.read_only:
                out[logical] = found.key if found is not None else f"<new field {name!r}>"
                continue
            if found is None and not self.cfg.create_fields:
                raise ReferenceMissingError(
                    f"Pipedrive has no {kind} field called {name!r}. Create it (type {field_type}) in Pipedrive, "
                    "or set create_fields = true, then run again.",
                    reference="pipedrive_field",
                    key=f"{kind}.{logical}",
                )
            if found is None:
                found = self.client.add_field(kind, name, field_type)
                self.created.append(f"{kind}.{logical}")
                log.info("field.created", kind=kind, field=logical, name=name)
            self.store.set(self.integration, FIELD_KIND, f"{kind}.{logical}", found.key, self.clock.now())
            out[logical] = found.key
        return out

    def cost_to_resolve(self, kind: str) -> int:
        """Tokens the first write of ``kind`` in this run spends on fields (list + possible creates)."""
        return 0 if kind in self._keys else 10 + 5 * len(self.wanted(kind))


def stage_for(row: Mapping[str, Any], cfg: SysproPipedriveSettings) -> dict[str, Any]:
    """Deal status and stage from the SYSPRO order status (the table the user edits)."""
    status = row["order_status"]
    if status in cfg.lost_statuses or row["cancelled"]:
        return {"status": "lost"}
    if status in cfg.won_statuses:
        return {"status": "won"}
    return {"status": "open", "stage_id": cfg.stage_table.get(status, cfg.default_stage)}


def merged_into(store: MappingStore, integration: str, org_id: int) -> int | None:
    value = store.get(integration, MERGED_KIND, str(org_id))
    return int(value) if value else None


def remember_merge(store: MappingStore, integration: str, old: int, new: int, now: datetime) -> None:
    store.set(integration, MERGED_KIND, str(old), str(new), now)
