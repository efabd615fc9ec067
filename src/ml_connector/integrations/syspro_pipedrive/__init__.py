"""SYSPRO -> Pipedrive: customers to organizations, sales orders to deals with products, stock on both."""
