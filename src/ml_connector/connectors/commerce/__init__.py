"""Adobe Commerce (Magento 2.4 / Commerce as a Cloud Service) connector: REST V1 orders, invoices and
customers, OAuth 1.0a / integration Bearer / Adobe IMS auth, and webhook verification. See README.md.
"""

from ml_connector.connectors.commerce.client import CommerceClient, render_commerce_message
from ml_connector.connectors.commerce.models import Customer, CustomerDraft, Invoice, Order, OrderItem, Page
from ml_connector.connectors.commerce.webhooks import CommerceWebhookEvent, verify_webhook

__all__ = [
    "CommerceClient",
    "CommerceWebhookEvent",
    "Customer",
    "CustomerDraft",
    "Invoice",
    "Order",
    "OrderItem",
    "Page",
    "render_commerce_message",
    "verify_webhook",
]
