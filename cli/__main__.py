"""`python -m cli`: the `casedesk` command (the TUI starts its daemon this way)."""

from cli.main import main

if __name__ == "__main__":
    main()
