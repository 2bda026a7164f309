"""The catalogue: each Swedish text of the TUI with its English (`ENGLISH`), and the
Swedish of what Textual itself shows in English (`TEXTUAL`). Data only: tui/words.py
says the texts in the language `use` set.
"""

from __future__ import annotations

# -- English ----------------------------------------------------------------------------

ENGLISH: dict[str, str] = {
    # read-all, the supervisor's views, presence
    "{login} — Läsläge: alla ärenden, inget kan ändras":
        "{login} — read-all: every case, nothing can be changed",
    "Agenter": "Agents",
    "Kanaler": "Channels",
    "Varje agents ärenden och arbetsyta; följ en agent":
        "Each agent's cases and workspace; follow an agent",
    "Kanalernas medlemmar: lägg till och ta bort agenter":
        "The channels' members: add and remove agents",
    "Agenter — Enter följer agentens arbetsyta": "Agents — Enter follows the agent's workspace",
    "Login": "Login",
    "Parkerade": "Parked",
    "Eskalerade": "Escalated",
    "Olästa": "Unread",
    "Stäng": "Close",
    "Kanaler — Enter eller tab till agenterna; mellanslag lägger till eller tar bort "
    "agenten under markören":
        "Channels — Enter or tab to the agents; space adds or removes the agent under the "
        "cursor",
    "Kanaler (läsläge: inget kan ändras)": "Channels (read-all: nothing can be changed)",
    "{name} ({kind}) · {count} medlemmar": "{name} ({kind}) · {count} members",
    "{login} följer arbetsytan för {agent}: {cases} ärenden, {unread} olästa (1 tillbaka)":
        "{login} follows the workspace of {agent}: {cases} cases, {unread} unread (1 goes back)",
    "  (inaktiv)": "  (deactivated)",
    "  · medlem": "  · member",
    "{login} är nu med i {channel}.": "{login} is now in {channel}.",
    "{login} är inte längre med i {channel}.": "{login} is no longer in {channel}.",
    "  (blir medlem i kanalen)": "  (joins the channel)",
    # a case's audit trail (H)
    "Händelselogg": "Audit trail",
    "#{number} · Händelselogg (nyast först)": "#{number} · Audit trail (newest first)",
    "Inga händelser.": "No events.",
    # the knowledge base's articles
    "Artiklar (ctrl+g i svaret): {titles}": "Articles (ctrl+g in the reply): {titles}",
    "Artiklar ur kunskapsbanken": "Articles of the knowledge base",
    "Artikel": "Article",
    "länk": "link",
    "texten": "the text",
    # the quick replies (5)
    "Text (svenska, eller det ni skriver på)": "Text (Swedish, or what you write in)",
    "Engelska (valfritt: till kunder som skriver engelska)":
        "English (optional: for customers who write English)",
    "Variabler: ": "Variables: ",
    "Sparat: {title}": "Saved: {title}",
    "Borttaget: {title}": "Removed: {title}",
    "Ett nytt snabbsvar.": "A new quick reply.",
    "Ett snabbsvar behöver en titel och en text.": "A quick reply needs a title and a text.",
    "Ta bort snabbsvaret {title}?": "Remove the quick reply {title}?",
    "Ta bort": "Remove",
    "Nytt snabbsvar": "New quick reply",
    "✎ {name} svarar kunden just nu": "✎ {name} is replying to the customer",
    "{name} har ärendet öppet": "{name} has the case open",
    "Skickar redan — vänta ett ögonblick.": "Already sending — a moment, please.",
    "Det du har skrivit i {cases} kunde inte sparas och försvinner om du avslutar. "
    "Avsluta ändå?": "What you wrote in {cases} could not be saved and is lost if you "
                     "quit. Quit anyway?",
    "Du har osända utkast i {cases}.": "You have unsent drafts in {cases}.",
    # statuses, priorities, groupings, sorts (the status names as the team knows them)
    "Nytt": "New", "Eskalerat": "Escalated", "Öppet": "Open", "Parkerat": "Parked",
    "Väntar": "Waiting", "Löst": "Solved", "Stängt": "Closed", "Arkiverat": "Archived",
    "Hög": "High", "Medel": "Medium", "Låg": "Low",
    "Tilldelning": "Assignee", "Status": "Status", "Kanal": "Channel", "Kontakt": "Contact",
    "Uppdaterad": "Updated", "Nummer": "Number", "Titel": "Title", "Prioritet": "Priority",
    "Tilldelad": "Assignee", "SLA": "SLA",
    # the app's keys (footer, `?`, command palette)
    "Avsluta": "Quit",
    "Alla tangenter": "All keys",
    "Sök": "Search",
    "Filter": "Filter",
    "Rensa filter": "Clear filters",
    "Kolumner": "Columns",
    "Gruppera": "Group",
    "Sortera": "Sort",
    "Svara": "Reply",
    "Intern anteckning": "Internal note",
    "Ändra status": "Change status",
    "Ta ärendet": "Take the case",
    "Tilldela": "Assign",
    "Flytta kanal": "Move channel",
    "Bevaka": "Watch",
    "Min arbetsyta": "My workspace",
    "In i/ur arbetsytan": "Into/out of the workspace",
    "Översikt": "Overview",
    "Arbetsytans inställningar": "Workspace settings",
    "Alla ärenden du får se": "Every case you may see",
    "Din egen kö: ärendena i din arbetsyta, olästa markerade ●":
        "Your own queue: the cases in your workspace, unread ones marked ●",
    "Vilka ärenden som läggs till i och tas bort ur arbetsytan":
        "Which cases are added to and removed from the workspace",
    "{login} — Min arbetsyta: {cases} ärenden, {unread} olästa":
        "{login} — My workspace: {cases} cases, {unread} unread",
    "Arbetsytans inställningar sparade.": "Workspace settings saved.",
    "Gäller det som händer från och med nu: ärenden som redan finns i arbetsytan ligger "
    "kvar tills en regel eller du (m) tar bort dem.":
        "Applies to what happens from now on: cases already in the workspace stay until a "
        "rule or you (m) take them out.",
    "Nytt ärende": "New case",
    "Ett nytt ärende: kanal, kontakt, titel och första meddelandet":
        "A new case: channel, contact, title and first message",
    "Sök en kontakt: namn, e-post eller telefon": "Find a contact: name, email or phone",
    "Namn": "Name",
    "Första meddelandet": "First message",
    "Första meddelandet är vårt till kunden (e-post: skickas)":
        "The first message is ours, to the customer (email: it is sent)",
    "Skapa": "Create",
    "Ett ärende behöver en titel och en kontakt.": "A case needs a title and a contact.",
    "Du är inte med i någon kanal att skapa ärenden i.":
        "You are in no channel to create cases in.",
    "Ärende #{number} skapat.": "Case #{number} created.",
    "Nya ärenden som läggs till": "New cases that are added",
    "Chatt": "Chat",
    "E-post": "Email",
    "Formulär": "Form",
    "Telefon": "Phone",
    "Tas bort när statusen blir": "Removed when the status becomes",
    "Ändringar av tilldelning och bevakning": "Assignment and watching",
    "Ärenden som tilldelas mig läggs till": "Cases assigned to me are added",
    "Bevakade ärenden läggs till när något nytt händer":
        "Watched cases are added when something new happens",
    "Standard": "Defaults",
    "Relaterade ärenden": "Related cases",
    "Citat": "Quotes",
    "Rensa sökning": "Clear search",
    # the command palette's help texts
    "Sök i ärenden, kunder och nummer": "Search cases, customers and numbers",
    "Välj status, kanal, tilldelad, prioritet, bevakade":
        "Choose status, channel, assignee, priority, watched",
    "Visa alla pågående ärenden": "Show every ongoing case",
    "Välj vilka kolumner listan visar": "Choose the columns the list shows",
    "Gruppera efter tilldelning, status, kanal eller kontakt":
        "Group by assignee, status, channel or contact",
    "Sortera efter en kolumn (samma kolumn igen vänder ordningen)":
        "Sort by a column (the same column again reverses the order)",
    "Svara kunden i ärendet": "Answer the customer in the case",
    "Skriv en anteckning som bara teamet ser": "Write a note that only the team sees",
    "Sätt status på ärendet": "Set the status of the case",
    "Tilldela ärendet till dig": "Assign the case to yourself",
    "Tilldela ärendet till någon": "Assign the case to someone",
    "Ändra prioritet": "Change the priority",
    "Flytta ärendet till en annan kanal": "Move the case to another channel",
    "Ändra ärendets etiketter": "Change the labels of the case",
    "Ändra ärendets titel": "Change the title of the case",
    "Bevaka eller sluta bevaka ärendet": "Watch or stop watching the case",
    "Lägg till eller ta bort ur din arbetsyta": "Add to or remove from your workspace",
    "Samma kunds ärenden; slå ihop": "The same customer's cases; merge",
    "Visa eller dölj citerad historik i kundens mejl":
        "Show or hide the quoted history in the customer's mails",
    # the overview
    "Sök ord, kundnamn, e-post, telefon, #nummer (fakt* för ordbörjan)":
        "Search words, customer name, email, phone, #number (inv*: word start)",
    "{filters}   (x rensar)": "{filters}   (x clears)",
    "Grupperat efter {grouping}": "Grouped by {grouping}",
    "Sorterat efter {sort} {arrow}": "Sorted by {sort} {arrow}",
    "Ingen gruppering": "No grouping",
    "Gruppera efter": "Group by",
    "Sortera efter (samma igen: omvänd ordning)": "Sort by (the same again: reverse order)",
    # notifications and choices
    "Anteckningen sparad på #{number}.": "Note saved on #{number}.",
    "Svaret på #{number} ligger i kö och skickas strax.":
        "The reply on #{number} is queued and goes out shortly.",
    "Svaret sparat på #{number}.": "Reply saved on #{number}.",
    "Känsliga nummer (kort, personnummer, IBAN) maskerades innan texten sparades.":
        "Sensitive numbers (cards, personnummer, IBAN) were masked before the text was saved.",
    "Öppna ett ärende först (Enter).": "Open a case first (Enter).",
    "Flytta markören till ett ärende.": "Move the cursor to a case.",
    "Skriv för att begränsa …": "Type to narrow …",
    "Nästa": "Next",
    "Föregående": "Previous",
    "i kö": "queued",
    "skickas …": "sending …",
    "skickat": "sent",
    "kunde inte skickas": "could not be sent",
    "okänt om det kom fram": "unknown whether it arrived",
    " (+{n} kolumner får inte plats)": " (+{n} columns do not fit)",
    "e-post": "email",
    "chatt": "chat",
    "telefon": "phone",
    "formulär": "form",
    "privatperson": "private",
    "ny kund": "new customer", "befintlig kund": "existing customer", "intern": "internal",
    "företag": "business",
    "standard": "standard",
    "premium": "premium",
    "autosvar": "auto-reply",
    "leveransrapport": "bounce",
    "massutskick": "bulk mail",
    "utan avsändare": "no sender",
    "vill inte ha autosvar": "asks for no auto-replies",
    "Tryck {key} för att avsluta.": "Press {key} to quit.",
    "Vill du avsluta?": "Do you want to quit?",
    "ingen tilldelad": "unassigned",
    "Inga ärenden matchar sökningen (esc rensar den).":
        "No cases match the search (esc clears it).",
    "Inga ärenden här med de här filtren (x rensar dem).":
        "No cases here with these filters (x clears them).",
    "Gå till #": "Go to #",
    "Öppna ett ärende med dess nummer (eller skriv numret här)":
        "Open a case by its number (or type the number here)",
    "Gå till ärende (nummer, Enter)": "Go to case (number, Enter)",
    "Ett ärendenummer är ett heltal, t.ex. 2940.": "A case number is a whole number, e.g. 2940.",
    "Öppna ärende #{number}": "Open case #{number}",
    "Gå till ärendet med det numret": "Go to the case with that number",
    " — u ångrar": " — u undoes it",
    "Inget att ångra.": "Nothing to undo.",
    "ångrat": "undone",
    "Ångra": "Undo",
    "Ta tillbaka det du just gjorde med en tangent (bevaka, arbetsytan)":
        "Take back what you just did with one key (watch, the workspace)",
    "Ta ärende #{number}, {title}?": "Take case #{number}, {title}?",
    "#{number} finns inte i listan: filtren eller sökningen visar det inte, eller det har "
    "ändrats sedan du öppnade det.":
        "#{number} is not in the list: the filters or the search leave it out, or it has "
        "changed since you opened it.",
    "Inget att välja här.": "Nothing to choose here.",
    "#{number} har ändrats av någon annan sedan du öppnade det, så ingenting sparades. "
    "Ladda om ärendet? Ditt utkast finns kvar.":
        "#{number} was changed by someone else since you opened it, so nothing was saved. "
        "Reload the case? Your draft is kept.",
    # a status change the lifecycle refuses, by its reason
    "Ett ärende som är {start} kan inte bli {end}. Det kan bli: {targets}.":
        "A case that is {start} cannot become {end}. It can become: {targets}.",
    "Ett ärende som är {start} kan inte bli {end}: bara schemaläggaren flyttar det vidare "
    "(till {targets}).":
        "A case that is {start} cannot become {end}: only the scheduler moves it on "
        "(to {targets}).",
    "Ett ärende som är {start} kan inte bli {end}: det är avslutat, och ett nytt svar från "
    "kunden blir ett nytt ärende.":
        "A case that is {start} cannot become {end}: it has ended, and a new reply from the "
        "customer becomes a new case.",
    "{start} → {end} nekas: en AI-agent kan inte lösa ett ärende, en människa har sista "
    "ordet.":
        "{start} → {end} refused: an AI agent cannot solve a case, a human has the last word.",
    "{start} → {end} nekas: bara schemaläggaren (efter tiden som löst) eller en "
    "supervisor stänger ett ärende.":
        "{start} → {end} refused: only the scheduler (after the solved period) or a "
        "supervisor closes a case.",
    "{start} → {end} nekas: bara schemaläggaren arkiverar, natten efter att ärendet "
    "stängdes.":
        "{start} → {end} refused: only the scheduler archives, the night after the case "
        "closed.",
    "{start} → {end} nekas: det får du inte göra.": "{start} → {end} refused: not yours to do.",
    "tilldelat dig": "assigned to you",
    "bevakas": "watched",
    "bevakas inte längre": "no longer watched",
    "lagt i din arbetsyta": "added to your workspace",
    "borttaget ur din arbetsyta": "removed from your workspace",
    "status {status}": "status {status}",
    "tilldelat {login}": "assigned to {login}",
    "prioritet {priority}": "priority {priority}",
    "flyttat till {channel}": "moved to {channel}",
    "etiketter: {labels}": "labels: {labels}",
    "titel: {title}": "title: {title}",
    "#{other} ihopslaget hit": "#{other} merged into this case",
    "Slå ihop #{other} in i #{number}? Konversationen flyttas hit och #{other} pekar hit. "
    "Det går inte att ångra.":
        "Merge #{other} into #{number}? Its conversation moves here and #{other} points "
        "here. This cannot be undone.",
    "Ingen (ta bort tilldelningen)": "Nobody (remove the assignment)",
    "Snabbsvar": "Quick replies",
    "Tidigare svar i ärendet": "Earlier replies in the case",
    "Nämn en kollega": "Mention a colleague",
    "Ny status": "New status",
    "Inget ändrat: du har öppnat ett annat ärende sedan dess.":
        "Nothing changed: you have opened another case since.",
    "Tilldela till": "Assign to",
    "Flytta till kanal": "Move to channel",
    "Skilj etiketterna med komma; ett tomt fält tar bort dem. Enter sparar, esc avbryter.":
        "Separate the labels with commas; an empty field removes them. Enter saves, esc "
        "cancels.",
    "Enter sparar, esc avbryter.": "Enter saves, esc cancels.",
    "Ett ärende behöver en titel.": "A case needs a title.",
    "Relaterade ärenden (samma kund) — välj ett att slå ihop med":
        "Related cases (same customer) — choose one to merge with",
    # the filter, the choices, the columns
    "Avbryt": "Cancel",
    "Status — ingen vald: alla utom stängda och arkiverade":
        "Status — none ticked: all but closed and archived",
    "Kanal — ingen vald: alla kanaler": "Channel — none ticked: every channel",
    "Mig": "Me",
    "Ingen": "Nobody",
    "Alla": "All",
    "Bevakade": "Watched",
    "Bara ärenden jag bevakar": "Only cases I watch",
    "Visa": "Show",
    "Status {statuses}": "Status {statuses}",
    "Alla statusar": "All statuses",
    "Kanal {channel}": "Channel {channel}",
    "Tilldelad mig": "Assigned to me",
    "Tilldelad ingen": "Unassigned",
    "Tilldelad {login}": "Assigned to {login}",
    "Prioritet {priority}": "Priority {priority}",
    "Sök “{search}”": "Search “{search}”",
    "Nej": "No",
    "Ja": "Yes",
    "Kolumner i listan": "Columns in the list",
    "Spara": "Save",
    # the case list
    "Nr": "No.",
    "Prio": "Prio",
    "Ingen tilldelad": "Unassigned",
    "Inga etiketter": "No labels",
    "Upp": "Up",
    "Ner": "Down",
    "Sida upp": "Page up",
    "Sida ner": "Page down",
    "Först": "First",
    "Sist": "Last",
    "Öppna": "Open",
    "Fäll ihop gruppen": "Fold the group",
    "Fäll ut gruppen": "Unfold the group",
    # the case and its conversation
    "Kund": "Customer",
    "AI-agent": "AI agent",
    "Svar till kunden": "Reply to the customer",
    "INTERN ANTECKNING": "INTERNAL NOTE",
    "Kundtyp": "Customer type",
    "Etiketter": "Labels",
    "Betyg": "Rating",
    "Bevakas av": "Watched by",
    "Arbetsyta": "Workspace",
    "Relaterade": "Related",
    "Sammanslaget med #{number}": "Merged into #{number}",
    "… citerad historik, {lines} rader (h visar)": "… quoted history, {lines} lines (h shows it)",
    "📎 {filename} ({size} byte)": "📎 {filename} ({size} bytes)",
    "Välj ett ärende och tryck Enter.": "Choose a case and press Enter.",
    # the composer
    "Skicka": "Send",
    "Svar/anteckning": "Reply/note",
    "Till listan": "To the list",
    "Tidigare svar": "Earlier replies",
    "Nytt meddelande": "New message",
    "Skriv här …": "Write here …",
    "ctrl+s skicka · ctrl+t svar/anteckning · ctrl+r snabbsvar · ctrl+o tidigare svar · "
    "esc listan":
        "ctrl+s send · ctrl+t reply/note · ctrl+r quick replies · ctrl+o earlier replies · "
        "esc the list",
    "Status: {status}": "Status: {status}",
    "Status: oförändrad": "Status: unchanged",
    "INTERN ANTECKNING — syns inte för kunden": "INTERNAL NOTE — not shown to the customer",
    "Skriv något först.": "Write something first.",
    "Sparad i {path}": "Saved to {path}",
    "Sparad": "Saved",
    "Skärmbild": "Screenshot",
    "Kunde inte sparas": "Could not be saved",
    "brådskande": "urgent",
    "frustrerad": "frustrated",
    "Flaggor": "Flags",
    "Flagg": "Flags",
    "Flagga": "Flag",
    "jan": "Jan", "feb": "Feb", "mar": "Mar", "apr": "Apr", "maj": "May", "jun": "Jun",
    "jul": "Jul", "aug": "Aug", "sep": "Sep", "okt": "Oct", "nov": "Nov", "dec": "Dec",
    "Det finns inget ärende #{number}.": "There is no case #{number}.",
    "Triagereglerna: {problem}": "The triage rules: {problem}",
    "Mellanslag sätter eller tar bort en etikett; Spara sparar, esc avbryter.":
        "Space sets or removes a label; Save saves, esc cancels.",
    "#{number} är {status}: ett svar till kunden blir ett nytt ärende (N). En intern "
    "anteckning (n) går bra.":
        "#{number} is {status}: a reply to the customer goes on a new case (N). An internal "
        "note (n) is fine.",
    "Ärendet är avslutat: bara interna anteckningar.":
        "The case has ended: internal notes only.",
    # the metrics screen
    "Nyckeltal": "Key figures",
    "Svarstider, lösta, backlog, SLA och nöjdhet för en period, med diagram":
        "Response times, solved, backlog, SLA and satisfaction for a period, with plots",
    "Nyckeltal {first} – {last} · {where} · {days} arbetsdagar":
        "Key figures {first} – {last} · {where} · {days} working days",
    "alla kanaler": "all channels",
    "Alla kanaler": "All channels",
    "Teamet": "Team",
    "Ärenden": "Cases",
    "Första svar, median": "First response, median",
    "Första svar, 90 %": "First response, 90 %",
    "Första svar, arbetstid": "First response, work hours",
    "Lösningstid, median": "Resolution, median",
    "Lösningstid, 90 %": "Resolution, 90 %",
    "Lösta": "Solved",
    "Lösta vid första kontakt": "Solved at first contact",
    "Återöppnade": "Reopened",
    "SLA uppfyllt": "SLA met",
    "Hanterade": "Handled",
    "Hanterade per agent och dag": "Handled per agent and day",
    "Nöjdhet (1–5)": "Satisfaction (1–5)",
    "Backlog vid periodens slut": "Backlog at the period's end",
    "Läser …": "Reading …",
    "Backlog per dag": "Backlog by day",
    "Första svar efter": "First response after",
    "Nya och lösta per dag": "New and solved by day",
    "nya": "new",
    "lösta": "solved",
    "SLA uppfyllt per vecka (%)": "SLA met by week (%)",
    "Bara teamet": "The team only",
    "Agent": "Agent",
    "Tillbaka": "Back",
    "Tidigare period": "Earlier period",
    "Senare period": "Later period",
    "Periodens längd": "Period length",
}


