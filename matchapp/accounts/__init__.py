"""Accounts: registration, login, profile, and the user service shared with the CLI."""
