"""SYSPRO OData v4 emulator: read-only, company-scoped entity sets over seeded manufacturing data.

``create_app`` lives in :mod:`.app`; the data and mutation API on :class:`.state.EmulatorState`.
"""
