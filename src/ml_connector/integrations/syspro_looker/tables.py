"""The warehouse tables of SYSPRO -> Looker: four dimensions, four facts, every row with its metadata."""

from __future__ import annotations

from ml_connector.connectors.warehouse.tables import Column, WarehouseTable


def _cols(*spec: str) -> tuple[Column, ...]:
    return tuple(Column(*item.split(":")) for item in spec)


TABLES: dict[str, WarehouseTable] = {
    t.name: t
    for t in (
        WarehouseTable(
            "dim_gl_account",
            _cols(
                "gl_code:text",
                "description:text",
                "account_type:text",
                "gl_group:text",
                "company:text",
                "account:text",
                "cost_center:text",
            ),
            ("gl_code",),
        ),
        WarehouseTable(
            "dim_cost_center", _cols("cost_center:text", "description:text", "category:text"), ("cost_center",)
        ),
        WarehouseTable(
            "dim_supplier",
            _cols(
                "supplier:text",
                "name:text",
                "currency:text",
                "on_hold:text",
                "branch:text",
                "terms_code:text",
                "city:text",
                "postal_code:text",
                "country:text",
            ),
            ("supplier",),
        ),
        WarehouseTable("dim_warehouse", _cols("warehouse:text", "description:text"), ("warehouse",)),
        WarehouseTable(
            "fct_gl_posting",
            _cols(
                "posting_id:text",
                "gl_year:int",
                "gl_period:int",
                "journal:int",
                "entry_number:int",
                "gl_code:text",
                "cost_center:text",
                "posting_date:date",
                "amount:money",
                "reference:text",
                "comment:text",
                "source:text",
            ),
            ("posting_id",),
            (("gl_code", "dim_gl_account", "gl_code"), ("cost_center", "dim_cost_center", "cost_center")),
        ),
        WarehouseTable(
            "fct_ap_invoice",
            _cols(
                "invoice_id:text",
                "supplier:text",
                "invoice:text",
                "invoice_date:date",
                "due_date:date",
                "currency:text",
                "amount:money",
                "balance:money",
                "status:text",
                "branch:text",
            ),
            ("invoice_id",),
            (("supplier", "dim_supplier", "supplier"),),
        ),
        WarehouseTable(
            "fct_ar_invoice",
            _cols(
                "invoice_id:text",
                "customer:text",
                "invoice:text",
                "document_type:text",
                "invoice_date:date",
                "sales_order:text",
                "customer_po:text",
                "branch:text",
                "amount:money",
                "balance:money",
                "tax:money",
            ),
            ("invoice_id",),
        ),
        WarehouseTable(
            "fct_inventory_balance",
            _cols(
                "balance_id:text",
                "stock_code:text",
                "warehouse:text",
                "qty_on_hand:quantity",
                "qty_allocated:quantity",
                "qty_on_order:quantity",
                "unit_cost:money",
                "stock_value:money",
            ),
            ("balance_id",),
            (("warehouse", "dim_warehouse", "warehouse"),),
        ),
    )
}
