"""SYSPRO OData v4: the client and the run-loop source over it."""
