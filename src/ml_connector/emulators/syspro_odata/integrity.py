"""The referential check of the emulated company: fact values naming dimension rows that do not exist.

Seeded data is sound (the check is empty); orphans exist only when a test creates them on purpose
(``orphan_fact``, ``insert(..., allow_orphans=True)``), so a client's parking of them can be tested.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .tables import ALL_TABLES

if TYPE_CHECKING:
    from .database import CompanyDatabase

# Order-line columns that name InvMaster/InvWhControl only on stock lines (LineType 1): a non-stocked
# line (7) carries a free stock code, a freight line (4) none.
STOCK_LINE_ONLY = frozenset({"MStockCode", "MWarehouse"})


def dangling(state: CompanyDatabase) -> list[dict[str, Any]]:
    """Every dangling reference, as ``{table, column, value, missing_in, key}``. Call under the lock."""
    problems: list[dict[str, Any]] = []
    for table in ALL_TABLES:
        store = state.store(table.name)
        line_type = table.index("LineType") if table.has("LineType") else None
        for column, dim in table.references.items():
            known = {row[0] for row in state.store(dim).rows}
            i = table.index(column)
            stock_only = line_type is not None and column in STOCK_LINE_ONLY
            for row in store.rows:
                if stock_only and row[line_type] != "1":  # type: ignore[index]
                    continue
                if row[i] and row[i].strip() and row[i] not in known:
                    problems.append(
                        {
                            "table": table.name,
                            "column": column,
                            "value": row[i],
                            "missing_in": dim,
                            "key": list(store.key_of(row)),
                        }
                    )
    centres = {row[1] for row in state.store("GenAnalysisCode").rows if row[0] == "CC"}
    for row in state.store("GenMaster").rows:
        parts = row[0].split("-")
        if len(parts) == 3 and parts[2] not in centres:
            missing = {"missing_in": "GenAnalysisCode", "key": [row[0]]}
            problems.append({"table": "GenMaster", "column": "GlCode", "value": row[0], **missing})
    return problems
