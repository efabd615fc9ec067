"""Webhook ingest: each integration package that has a ``webhook`` module with
``webhook_router(app, *, trigger)`` gets its router mounted at ``/hooks/<integration-name>``, and once more
at ``/hooks/<name>@<instance>`` (with ``instance=``) for every instance the config names. Packages
without one are skipped. ``trigger`` is :func:`ml_connector.runtime.triggers.trigger_run`: a hook requests
a targeted run through it and never runs the integration inside the request (nor imports ``runtime``)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI

from ml_connector.bootstrap import App
from ml_connector.errors import ConfigError
from ml_connector.integrations.registry import INTEGRATIONS
from ml_connector.runtime.instances import configured_instances
from ml_connector.runtime.triggers import trigger_run

log = structlog.get_logger("ml_connector.web")


def webhook_module_name(wiring_module: str) -> str:
    """``ml_connector.integrations.commerce_syspro.wiring`` -> ``ml_connector.integrations.commerce_syspro.webhook``."""
    package = wiring_module.rpartition(".")[0]
    return f"{package}.webhook"


def _find(module_name: str) -> bool:
    try:
        return importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:  # the integration package itself is missing
        return False


def mount_webhooks(web: FastAPI, app: App, integrations: Mapping[str, str] | None = None) -> list[str]:
    """Mount every webhook router found; return the mounted paths. Imported here, not at module import."""
    mounted = []
    for name, wiring in (integrations if integrations is not None else INTEGRATIONS).items():
        module_name = webhook_module_name(wiring)
        if not _find(module_name):
            continue
        module = importlib.import_module(module_name)
        factory = getattr(module, "webhook_router", None)
        if factory is None:
            continue
        parameters = inspect.signature(factory).parameters
        instances = (
            [i.key for i in configured_instances(app.settings) if i.integration == name]
            if "instance" in parameters
            else []
        )
        for key in [name, *instances]:  # the default instance, then each configured one at its own path
            options: dict[str, Any] = {"trigger": trigger_run} if "trigger" in parameters else {}
            if key != name:
                options["instance"] = key
            router = factory(app, **options)
            if not isinstance(router, APIRouter):
                raise ConfigError(
                    f"{module_name}.webhook_router must return a fastapi.APIRouter, got {type(router).__name__}."
                )
            prefix = f"/hooks/{key}"
            web.include_router(router, prefix=prefix)
            mounted.append(prefix)
            log.info("web.webhook_mounted", integration=key, path=prefix)
    return mounted