# -- Textual's own words, in Swedish ------------------------------------------------------

# What Textual itself shows is English: its widgets' keys (the footer, `?`), its command
# palette. Their Swedish, the one table that goes from English: `textual` says a text in
# the current language, `use` puts the keys so.
TEXTUAL: dict[str, str] = {
    # the screens and the app
    "Focus Next": "Nästa fält",
    "Focus Previous": "Föregående fält",
    "Copy selected text": "Kopiera markerad text",
    "Quit": "Avsluta",
    "Quit the app and return to the command prompt.":
        "Avsluta programmet och gå tillbaka till kommandoraden.",
    "palette": "kommandon",
    "Open the command palette": "Öppna kommandopaletten",
    # scrolling
    "Scroll Up": "Rulla upp",
    "Scroll Down": "Rulla ner",
    "Scroll Left": "Rulla vänster",
    "Scroll Right": "Rulla höger",
    "Scroll Home": "Rulla till början",
    "Scroll End": "Rulla till slutet",
    "Page Up": "Sida upp",
    "Page Down": "Sida ner",
    "Page Left": "Sida vänster",
    "Page Right": "Sida höger",
    # a text field
    "Input": "Textfält",
    "Move cursor left": "Markören vänster",
    "Move cursor left and select": "Markera vänster",
    "Move cursor left a word": "Markören ett ord vänster",
    "Move cursor left a word and select": "Markera ett ord vänster",
    "Move cursor right or accept the completion suggestion":
        "Markören höger eller ta förslaget",
    "Move cursor right and select": "Markera höger",
    "Move cursor right a word": "Markören ett ord höger",
    "Move cursor right a word and select": "Markera ett ord höger",
    "Go to start": "Till början",
    "Go to end": "Till slutet",
    "Select line start": "Markera till radens början",
    "Select line end": "Markera till radens slut",
    "Delete character left": "Radera tecknet till vänster",
    "Delete character right": "Radera tecknet till höger",
    "Delete left to start of word": "Radera till ordets början",
    "Delete right to start of word": "Radera till nästa ords början",
    "Delete all to the left": "Radera allt till vänster",
    "Delete all to the right": "Radera allt till höger",
    "Cut selected text": "Klipp ut markerad text",
    "Paste text from the clipboard": "Klistra in från urklipp",
    "Select all": "Markera allt",
    "Submit": "Bekräfta",
    # a text area (the composer)
    "Cursor up": "Markören upp",
    "Cursor down": "Markören ner",
    "Cursor left": "Markören vänster",
    "Cursor right": "Markören höger",
    "Cursor word left": "Markören ett ord vänster",
    "Cursor word right": "Markören ett ord höger",
    "Cursor line start": "Markören till radens början",
    "Cursor line end": "Markören till radens slut",
    "Cursor page up": "Markören en sida upp",
    "Cursor page down": "Markören en sida ner",
    "Cursor up select": "Markera uppåt",
    "Cursor down select": "Markera nedåt",
    "Cursor left select": "Markera vänster",
    "Cursor right select": "Markera höger",
    "Cursor left word select": "Markera ett ord vänster",
    "Cursor right word select": "Markera ett ord höger",
    "Cursor line start select": "Markera till radens början",
    "Cursor line end select": "Markera till radens slut",
    "Select line": "Markera raden",
    "Delete line": "Radera raden",
    "Delete to line start": "Radera till radens början",
    "Delete to line end": "Radera till radens slut",
    "Undo": "Ångra",
    "Redo": "Gör om",
    "Copy": "Kopiera",
    "Cut": "Klipp ut",
    "Paste": "Klistra in",
    # lists, tables, menus, buttons, check boxes
    "Up": "Upp",
    "Down": "Ner",
    "First": "Först",
    "Last": "Sist",
    "Top": "Överst",
    "Bottom": "Nederst",
    "Home": "Början",
    "End": "Slutet",
    "Page up": "Sida upp",
    "Page down": "Sida ner",
    "Select": "Välj",
    "Toggle option": "Välj eller välj bort",
    "Show menu": "Visa menyn",
    "Dismiss menu": "Stäng menyn",
    "Press button": "Tryck på knappen",
    "Toggle": "Kryssa i eller ur",
    "Next option": "Nästa alternativ",
    "Previous option": "Föregående alternativ",
    "Next tab": "Nästa flik",
    "Previous tab": "Föregående flik",
    "Open link": "Öppna länken",
    "Collapsible": "Hopfällbar",
    "Toggle collapsible": "Fäll ut eller ihop",
    "Cursor Up": "Markören upp",
    "Cursor Down": "Markören ner",
    "Cursor to parent": "Till föräldern",
    "Cursor to next sibling": "Till nästa syskon",
    "Cursor to previous sibling": "Till föregående syskon",
    "Cursor to next ancestor": "Till nästa förälders syskon",
    "Expand or collapse all": "Fäll ut eller ihop allt",
    "Variables": "Variabler",
    "Spans": "Spann",
    # the command palette: its keys, its search box, Textual's commands in it
    "Exit the command palette": "Stäng kommandopaletten",
    "Next command": "Nästa kommando",
    "Previous command": "Föregående kommando",
    "Next page": "Nästa sida",
    "Previous page": "Föregående sida",
    "Go to top": "Till början",
    "Go to bottom": "Till slutet",
    "Search for commands…": "Sök kommandon …",
    "Search for themes…": "Sök färgteman …",
    "No matches found": "Inget hittades",
    "Theme": "Färgtema",
    "Change the current theme": "Byt färgtema",
    "Quit the application as soon as possible": "Avsluta programmet så snart som möjligt",
    "Keys": "Tangenter",
    "Show help for the focused widget and a summary of available keys":
        "Visa alla tangenter och hjälpen för fältet i fokus",
    "Hide the keys and widget help panel": "Dölj tangenterna och hjälpen",
    "Maximize": "Maximera",
    "Maximize the focused widget": "Maximera fältet i fokus",
    "Minimize": "Återställ",
    "Minimize the widget and restore to normal size": "Återställ fältet till normal storlek",
    "Screenshot": "Skärmbild",
    "Save an SVG 'screenshot' of the current screen": "Spara en skärmbild (SVG) av skärmen",
}
