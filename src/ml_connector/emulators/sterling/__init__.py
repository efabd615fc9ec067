"""IBM Sterling B2B Integrator REST API emulator (mailboxes, documents, messages, partners, routing, 997s)."""
