"""SYSPRO e.net Solutions (REST): session, business objects, value rules, queries."""

from ml_connector.connectors.syspro.enet.client import SysproEnetClient

__all__ = ["SysproEnetClient"]
