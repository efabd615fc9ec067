"""Pipedrive API emulator (v1 + v2 + OAuth host): see README.md."""
