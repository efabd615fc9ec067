"""SYSPRO -> IBM Sterling B2B: X12 850/810/856 out, 997s back, suppliers <-> trading partners."""
