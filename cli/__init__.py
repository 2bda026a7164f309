"""The `casedesk` command: every package wired together, for people and scripts alike.

`main` holds the typer app and the error handler; the commands live by what they are
about (`cases`, `mail`, `admin`, `scheduler`), the case overview and what it runs
in its own threads in `overview`, the config and database wiring in `config` and `context`.
"""
