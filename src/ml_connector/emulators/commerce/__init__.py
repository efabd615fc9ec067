"""Adobe Commerce (Magento 2.4) emulator: REST V1 orders, invoices, customers with searchCriteria,
OAuth 1.0a integration auth, integration token as Bearer, an Adobe IMS token endpoint and signed
webhook deliveries. Facts: docs/PROTOCOLS.md (Adobe Commerce).
"""
