"""Who may use the console: roles, password hashing, sign-in throttling, API tokens and session ids."""
