"""The words the TUI shows, in Swedish — the team's language (seeds/)."""

STATUS = {
    "new": "Nytt", "escalated": "Eskalerat", "open": "Öppet", "parked": "Parkerat",
    "waiting": "Väntar", "solved": "Löst", "closed": "Stängt", "archived": "Arkiverat",
}
PRIORITY = {"high": "Hög", "medium": "Medel", "low": "Låg"}
