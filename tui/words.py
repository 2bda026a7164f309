"""The words the TUI shows, in Swedish — the team's language (seeds/)."""

STATUS = {
    "new": "Nytt", "escalated": "Eskalerat", "open": "Öppet", "parked": "Parkerat",
    "waiting": "Väntar", "solved": "Löst", "closed": "Stängt", "archived": "Arkiverat",
}
PRIORITY = {"high": "Hög", "medium": "Medel", "low": "Låg"}
GROUPINGS = {"assignee": "Tilldelning", "status": "Status", "channel": "Kanal",
             "contact": "Kontakt"}
SORTS = {"updated": "Uppdaterad", "number": "Nummer", "title": "Titel", "status": "Status",
         "priority": "Prioritet", "channel": "Kanal", "assignee": "Tilldelad",
         "contact": "Kontakt"}
