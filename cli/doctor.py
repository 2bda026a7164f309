"""`casedesk doctor`: whether a team server's set-up works, one line per check."""

from __future__ import annotations

import typer

commands = typer.Typer()
