"""QAD Adaptive ERP emulator (REST: OAuth2 token, browses, business-entity journal entries)."""

from ml_connector.emulators.qad.app import DEFAULT_CLIENT_ID, DEFAULT_PASSWORD, DEFAULT_USERNAME, create_app

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_PASSWORD", "DEFAULT_USERNAME", "create_app"]
