"""Looker API 4.0 emulator: login, queries run on a real warehouse through LookML, Looks, async query
tasks, scheduled-plan webhooks, connections, datagroups and LookML metadata (see README.md)."""

from __future__ import annotations

from ml_connector.emulators.looker.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, create_app

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "create_app"]
