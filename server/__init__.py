"""The team server: agents' SSH keys as identities (authorized_keys), what a forced
command lets a key run, and the checks of `casedesk doctor`. Imports no TUI."""
