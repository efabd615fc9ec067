"""The ``[commerce-syspro]`` config table, validated. Defaults make `make demo` work."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ml_connector.errors import ConfigError


class CommerceSysproSettings(BaseModel):
    commerce_connection: str = "commerce"
    syspro_connection: str = "syspro-enet"
    commerce_auth: Literal["oauth1", "bearer", "ims"] = "oauth1"
    # Which streams run (customers both ways can be switched off separately).
    customers_to_syspro: bool = True
    customers_to_commerce: bool = True
    # Incremental reads of Commerce (updated_at, UTC whole seconds).
    lookback_s: int = Field(600, ge=0)  # re-read this much before the cursor (late commits)
    lag_s: int = Field(5, ge=0)  # leave the last seconds for the next poll (rows still being written)
    page_size: int = Field(300, ge=1, le=300)
    # What goes into SYSPRO.
    po_prefix: str = ""  # CustomerPoNumber = po_prefix + increment_id (<= 30 characters)
    journal_prefix: str = "WEB"  # JournalReference = journal_prefix + increment_id (<= 30 characters)
    posting_period: Literal["order_date", "run_date"] = "order_date"
    non_stocked_product_class: str = ""  # NProductClass on order lines ("" = SYSPRO default)
    customer_code_prefix: str = "WEB"  # code for a Commerce customer with no code: prefix + id (6 digits)
    commerce_website_id: int = 2  # where SYSPRO customers are created in Commerce (B2B website)
    # After the order (docs/COMMERCE_REFUNDS.md has the accounting consequences of each choice).
    posting_trigger: Literal["order_placed", "invoice_created"] = "order_placed"  # when revenue is journaled
    invoice_journal_prefix: str = "WIN"  # JournalReference of an invoice's journal (trigger invoice_created)
    refunds: bool = True  # credit memos -> reversing journals in SYSPRO
    refund_journal_prefix: str = "WCM"  # JournalReference = prefix + credit memo increment id
    # Lines returned to stock: listed for the warehouse, a SYSPRO credit note against the sales order, or nothing.
    restock: Literal["flag", "credit_note", "off"] = "flag"
    credit_note_po_prefix: str = "CN"  # CustomerPoNumber of a credit note = prefix + credit memo increment id
    cancel_after_post: Literal["review", "reverse"] = "review"  # review: flag only (changed_after_post)
    cancel_journal_prefix: str = "WCX"  # JournalReference of the reversal of a cancelled order


def load(raw: dict[str, object]) -> CommerceSysproSettings:
    try:
        return CommerceSysproSettings.model_validate(raw)
    except ValueError as exc:
        raise ConfigError(f"[commerce-syspro] in the config is invalid:\n{exc}") from None
