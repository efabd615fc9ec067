"""ml-connector: keeps an ERP and the systems around it in sync."""

__version__ = "0.1.0"
