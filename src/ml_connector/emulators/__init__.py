"""Faithful local stand-ins for the external systems (SYSPRO, QAD, Looker, Commerce, Pipedrive, Sterling).

Emulators import nothing of the product: they must not share code with the connectors they test,
or a bug on one side would hide the same bug on the other.
"""
