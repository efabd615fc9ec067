"""Saved Looks: the ones seeded at start (pointing at queries on the served explores) and their
``LookWithQuery`` JSON shape."""

from __future__ import annotations

from typing import Any

from ml_connector.emulators.looker.errors import not_found
from ml_connector.emulators.looker.project import Project
from ml_connector.emulators.looker.shapes import API_USER_ID, iso
from ml_connector.emulators.looker.state import EmulatorState

FOLDER = {"id": "1", "name": "Shared", "parent_id": None}


def default_look_specs(project: Project) -> list[dict[str, Any]]:
    """Two Looks on the first explores: the base view's first dimension with all its measures."""
    specs: list[dict[str, Any]] = []
    for model in sorted(project.models.values(), key=lambda m: m.name):
        views = project.views_for(model)
        for explore in model.explores.values():
            view = views.get(explore.view)
            if view is None:
                continue
            dims = [f for f in view.fields.values() if f.category == "dimension" and not f.hidden]
            measures = [f for f in view.fields.values() if f.category == "measure" and not f.hidden]
            if not dims:
                continue
            first = f"{explore.name}.{dims[0].name}"
            specs.append(
                {
                    "title": f"{explore.label or explore.name} by {dims[0].label_short}",
                    "model": model.name,
                    "view": explore.name,
                    "fields": [first] + [f"{explore.name}.{m.name}" for m in measures],
                    "sorts": [first],
                }
            )
            if len(specs) == 2:
                return specs
    return specs


def seed_looks(state: EmulatorState, specs: list[dict[str, Any]]) -> None:
    created = state.clock()
    for spec in specs:
        body = {k: v for k, v in spec.items() if k not in ("title", "description")}
        query = state.save_query(body)
        look_id = state.next_id("look")
        state.looks[look_id] = {
            "id": look_id,
            "title": spec["title"],
            "description": spec.get("description"),
            "query_id": query["id"],
            "created_at": created,
        }


def get_look(state: EmulatorState, look_id: str) -> dict[str, Any]:
    look = state.looks.get(look_id)
    if look is None:
        raise not_found()
    return look


def look_json(state: EmulatorState, look: dict[str, Any]) -> dict[str, Any]:
    query = state.queries[look["query_id"]]
    base = state.options.instance_url
    return {
        "can": {"show": True, "index": True, "run": True, "copy": True, "update": True, "destroy": True},
        "content_metadata_id": look["id"],
        "id": look["id"],
        "title": look["title"],
        "user_id": API_USER_ID,
        "content_favorite_id": None,
        "created_at": iso(look["created_at"]),
        "deleted": False,
        "deleted_at": None,
        "deleter_id": None,
        "description": look["description"],
        "embed_url": f"{base}/embed/looks/{look['id']}",
        "excel_file_url": f"{base}/looks/{look['id']}.xlsx",
        "favorite_count": 0,
        "google_spreadsheet_formula": f'=IMPORTDATA("{base}/looks/{look["id"]}.csv")',
        "image_embed_url": f"{base}/looks/{look['id']}.png",
        "is_run_on_load": False,
        "last_accessed_at": None,
        "last_updater_id": API_USER_ID,
        "last_viewed_at": None,
        "model": {"id": query["model"], "label": query["model"]},
        "public": False,
        "public_slug": None,
        "public_url": None,
        "query_id": query["id"],
        "short_url": f"/x/{query['slug']}",
        "folder": {**FOLDER, "can": {}, "is_personal": False, "is_shared_root": True},
        "folder_id": FOLDER["id"],
        "updated_at": iso(look["created_at"]),
        "user_name": "ML Connector API",
        "view_count": 0,
        "usage_count": 0,
        "is_owner_disabled": False,
        "query": query,
        "url": f"/looks/{look['id']}",
    }
