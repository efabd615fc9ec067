"""SYSPRO -> warehouse read by Looker."""
