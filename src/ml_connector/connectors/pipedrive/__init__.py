"""Pipedrive API client (v2 wherever it exists, v1 for users/me, webhooks, merge, OAuth)."""
