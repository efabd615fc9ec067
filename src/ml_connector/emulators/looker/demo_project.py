"""The built-in LookML project (a SYSPRO general-ledger model) and the seeded in-memory warehouse
served when the emulator is started without ``lookml_dir`` / ``warehouse``."""

from __future__ import annotations

import random
from datetime import date, timedelta

import duckdb

DEMO_SCHEMA = "syspro"

DEMO_MODEL = """
connection: "{connection}"
label: "SYSPRO finance"
include: "*.view.lkml"

datagroup: syspro_etl {{
  label: "SYSPRO ETL load"
  sql_trigger: SELECT MAX(post_date) FROM syspro.fct_gl_posting ;;
  max_cache_age: "24 hours"
}}

persist_with: syspro_etl

explore: gl_posting {{
  label: "GL postings"
  join: gl_account {{
    sql_on: ${{gl_posting.gl_code}} = ${{gl_account.gl_code}} ;;
    relationship: many_to_one
    type: left_outer
  }}
  join: cost_centre {{
    sql_on: ${{gl_posting.cost_centre_code}} = ${{cost_centre.cost_centre_code}} ;;
    relationship: many_to_one
    type: left_outer
  }}
}}

explore: gl_account {{
  label: "GL accounts"
}}
"""

DEMO_VIEWS = """
view: gl_account {
  sql_table_name: syspro.dim_gl_account ;;
  dimension: gl_code { primary_key: yes type: string sql: ${TABLE}.gl_code ;; label: "GL Code" }
  dimension: description { type: string sql: ${TABLE}.description ;; }
  dimension: account_type { type: string sql: ${TABLE}.account_type ;; }
  measure: count { type: count }
}

view: cost_centre {
  sql_table_name: syspro.dim_cost_centre ;;
  dimension: cost_centre_code { primary_key: yes type: string sql: ${TABLE}.cost_centre_code ;; }
  dimension: name { type: string sql: ${TABLE}.name ;; }
  measure: count { type: count }
}

view: gl_posting {
  sql_table_name: syspro.fct_gl_posting ;;
  dimension: posting_id { primary_key: yes type: string sql: ${TABLE}.posting_id ;; }
  dimension: gl_code { type: string sql: ${TABLE}.gl_code ;; }
  dimension: cost_centre_code { type: string sql: ${TABLE}.cost_centre_code ;; }
  dimension_group: post {
    type: time
    datatype: date
    timeframes: [raw, date, week, month, quarter, year]
    sql: ${TABLE}.post_date ;;
  }
  dimension: amount { type: number sql: ${TABLE}.amount ;; }
  measure: total_amount { type: sum sql: ${amount} ;; value_format_name: decimal_2 }
  measure: count { type: count }
}
"""

ACCOUNTS = [
    ("10-1000", "Bank - operating", "A"),
    ("10-1200", "Accounts receivable", "A"),
    ("10-1400", "Inventory - raw materials", "A"),
    ("20-2000", "Accounts payable", "L"),
    ("40-4000", "Sales - domestic", "R"),
    ("40-4100", "Sales - export", "R"),
    ("50-5000", "Cost of sales", "E"),
    ("60-6100", "Freight", "E"),
]
COST_CENTRES = [("CC100", "Plant Johannesburg"), ("CC200", "Plant Durban"), ("CC300", "Plant Cape Town")]


def demo_files(connection: str) -> dict[str, str]:
    return {"syspro.model.lkml": DEMO_MODEL.format(connection=connection), "syspro.view.lkml": DEMO_VIEWS}


def demo_looks() -> list[dict[str, object]]:
    return [
        {
            "title": "GL balance by account",
            "model": "syspro",
            "view": "gl_posting",
            "fields": ["gl_account.gl_code", "gl_account.description", "gl_posting.total_amount"],
            "sorts": ["gl_account.gl_code"],
        },
        {
            "title": "GL postings by month",
            "model": "syspro",
            "view": "gl_posting",
            "fields": ["gl_posting.post_month", "gl_posting.total_amount", "gl_posting.count"],
            "sorts": ["gl_posting.post_month"],
        },
    ]


def fill_demo_warehouse(conn: duckdb.DuckDBPyConnection, seed: int, postings: int = 240) -> None:
    """Create and fill GL accounts, cost centres and postings (deterministic per seed)."""
    rng = random.Random(seed)
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {DEMO_SCHEMA}")
    conn.execute(
        f"CREATE TABLE {DEMO_SCHEMA}.dim_gl_account (gl_code VARCHAR PRIMARY KEY, description VARCHAR, "
        "account_type VARCHAR)"
    )
    conn.executemany(f"INSERT INTO {DEMO_SCHEMA}.dim_gl_account VALUES (?, ?, ?)", ACCOUNTS)
    conn.execute(f"CREATE TABLE {DEMO_SCHEMA}.dim_cost_centre (cost_centre_code VARCHAR PRIMARY KEY, name VARCHAR)")
    conn.executemany(f"INSERT INTO {DEMO_SCHEMA}.dim_cost_centre VALUES (?, ?)", COST_CENTRES)
    conn.execute(
        f"CREATE TABLE {DEMO_SCHEMA}.fct_gl_posting (posting_id VARCHAR PRIMARY KEY, gl_code VARCHAR, "
        "cost_centre_code VARCHAR, post_date DATE, amount DECIMAL(14,2))"
    )
    start = date(2026, 1, 1)
    rows = [
        (
            f"P{i + 1:05d}",
            rng.choice(ACCOUNTS)[0],
            rng.choice(COST_CENTRES)[0],
            start + timedelta(days=rng.randrange(90)),
            round(rng.uniform(-5000, 20000), 2),
        )
        for i in range(postings)
    ]
    # One multi-row INSERT: executemany costs ~1 ms a row in DuckDB.
    values = ", ".join(f"('{p}', '{g}', '{c}', DATE '{d.isoformat()}', {a})" for p, g, c, d, a in rows)
    conn.execute(f"INSERT INTO {DEMO_SCHEMA}.fct_gl_posting VALUES {values}")
