"""The terminal UI and the `casedesk` command."""
