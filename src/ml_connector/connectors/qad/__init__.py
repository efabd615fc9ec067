"""QAD Adaptive ERP REST connector: OAuth2 password grant, browses, business-entity journal entries."""
