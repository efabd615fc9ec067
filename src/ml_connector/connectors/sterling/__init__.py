"""IBM Sterling B2B Integrator REST connector: mailboxes, messages, trading partners, routing channels."""

from ml_connector.connectors.sterling.client import SterlingB2BClient
from ml_connector.connectors.sterling.models import Mailbox, MailboxItem, MailboxMessage, RoutingChannel
from ml_connector.connectors.sterling.options import SterlingOptions, UploadMode
from ml_connector.connectors.sterling.partners import SupplierContact, TradingPartner

__all__ = [
    "Mailbox",
    "MailboxItem",
    "MailboxMessage",
    "RoutingChannel",
    "SterlingB2BClient",
    "SterlingOptions",
    "SupplierContact",
    "TradingPartner",
    "UploadMode",
]
