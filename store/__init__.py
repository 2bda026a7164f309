"""The case store: tables, the domain rules (lifecycle, permissions, workspaces,
audit) and the service the TUI, CLI, poller and scheduler all call. Imports none
of the other casedesk packages."""
