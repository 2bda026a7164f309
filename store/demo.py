"""A demo database: a Swedish support team's last eight weeks, made up.

`build_demo` fills an empty, upgraded database with agents, channels, contacts and
cases with whole conversations — what a new user sees first, so it has to look
like a real team's work: Swedish and English customers, invoices and logins and
late deliveries, internal notes with @mentions, AI hand-overs, every status in
the proportions a working team has (the old cases closed and archived, the new
ones waiting for someone).

It is built for speed, not through `CaseService`: every row is made in Python
from templates and one `random.Random(seed)`, ids are assigned here, and the rows
go in with the DBAPI's `executemany` on a private connection, one transaction per
batch of cases; the search index is rebuilt once at the end, then ANALYZE. A
million cases (8.7 million lines of conversation) take about two and a half minutes.

Each case's conversation has 1–8 lines (customer, reply, note, AI) plus the system
events the service itself would have written (assignment, every status change,
the scheduler's closing and archiving).

Safety: the made-up people's addresses are under the reserved `.example` domains
(RFC 2606), so a demo reply that reaches a real outbox cannot mail anyone.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store import search
from store.db import Database
from store.errors import InvalidInput
from store.models import Agent, Case, Channel, Setting
from store.permissions import check_login

_T = TypeVar("_T")

DAY = 86_400
HOUR = 3_600
SPAN_DAYS = 56  # how far back the cases go
SOLVED_DAYS = 7  # a solved case closes after this many days (the lifecycle's default)
MAX_BATCH = 10_000
# The made-up company: Nordljus, smart lighting with an app and a subscription.
DOMAIN = "nordljus.example"


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo` made."""

    cases: int
    messages: int
    contacts: int
    agents: int
    channels: int


# -- the team --------------------------------------------------------------------------

# (login, name, supervisor, active, channels)
_AGENTS: tuple[tuple[str, str, bool, bool, tuple[str, ...]], ...] = (
    ("anna", "Anna Lindqvist", True, True, ("Support", "Fakturor")),
    ("bo", "Bo Ekström", False, True, ("Support", "Telefon", "Kontaktformulär")),
    ("carin", "Carin Sjöberg", False, True, ("Fakturor", "Support")),
    ("david", "David Nilsson", False, True, ("Webbchatt", "Telefon", "Support")),
    ("elin", "Elin Johansson", False, True, ("Support", "Webbchatt", "Kontaktformulär")),
    ("farid", "Farid Haddad", False, True, ("Telefon", "Webbchatt", "Fakturor")),
    ("greta", "Greta Holm", True, True, ("Fakturor", "Kontaktformulär", "Webbchatt")),
    ("hugo", "Hugo Berglund", False, True,
     ("Webbchatt", "Telefon", "Kontaktformulär", "Support")),
    # Left the team a month ago: her old cases are still hers.
    ("ingrid", "Ingrid Wallin", False, False, ("Support", "Fakturor")),
)
# How much of the work each kind of agent takes.
_SHARE_AGENT, _SHARE_SUPERVISOR, _SHARE_YOU = 1.0, 0.35, 0.3

# (name, kind, address, share of the cases)
_CHANNELS: tuple[tuple[str, str, str, float], ...] = (
    ("Support", "email", f"support@{DOMAIN}", 0.32),
    ("Fakturor", "email", f"faktura@{DOMAIN}", 0.14),
    ("Webbchatt", "chat", "", 0.27),
    # A number set aside by PTS for fiction.
    ("Telefon", "phone", "+46 8 465 004 00", 0.14),
    ("Kontaktformulär", "form", f"https://{DOMAIN}/kontakt", 0.13),
)

# -- the customers -----------------------------------------------------------------------

_SV_FIRST = (
    "Anna", "Maria", "Karin", "Sara", "Emma", "Elin", "Ida", "Johanna", "Linnea", "Sofia",
    "Malin", "Hanna", "Lena", "Eva", "Kristina", "Camilla", "Frida", "Louise", "Ebba", "Maja",
    "Astrid", "Ingrid", "Agneta", "Birgitta", "Ulla", "Jenny", "Therese", "Matilda", "Alva",
    "Klara", "Amira", "Leila", "Fatima", "Yasmin", "Aino", "Erik", "Lars", "Karl", "Johan",
    "Anders", "Per", "Mikael", "Nils", "Magnus", "Oskar", "Gustav", "Axel", "Jonas", "Henrik",
    "Fredrik", "Mats", "Björn", "Peter", "Daniel", "Viktor", "Emil", "Linus", "Olle", "Sven",
    "Göran", "Ali", "Mohammed", "Ahmed", "Omar", "Hassan", "Jukka", "Tomas", "Stefan", "Åsa",
    "Örjan",
)
_SV_LAST = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Jönsson", "Lindberg", "Lindström", "Lindqvist", "Lindgren", "Berg",
    "Bergström", "Lundberg", "Lundgren", "Lundqvist", "Mattsson", "Berglund", "Fredriksson",
    "Sandberg", "Henriksson", "Forsberg", "Sjöberg", "Wallin", "Engström", "Eklund",
    "Danielsson", "Håkansson", "Lundin", "Björk", "Holm", "Nyström", "Åberg", "Öberg",
    "Söderberg", "Yilmaz", "Nguyen", "Korhonen", "Virtanen", "Ahmadi", "Haddad", "Kaya",
    "Novak", "Dahl", "Strand", "Hedlund", "Falk",
)
_EN_FIRST = (
    "James", "Oliver", "Harry", "George", "Jack", "Thomas", "Daniel", "Michael", "David",
    "Ryan", "Olivia", "Emily", "Sophie", "Charlotte", "Jessica", "Hannah", "Laura", "Chloe",
    "Rachel", "Megan", "Priya", "Raj", "Lucas", "Mia", "Noah", "Liam", "Ella", "Grace", "Sam",
    "Kate",
)
_EN_LAST = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Murphy", "O'Brien", "Kelly", "Miller", "Anderson", "Martin",
    "Garcia", "Fischer", "Rossi",
)
# Companies: a name, a line of business and (in Sweden) often a town.
_SV_COMPANY_NAMES = (
    "Bergs", "Ekens", "Solbacka", "Kustens", "Stads", "Fjäll", "Sjöglimt", "Skogs", "Ängs",
    "Norrskens", "Lindqvists", "Åkerlunds", "Hamn", "Tornets", "Vega", "Lyktans", "Kanel",
    "Granens", "Björkens", "Strand", "Bryggans", "Ljungby", "Västkust", "Mälar",
)
_SV_COMPANY_KINDS = (
    "Bygg AB", "Redovisning AB", "Café", "Tandvård", "Fastigheter AB", "Konsult AB",
    "Elservice AB", "Frisör", "Bageri", "Hotell", "Förskola", "Trädgård AB", "Bil AB",
    "Måleri AB", "VVS AB", "Städ AB", "Event AB", "Advokatbyrå", "Optik", "Blommor",
)
_SV_TOWNS = ("", "", "", "i Uppsala", "i Malmö", "i Umeå", "i Visby", "i Lund", "i Örebro",
             "i Gävle", "i Borås", "i Växjö", "i Luleå", "i Norrköping", "i Karlstad")
_EN_COMPANY_NAMES = ("Harbour", "Brightside", "Oakfield", "Northgate", "Kestrel",
                     "Maple Lane", "Bluewater", "Riverside", "Greenway", "Silverline")
_EN_COMPANY_KINDS = ("Design Ltd", "Studios", "Consulting", "Hotels", "Logistics", "Dental",
                     "Cafés", "Architects", "Media Ltd", "Property Ltd")
_PRIVATE_DOMAINS = ("example.com", "example.net", "example.org", "mail.example")
_PRODUCTS_SV = (
    "taklampan Aurora", "smartpluggen Mini", "Nordljus Hub", "ljuslisten 2 m",
    "rörelsesensorn Vaken", "bordslampan Glimt", "dimmern Skymning", "startpaketet Hem",
    "utomhusspotten Fyr", "Nordljus Plus-abonnemanget",
)
_PRODUCTS_EN = (
    "the Aurora ceiling lamp", "the Mini smart plug", "the Nordljus Hub",
    "the 2 m light strip", "the Vaken motion sensor", "the Glimt table lamp",
    "the Skymning dimmer", "the Home starter kit", "the Fyr outdoor spotlight",
    "my Nordljus Plus subscription",
)
_PRICES = (149, 199, 249, 299, 349, 399, 499, 549, 649, 799, 899, 1_199, 1_249, 1_490,
           1_995, 2_390, 2_990, 3_450, 4_990, 7_850, 12_400)
_MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
              "september", "oktober", "november", "december")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


# -- what the cases are about --------------------------------------------------------------
#
# Placeholders: {first} {name} {company} {email} {phone} (the customer), {agent} (the
# agent writing), {mlogin} (a mentioned colleague), {order} {invoice} {amount} {date}
# {product} {case} {prev} {bug} {dur} {summary}.


@dataclass(frozen=True)
class _Words:
    """One topic in one language."""

    titles: tuple[str, ...]
    short: tuple[str, ...]  # the problem in a sentence (chat, phone)
    long: tuple[str, ...]  # the problem in a paragraph (mail, form)
    ask: tuple[str, ...]  # the agent asks for what they need
    info: tuple[str, ...]  # the customer answers
    fix: tuple[str, ...]  # the agent's solution
    summary: str  # the AI agent's summary (a sentence)


@dataclass(frozen=True)
class _Topic:
    key: str
    labels: tuple[str, ...]
    priority: str
    where: dict[str, float]  # channel name -> weight
    sv: _Words
    en: _Words
    notes: tuple[str, ...]  # internal notes (Swedish)
    business: bool = False  # only for business customers


_TOPICS: tuple[_Topic, ...] = (
    _Topic(
        "invoice-amount", ("faktura",), "medium",
        {"Fakturor": 5, "Support": 1, "Telefon": 1, "Webbchatt": 0.5, "Kontaktformulär": 0.5},
        _Words(
            ("Fel belopp på faktura {invoice}", "Fakturan stämmer inte",
             "Faktura {invoice} – för högt belopp", "Fråga om faktura {invoice}"),
            ("Jag har fått en faktura på {amount} men min beställning var billigare.",
             "Fakturan {invoice} har fel belopp, kan ni kolla?"),
            ("Jag har fått faktura {invoice} på {amount}, men enligt orderbekräftelsen för "
             "order {order} skulle det bli lägre eftersom jag hade en rabattkod. Kan ni titta "
             "på det och skicka en rättad faktura?",
             "På faktura {invoice} står det {amount}, men {product} var på kampanj när jag "
             "beställde. Det ser ut som att kampanjpriset inte har dragits av.",
             "Vi har fått faktura {invoice} på {amount}. Fraktavgiften står med två gånger, "
             "fast allt levererades i samma paket."),
            ("Tack för att du hör av dig! Kan du skicka rabattkoden du använde, eller en "
             "skärmdump av orderbekräftelsen, så kontrollerar jag beloppet?",
             "Jag tittar gärna på det. Vilket ordernummer gäller det? Det står i "
             "orderbekräftelsen som du fick via mejl."),
            ("Ordernumret är {order}. Jag bifogar orderbekräftelsen.",
             "Rabattkoden var VÅR20, den syns längst ner på kvittot.",
             "Det gäller order {order}, jag beställde den {date}."),
            ("Du har helt rätt – rabatten hade inte dragits. Jag har krediterat faktura "
             "{invoice} och du får en ny faktura med rätt belopp inom ett par dagar. "
             "Förfallodatumet flyttas fram 14 dagar, så du behöver inte betala den gamla.",
             "Jag har rättat fakturan: den dubbla fraktavgiften är borttagen och en ny "
             "faktura är skickad till {email}. Ursäkta krånglet!"),
            "Kunden anser att faktura {invoice} har fel belopp ({amount}).",
        ),
        _Words(
            ("Wrong amount on invoice {invoice}", "Invoice {invoice} does not match my order",
             "Question about invoice {invoice}"),
            ("I got an invoice for {amount} but my order was cheaper.",
             "Invoice {invoice} has the wrong amount, can you check?"),
            ("I received invoice {invoice} for {amount}, but according to the order "
             "confirmation for order {order} it should be lower since I used a discount "
             "code. Could you look into it and send a corrected invoice?",
             "Invoice {invoice} says {amount}, but {product} was on sale when I ordered. It "
             "looks like the sale price was not applied."),
            ("Thanks for getting in touch! Could you send me the discount code you used, or "
             "a screenshot of the order confirmation, and I will check the amount?",
             "Happy to look into it. Which order number is it? You will find it in the order "
             "confirmation we emailed you."),
            ("The order number is {order}. I've attached the confirmation.",
             "The code was SPRING20, it's at the bottom of the receipt."),
            ("You are absolutely right – the discount was not applied. I have credited "
             "invoice {invoice} and you will receive a corrected invoice within a couple of "
             "days. The due date moves 14 days, so please ignore the old one.",
             "I have corrected the invoice and sent a new one to {email}. Sorry for the "
             "trouble!"),
            "The customer says invoice {invoice} has the wrong amount ({amount}).",
        ),
        ("Kollat i ekonomisystemet: rabatten föll bort vid delleveransen. Kreditering gjord.",
         "@{mlogin} kan du godkänna en kreditering på {amount}? Den är över min beloppsgräns.",
         "Samma fel som förra veckan med kampanjpriset – vi borde lägga en rad om det i "
         "snabbsvaren."),
    ),
    _Topic(
        "invoice-copy", ("faktura",), "low",
        {"Fakturor": 4, "Support": 0.7, "Webbchatt": 0.7, "Kontaktformulär": 0.5},
        _Words(
            ("Kopia på faktura", "Fakturakopia för order {order}", "Behöver kvitto",
             "Var hittar jag min faktura?"),
            ("Kan jag få en kopia på fakturan för order {order}?",
             "Jag hittar inte min faktura, kan ni skicka den igen?"),
            ("Jag behöver en kopia på fakturan för order {order} till min arbetsgivare. Kan "
             "ni skicka den som PDF?",
             "Fakturan för {product} har försvunnit i min inkorg. Kan ni skicka den igen, "
             "gärna med momsen specificerad?"),
            ("Visst! Vill du ha den till {email}, eller till en annan adress?",
             "Det ordnar jag. Gäller det order {order} från {date}?"),
            ("Ja, till samma adress går bra.", "Ja, det är den. Tack!"),
            ("Nu har jag skickat fakturakopian som PDF till {email}. Du hittar också alla "
             "fakturor under Mina sidor → Köp.",
             "Fakturan är skickad igen, med momsen specificerad. Hör av dig om något saknas!"),
            "Kunden vill ha en kopia på fakturan för order {order}.",
        ),
        _Words(
            ("Copy of invoice", "Invoice copy for order {order}", "Need a receipt"),
            ("Can I get a copy of the invoice for order {order}?",
             "I can't find my invoice, could you send it again?"),
            ("I need a copy of the invoice for order {order} for my employer. Could you send "
             "it as a PDF?",
             "The invoice for {product} got lost in my inbox. Could you resend it, with the "
             "VAT shown separately?"),
            ("Of course! Should it go to {email}, or to a different address?",
             "I'll sort that out. Is it order {order} from {date}?"),
            ("Yes, the same address is fine.", "Yes, that's the one. Thanks!"),
            ("I have emailed the invoice copy as a PDF to {email}. You can also find all "
             "invoices under My pages → Orders.",
             "The invoice has been resent with the VAT shown separately. Let me know if "
             "anything is missing!"),
            "The customer wants a copy of the invoice for order {order}.",
        ),
        ("Skickat kopia från ekonomisystemet.",
         "Kunden hittade inte Mina sidor – tipsade om länken."),
    ),
    _Topic(
        "double-charge", ("betalning",), "high",
        {"Fakturor": 3, "Support": 1, "Telefon": 1.5, "Webbchatt": 1},
        _Words(
            ("Dragit pengar två gånger!", "Dubbeldebitering på kortet",
             "Betalningen gick inte igenom men pengarna är dragna",
             "Fel dragning för order {order}"),
            ("Ni har dragit {amount} två gånger från mitt kort!",
             "Betalningen misslyckades men pengarna är ändå dragna från kontot."),
            ("Jag beställde {product} i går och betalade med kort. Nu ser jag att {amount} har "
             "dragits två gånger från mitt konto. Jag vill ha tillbaka den ena dragningen så "
             "snart som möjligt.",
             "När jag skulle betala order {order} fick jag ett felmeddelande i kassan, men "
             "{amount} är ändå draget från mitt konto. Är ordern lagd eller inte?"),
            ("Förlåt för besväret! Kan du berätta de fyra sista siffrorna på kortet och vilket "
             "datum dragningarna gjordes, så letar jag upp dem hos betalleverantören?",
             "Jag förstår att det är oroande. Kan du skicka en skärmdump från banken där båda "
             "dragningarna syns? Dölj gärna kortnumret."),
            ("Kortet slutar på 4417, båda dragningarna är från {date}.",
             "Här är skärmdumpen från banken. Det är två dragningar på {amount}."),
            ("Jag har hittat den dubbla dragningen och återbetalat {amount}. Pengarna syns på "
             "ditt konto inom 3–5 bankdagar. Ordern {order} är lagd och skickas som vanligt.",
             "Den andra dragningen var en reservation som aldrig genomfördes – den släpps "
             "automatiskt av banken inom några dagar. Ordern {order} är betald och på väg."),
            "Kunden har blivit dragen två gånger ({amount}) för order {order}.",
        ),
        _Words(
            ("Charged twice!", "Double charge on my card", "Payment failed but money was taken"),
            ("You charged my card {amount} twice!",
             "The payment failed but the money has still been taken from my account."),
            ("I ordered {product} yesterday and paid by card. Now I can see that {amount} has "
             "been charged twice. I want one of the charges refunded as soon as possible.",
             "When I tried to pay for order {order} I got an error at checkout, but {amount} "
             "has still been taken from my account. Has the order gone through or not?"),
            ("Sorry for the trouble! Could you tell me the last four digits of the card and "
             "the date of the charges, so I can find them with our payment provider?",
             "I understand this is worrying. Could you send a screenshot from your bank showing "
             "both charges? Please hide the card number."),
            ("The card ends in 4417, both charges are from {date}.",
             "Here's the screenshot from my bank, two charges of {amount}."),
            ("I found the double charge and refunded {amount}. It will show on your account "
             "within 3–5 business days. Order {order} is placed and ships as usual.",
             "The second charge was an authorisation that never went through – your bank will "
             "release it within a few days. Order {order} is paid and on its way."),
            "The customer was charged twice ({amount}) for order {order}.",
        ),
        ("@{mlogin} kan du kolla i Klarna-portalen? Jag ser bara en dragning hos oss.",
         "Betalleverantören bekräftar dubbel auktorisering, återbetalning gjord.",
         "Tredje dubbeldragningen i dag – har kassan problem igen?"),
    ),
    _Topic(
        "e-invoice", ("faktura", "e-faktura"), "medium",
        {"Fakturor": 2.5, "Support": 0.4},
        _Words(
            ("E-faktura till {company}", "Fakturaadress och referens saknas",
             "Vi vill ha fakturor via Peppol", "Fel referens på faktura {invoice}"),
            ("Vi vill ha våra fakturor som e-faktura i stället för PDF.",
             "Fakturan {invoice} saknar vår referens, den kommer att avvisas."),
            ("Från och med nästa månad tar {company} bara emot e-faktura via Peppol. Kan ni "
             "ändra så att våra fakturor skickas dit? Vårt Peppol-ID finns i signaturen.",
             "Faktura {invoice} saknar vårt referensnummer och har skickats till fel adress. "
             "Vår ekonomiavdelning kan inte bokföra den utan referens. Kan ni skicka en ny?"),
            ("Tack! Kan du skicka ert organisationsnummer och Peppol-ID, så lägger jag in det "
             "på kontot?",
             "Vilken referens ska stå på fakturan? Jag lägger in den på kundkontot så kommer "
             "den med automatiskt i fortsättningen."),
            ("Organisationsnummer 556677-8899, Peppol-ID 0007:5566778899.",
             "Referens: {first}, kostnadsställe 4100."),
            ("Klart! {company} får fakturor via Peppol från och med nästa fakturering. Faktura "
             "{invoice} har skickats om som e-faktura med rätt referens.",
             "Jag har lagt in referensen på kontot och skickat en ny faktura. Den gamla är "
             "makulerad."),
            "Företagskunden vill ändra fakturering till e-faktura eller rätt referens.",
        ),
        _Words(
            ("E-invoicing for {company}", "Missing reference on invoice {invoice}",
             "We need invoices via Peppol"),
            ("We would like our invoices as e-invoices instead of PDF.",
             "Invoice {invoice} is missing our reference and will be rejected."),
            ("From next month {company} only accepts e-invoices via Peppol. Could you send our "
             "invoices there? Our Peppol ID is in my signature.",
             "Invoice {invoice} is missing our purchase order reference, so our accounts team "
             "cannot book it. Could you send a new one?"),
            ("Thanks! Could you send your company registration number and Peppol ID, and I "
             "will add them to the account?",
             "Which reference should be on the invoice? I'll add it to the account so it is "
             "included automatically from now on."),
            ("Registration number 556677-8899, Peppol ID 0007:5566778899.",
             "Reference: {first}, cost centre 4100."),
            ("Done! {company} will receive invoices via Peppol from the next billing run. "
             "Invoice {invoice} has been resent as an e-invoice with the right reference.",
             "I have added the reference to the account and sent a new invoice. The old one "
             "has been cancelled."),
            "The business customer wants e-invoicing or the right reference on invoices.",
        ),
        ("Peppol-ID inlagt i affärssystemet. @{mlogin} kan du dubbelkolla mot avtalet?",
         "Stor kund – prioritera, de har flera hundra lampor i sina lokaler."),
        business=True,
    ),
    _Topic(
        "login", ("inloggning",), "medium",
        {"Support": 3, "Webbchatt": 3, "Telefon": 1.5},
        _Words(
            ("Kan inte logga in", "Inloggningen fungerar inte", "Problem med BankID-inloggning",
             "Utelåst från Mina sidor", "Appen loggar ut mig hela tiden"),
            ("Jag kan inte logga in på Mina sidor, det står bara att något gick fel.",
             "När jag loggar in med BankID händer ingenting."),
            ("Sedan i morse kan jag inte logga in i appen. Jag får meddelandet ”Okänt konto” "
             "fast jag har varit kund i flera år och använder samma e-postadress som vanligt.",
             "Jag försöker logga in med BankID men det snurrar bara och sedan kommer jag "
             "tillbaka till startsidan. Jag har provat både i mobilen och på datorn."),
            ("Tråkigt att höra! Vilken e-postadress försöker du logga in med, och ser du "
             "något felmeddelande? En skärmdump hjälper mycket.",
             "Kan du testa att logga ut helt, stänga appen och logga in igen? Vilken version "
             "av appen har du (Inställningar → Om)?"),
            ("Jag använder {email}. Felmeddelandet säger ”Okänt konto”.",
             "Appversion 4.2.1. Har provat att logga ut, samma sak.",
             "Nu kom jag in på datorn men inte i mobilen."),
            ("Ditt konto var registrerat med en gammal e-postadress. Jag har uppdaterat den "
             "till {email} – prova att logga in igen, nu ska det fungera.",
             "Vi hade ett fel i BankID-inloggningen i morse som nu är åtgärdat. Prova igen "
             "och hör av dig om det fortfarande krånglar!"),
            "Kunden kan inte logga in på Mina sidor eller i appen.",
        ),
        _Words(
            ("Can't log in", "Login not working", "Locked out of my account",
             "The app keeps logging me out"),
            ("I can't log in to My pages, it just says something went wrong.",
             "The app keeps logging me out every few minutes."),
            ("Since this morning I can't log in to the app. It says \"Unknown account\" even "
             "though I've been a customer for years and use the same email address as always.",
             "I'm trying to log in but the page just reloads and takes me back to the start. "
             "I've tried both my phone and my laptop."),
            ("Sorry to hear that! Which email address are you using, and do you see any error "
             "message? A screenshot helps a lot.",
             "Could you log out completely, close the app and log in again? Which version of "
             "the app do you have (Settings → About)?"),
            ("I'm using {email}. The error says \"Unknown account\".",
             "App version 4.2.1. I tried logging out, same thing."),
            ("Your account was registered with an old email address. I've updated it to "
             "{email} – please try again, it should work now.",
             "We had a login fault this morning which is now fixed. Please try again and let "
             "me know if it still fails!"),
            "The customer cannot log in to My pages or the app.",
        ),
        ("Kontot hade två e-postadresser – slog ihop dem.",
         "@{mlogin} är det här samma inloggningsfel som i går? Tredje ärendet i dag.",
         "Verifierat kundens identitet med ordernummer innan jag ändrade e-postadressen."),
    ),
    _Topic(
        "password", ("lösenord",), "low",
        {"Support": 2, "Webbchatt": 2.5, "Kontaktformulär": 1},
        _Words(
            ("Glömt lösenord", "Återställningslänken fungerar inte", "Byta lösenord",
             "Får inget mejl för nytt lösenord"),
            ("Jag har glömt mitt lösenord och får inget mejl när jag trycker på Glömt lösenord.",
             "Länken för att återställa lösenordet säger att den har gått ut."),
            ("Jag har tryckt på ”Glömt lösenord” flera gånger men inget mejl kommer, inte ens "
             "i skräpposten. Kan ni hjälpa mig att komma in på mitt konto?",
             "När jag klickar på länken i mejlet för att byta lösenord står det att länken "
             "har gått ut, fast jag klickade direkt."),
            ("Kan du kolla att mejlet inte har hamnat i skräpposten eller under fliken "
             "Kampanjer? Länken gäller i 30 minuter.",
             "Jag skickar en ny återställningslänk nu. Använd den senaste länken – de äldre "
             "slutar fungera när en ny skickas."),
            ("Nu kom mejlet, det låg i skräpposten.", "Samma sak igen, länken har gått ut."),
            ("Jag har återställt lösenordet manuellt och skickat en ny länk till {email}. "
             "Öppna den i samma webbläsare som du begärde den i, så fungerar den.",
             "Skönt att det löste sig! Tips: lägg till no-reply@nordljus.example i dina "
             "kontakter så hamnar våra mejl inte i skräpposten."),
            "Kunden behöver hjälp att återställa sitt lösenord.",
        ),
        _Words(
            ("Forgot password", "Password reset link not working", "No password reset email"),
            ("I forgot my password and I'm not getting the reset email.",
             "The password reset link says it has expired."),
            ("I've clicked \"Forgot password\" several times but no email arrives, not even "
             "in spam. Can you help me get into my account?",
             "When I click the link in the email to change my password it says the link has "
             "expired, even though I clicked it straight away."),
            ("Could you check that the email hasn't ended up in spam or the Promotions tab? "
             "The link is valid for 30 minutes.",
             "I'm sending you a new reset link now. Please use the newest one – older links "
             "stop working when a new one is sent."),
            ("Found it, it was in spam.", "Same thing again, the link has expired."),
            ("I have reset the password manually and sent a new link to {email}. Open it in "
             "the same browser you requested it in and it will work.",
             "Glad it worked out! Tip: add no-reply@nordljus.example to your contacts so our "
             "emails don't end up in spam."),
            "The customer needs help resetting their password.",
        ),
        ("Återställningsmejl studsade – gammal adress. Uppdaterat.",
         "Vanligt problem med Outlook-filtret, lägga till i kunskapsbanken?"),
    ),
    _Topic(
        "delivery-delay", ("leverans",), "medium",
        {"Support": 3, "Webbchatt": 2.5, "Telefon": 1.5, "Kontaktformulär": 1},
        _Words(
            ("Var är min beställning?", "Försenad leverans order {order}",
             "Paketet har inte kommit", "Leveransen är sen", "Order {order} – ingen leverans"),
            ("Min beställning {order} skulle ha kommit i förrgår, var är den?",
             "Spårningen har stått still i fem dagar."),
            ("Jag beställde {product} den {date} och fick besked om leverans inom 2–4 dagar. "
             "Nu har det gått en vecka och spårningen har inte uppdaterats sedan paketet "
             "lämnade lagret. Kan ni ta reda på var det är?",
             "Order {order} skulle levereras till ett ombud i fredags men har inte kommit. "
             "Jag behöver {product} till helgen, går det att skicka ett nytt paket?"),
            ("Förlåt att det dröjer! Jag kontaktar transportören och återkommer så snart jag "
             "vet mer. Stämmer leveransadressen i orderbekräftelsen?",
             "Jag ser att paketet står som ”försenat i terminal”. Vill du vänta några dagar "
             "till, eller ska vi skicka ett nytt paket?"),
            ("Adressen stämmer. Skicka gärna ett nytt, jag behöver det till helgen.",
             "Jag kan vänta några dagar till, men hör av er om det inte kommer.",
             "Fortfarande inget paket, och spårningen säger samma sak."),
            ("Transportören har hittat paketet – det hade fått fel sortering. Det levereras "
             "till ditt ombud i morgon. Som ursäkt har jag återbetalat frakten.",
             "Jag har skickat ett nytt paket med expressfrakt, det är framme i morgon. Det "
             "gamla paketet går i retur automatiskt."),
            "Kunden väntar på order {order} som är försenad.",
        ),
        _Words(
            ("Where is my order?", "Delayed delivery for order {order}",
             "Parcel hasn't arrived", "Order {order} not delivered"),
            ("My order {order} should have arrived two days ago, where is it?",
             "Tracking hasn't moved in five days."),
            ("I ordered {product} on {date} and was told it would arrive in 2–4 days. It's "
             "been a week and the tracking hasn't updated since the parcel left the warehouse. "
             "Can you find out where it is?",
             "Order {order} was due at the pick-up point on Friday but hasn't arrived. I need "
             "it for the weekend – could you send a new parcel?"),
            ("Sorry for the delay! I'm contacting the carrier and will get back to you as soon "
             "as I know more. Is the delivery address in the order confirmation correct?",
             "I can see the parcel is \"delayed at terminal\". Would you like to wait a few "
             "more days, or shall we send a new one?"),
            ("The address is right. Please send a new one, I need it for the weekend.",
             "I can wait a few more days, but let me know if it doesn't turn up."),
            ("The carrier found the parcel – it had been mis-sorted. It will reach your "
             "pick-up point tomorrow, and I have refunded the shipping as an apology.",
             "I've sent a new parcel by express, it arrives tomorrow. The old one will be "
             "returned automatically."),
            "The customer is waiting for order {order}, which is late.",
        ),
        ("@{mlogin} kan du kolla med lagret om {order} verkligen har lämnat?",
         "Postnord har problem i terminalen i Rosersberg hela veckan, flera ärenden om det.",
         "Skickat nytt paket, kostnadsställe reklamation."),
    ),
    _Topic(
        "damaged", ("leverans", "reklamation"), "medium",
        {"Support": 2, "Kontaktformulär": 1.5, "Webbchatt": 1},
        _Words(
            ("Trasig vara i paketet", "{product} kom trasig", "Reklamation order {order}",
             "Skadad leverans"),
            ("{product} var trasig när jag öppnade paketet.",
             "Glaset i lampan var krossat vid leverans."),
            ("Jag fick min beställning {order} i dag men {product} var trasig – kartongen var "
             "intryckt och glaset krossat. Jag har tagit bilder. Hur gör jag för att få en ny?",
             "{product} som jag köpte för tre veckor sedan har slutat fungera. Den blinkar "
             "bara rött. Jag har provat att starta om den enligt manualen."),
            ("Vad tråkigt! Kan du skicka bilder på varan och kartongen? Då ordnar jag en "
             "ersättning direkt.",
             "Jag hjälper dig med en reklamation. Kan du skicka en bild på produkten och "
             "berätta vilket ordernummer det gäller?"),
            ("Här kommer bilderna.", "Order {order}, bilder bifogade."),
            ("Ledsen för det! En ny {product} skickas i dag och du behöver inte skicka "
             "tillbaka den trasiga. Du får ett mejl med spårningslänk.",
             "Reklamationen är godkänd. Du får en returetikett till {email} – lämna paketet "
             "hos valfritt ombud så skickar vi en ny så fort den är registrerad."),
            "Kunden har fått en trasig vara ({product}) och vill reklamera.",
        ),
        _Words(
            ("Item arrived broken", "Damaged delivery", "Complaint about order {order}"),
            ("{product} was broken when I opened the parcel.",
             "The glass in the lamp was shattered on delivery."),
            ("My order {order} arrived today but {product} was broken – the box was crushed "
             "and the glass shattered. I have photos. How do I get a replacement?",
             "{product} I bought three weeks ago has stopped working. It just blinks red. I "
             "have tried restarting it as the manual says."),
            ("I'm sorry! Could you send photos of the item and the box? Then I'll arrange a "
             "replacement straight away.",
             "I'll help you with a claim. Could you send a photo of the product and tell me "
             "the order number?"),
            ("Here are the photos.", "Order {order}, photos attached."),
            ("Sorry about that! A new one is shipped today and you don't need to return "
             "the broken one. You'll get a tracking link by email.",
             "The claim is approved. You'll get a return label at {email} – drop the parcel "
             "at any pick-up point and we'll send a new one once it's registered."),
            "The customer received a broken item and wants a replacement.",
        ),
        ("Tredje trasiga Aurora från samma leverans – @{mlogin} kan vi stoppa batchen?",
         "Ersättning skickad utan retur, under beloppsgränsen."),
    ),
    _Topic(
        "refund", ("retur", "återbetalning"), "medium",
        {"Support": 2, "Kontaktformulär": 2, "Fakturor": 1, "Webbchatt": 1},
        _Words(
            ("Återbetalning för retur", "Har inte fått pengarna tillbaka",
             "Retur av order {order}", "Ångerrätt – vill returnera"),
            ("Jag returnerade {product} för två veckor sedan men har inte fått några pengar.",
             "Jag vill ångra mitt köp, hur gör jag?"),
            ("Jag skickade tillbaka {product} (order {order}) den {date} och fick kvitto från "
             "ombudet. Nu har det gått två veckor och jag har inte fått tillbaka {amount}. "
             "När kommer återbetalningen?",
             "Jag vill utnyttja ångerrätten för order {order}. Varan är oöppnad. Hur gör jag "
             "returen och hur lång tid tar det att få pengarna tillbaka?"),
            ("Jag kollar upp det! Har du spårningsnumret från returen?",
             "Ingen fara. Du registrerar returen under Mina sidor → Köp → Returnera, så får du "
             "en returetikett. Vill du att jag gör det åt dig?"),
            ("Spårningsnumret är 00370712345678901.", "Ja tack, gör det åt mig."),
            ("Returen kom fram till lagret men hade inte registrerats – ledsen för det. "
             "Jag har nu återbetalat {amount}, pengarna syns inom 3–5 bankdagar.",
             "Klart! Returetiketten är skickad till {email}. När paketet är registrerat "
             "betalar vi tillbaka {amount} till samma betalsätt som du använde."),
            "Kunden väntar på återbetalning ({amount}) för en retur.",
        ),
        _Words(
            ("Refund for my return", "Haven't received my refund", "Return of order {order}"),
            ("I returned {product} two weeks ago but haven't been refunded.",
             "I want to cancel my purchase, how do I do that?"),
            ("I sent back {product} (order {order}) on {date} and got a receipt from the "
             "pick-up point. Two weeks later I still haven't received {amount}. When will the "
             "refund arrive?",
             "I'd like to return order {order} under the right of withdrawal. The item is "
             "unopened. How do I return it and how long does the refund take?"),
            ("I'll look into it! Do you have the tracking number of the return?",
             "No problem. You can register the return under My pages → Orders → Return and "
             "you'll get a label. Would you like me to do it for you?"),
            ("The tracking number is 00370712345678901.", "Yes please, do it for me."),
            ("Your return reached the warehouse but had not been registered – sorry about "
             "that. I have now refunded {amount}; it will show within 3–5 business days.",
             "Done! The return label has been sent to {email}. Once the parcel is registered "
             "we refund {amount} to the payment method you used."),
            "The customer is waiting for a refund ({amount}) for a return.",
        ),
        ("Returen låg oregistrerad på lagret. @{mlogin} kan du registrera den?",
         "Återbetalning gjord manuellt i Klarna."),
    ),
    _Topic(
        "outage", ("driftstörning",), "high",
        {"Support": 1.5, "Telefon": 2.5, "Webbchatt": 2},
        _Words(
            ("Appen fungerar inte alls", "Driftstörning? Ingen lampa svarar",
             "Hubben tappar anslutningen", "Tjänsten ligger nere", "Inget fungerar sedan i morse"),
            ("Ingen av mina lampor svarar i appen, ligger ni nere?",
             "Hubben tappar uppkopplingen hela tiden sedan i morse."),
            ("Sedan i morse svarar ingen av våra lampor i appen. Hubben lyser grönt men appen "
             "säger ”Ingen kontakt med hemmet”. Vi har startat om routern och hubben. Är det "
             "en driftstörning hos er?",
             "Hela vår belysning i butiken styrs via Nordljus och inget fungerar sedan kl. 7. "
             "Vi kan inte tända i lokalen. Det här är akut!"),
            ("Vi har en pågående störning i molntjänsten och jobbar på att lösa den. Lamporna "
             "går att tända med strömbrytaren under tiden. Jag hör av mig när det är löst.",
             "Tack för att du hör av dig. Kan du berätta vilken firmware hubben har och om den "
             "lyser grönt eller orange?"),
            ("Den lyser orange och firmware är 3.8.2.",
             "Nu fungerar det igen för oss, tack!",
             "Fortfarande nere här, vi behöver en lösning i dag."),
            ("Störningen är nu åtgärdad – ett certifikat i molntjänsten hade gått ut. Allt "
             "ska fungera igen; starta om appen om lamporna inte svarar direkt.",
             "Hubben behövde en firmwareuppdatering som nu är installerad på distans. Den "
             "ska hålla anslutningen igen – hör av dig om den tappar igen."),
            "Kunden rapporterar att lamporna inte svarar – möjlig driftstörning.",
        ),
        _Words(
            ("The app doesn't work at all", "Outage? None of my lights respond",
             "Hub keeps losing connection", "Service is down"),
            ("None of my lights respond in the app, are you down?",
             "The hub keeps losing its connection since this morning."),
            ("Since this morning none of our lights respond in the app. The hub is green but "
             "the app says \"No contact with home\". We've restarted the router and the hub. "
             "Is this an outage on your side?",
             "All the lighting in our shop is controlled by Nordljus and nothing has worked "
             "since 7 am. We can't turn the lights on. This is urgent!"),
            ("We have an ongoing incident in the cloud service and are working on it. The "
             "lights can be switched on at the wall meanwhile. I'll let you know when it's "
             "fixed.",
             "Thanks for reporting this. Which firmware is the hub on, and is its light green "
             "or orange?"),
            ("It's orange and the firmware is 3.8.2.", "It works again for us now, thanks!"),
            ("The incident is now fixed – an expired certificate in the cloud service. "
             "Everything should work again; restart the app if the lights don't respond "
             "straight away.",
             "The hub needed a firmware update, which I have installed remotely. It should "
             "stay connected now – let me know if it drops again."),
            "The customer reports that the lights don't respond – possible outage.",
        ),
        ("Driftstörning i molnet sedan 07.10, se incidentkanalen. Svara med mallen "
         "”Pågående störning”.",
         "@{mlogin} det här är en premiumkund med butik – kan du ringa upp?",
         "Kopplat till incident INC-{bug}."),
    ),
    _Topic(
        "gdpr", ("gdpr", "personuppgifter"), "medium",
        {"Kontaktformulär": 2, "Support": 1},
        _Words(
            ("Begäran om registerutdrag (GDPR)", "Radera mina personuppgifter",
             "Vilka uppgifter har ni om mig?", "GDPR – radering av konto"),
            ("Jag vill veta vilka personuppgifter ni har om mig.",
             "Radera mitt konto och alla mina uppgifter, tack."),
            ("Enligt artikel 15 i dataskyddsförordningen begär jag ett registerutdrag med alla "
             "personuppgifter ni behandlar om mig, varifrån de kommer och hur länge de sparas.",
             "Jag vill att ni raderar mitt konto och alla personuppgifter ni har om mig. Jag "
             "vill också sluta få nyhetsbrev."),
            ("Vi har tagit emot din begäran. För att skydda dina uppgifter behöver vi "
             "bekräfta din identitet – kan du svara från adressen som är kopplad till kontot, "
             "eller uppge ditt senaste ordernummer?",
             "Innan vi raderar kontot: du har en pågående garanti på {product}. Den försvinner "
             "om kontot raderas. Vill du fortfarande att vi raderar allt?"),
            ("Senaste ordernumret är {order}.", "Ja, radera allt."),
            ("Registerutdraget är skickat till {email} som krypterad PDF. Lösenordet kommer i "
             "ett separat sms. Hör av dig om något är oklart.",
             "Ditt konto och dina personuppgifter är nu raderade. Bokföringsunderlag sparas i "
             "sju år enligt bokföringslagen, men används inte till något annat."),
            "Kunden begär registerutdrag eller radering enligt GDPR.",
        ),
        _Words(
            ("Subject access request (GDPR)", "Delete my personal data",
             "What data do you hold about me?"),
            ("I want to know what personal data you hold about me.",
             "Please delete my account and all my data."),
            ("Under Article 15 of the GDPR I request a copy of all personal data you process "
             "about me, where it comes from and how long it is kept.",
             "I want you to delete my account and all personal data you hold about me. I "
             "also want to stop receiving newsletters."),
            ("We have received your request. To protect your data we need to confirm your "
             "identity – could you reply from the address linked to the account, or give us "
             "your latest order number?",
             "Before we delete the account: you have an active warranty on {product}. It "
             "will be lost if the account is deleted. Do you still want us to delete "
             "everything?"),
            ("My latest order number is {order}.", "Yes, delete everything."),
            ("Your data export has been sent to {email} as an encrypted PDF. The password "
             "comes in a separate text message.",
             "Your account and personal data have now been deleted. Accounting records are "
             "kept for seven years as the law requires, but are not used for anything else."),
            "The customer requests access to or deletion of their data (GDPR).",
        ),
        ("GDPR: svara inom 30 dagar. Identitet verifierad via ordernummer.",
         "@{mlogin} kan du ta fram utdraget ur CRM och nyhetsbrevssystemet?",
         "Radering beställd hos IT, klar inom två dagar."),
    ),
    _Topic(
        "order-change", ("order",), "low",
        {"Webbchatt": 2, "Support": 1.5, "Telefon": 1, "Kontaktformulär": 1},
        _Words(
            ("Ändra leveransadress", "Ändring av order {order}", "Lägga till en vara i ordern",
             "Avbeställa order {order}"),
            ("Kan jag ändra leveransadressen på order {order}?",
             "Jag vill lägga till {product} i min beställning, går det?"),
            ("Jag har precis lagt order {order} men skrev fel leveransadress. Rätt adress är "
             "Storgatan 12, 753 20 Uppsala. Hinner ni ändra innan den skickas?",
             "Jag vill avbeställa order {order}, jag råkade beställa två gånger."),
            ("Jag kollar om ordern har hunnit plockas. Vilken adress ska den till?",
             "Ingen fara! Vilken av de två ordrarna vill du behålla?"),
            ("Storgatan 12, 753 20 Uppsala.", "Behåll den första, {order}."),
            ("Klart – adressen är ändrad och ordern skickas i dag som vanligt.",
             "Den dubbla ordern är makulerad och pengarna återbetalda. Den andra skickas som "
             "planerat."),
            "Kunden vill ändra eller avbeställa order {order}.",
        ),
        _Words(
            ("Change delivery address", "Change to order {order}", "Cancel order {order}"),
            ("Can I change the delivery address on order {order}?",
             "I'd like to add {product} to my order, is that possible?"),
            ("I just placed order {order} but got the delivery address wrong. The right one is "
             "12 High Street, Cambridge CB2 1TN. Can you change it before it ships?",
             "I'd like to cancel order {order}, I accidentally ordered twice."),
            ("Let me check whether it has been picked yet. Which address should it go to?",
             "No problem! Which of the two orders would you like to keep?"),
            ("12 High Street, Cambridge CB2 1TN.", "Keep the first one, {order}."),
            ("Done – the address is changed and the order ships today as usual.",
             "The duplicate order is cancelled and refunded. The other one ships as planned."),
            "The customer wants to change or cancel order {order}.",
        ),
        ("Ordern var redan plockad – @{mlogin} kan lagret ändra etiketten?",
         "Adress ändrad innan plock."),
    ),
    _Topic(
        "security", ("säkerhet",), "high",
        {"Support": 1, "Telefon": 0.8, "Webbchatt": 0.5, "Kontaktformulär": 0.3},
        _Words(
            ("Misstänkt inloggning på mitt konto", "Nätfiske i ert namn?",
             "Någon har beställt i mitt namn", "Bluffmejl från Nordljus?"),
            ("Jag fick ett mejl om inloggning från en enhet jag inte känner igen.",
             "Jag har fått ett sms från ”Nordljus” om att betala en tullavgift. Är det ni?"),
            ("I natt fick jag ett mejl om att någon loggat in på mitt konto från en ny enhet i "
             "ett annat land. Det var inte jag. Jag har bytt lösenord men vill att ni kollar "
             "om något har beställts.",
             "Jag fick ett mejl som ser ut att komma från er, med en länk för att ”verifiera "
             "kontot”. Avsändaren är konstig. Är det bluff?"),
            ("Bra att du hörde av dig direkt! Jag har spärrat kontot tillfälligt. Kan du "
             "bekräfta vilka beställningar du själv har gjort den senaste månaden?",
             "Det är inte från oss – vi ber aldrig om lösenord eller kortuppgifter via länkar. "
             "Klicka inte på länken. Kan du vidarebefordra mejlet till oss?"),
            ("Jag har bara gjort order {order}, inget annat.",
             "Jag har vidarebefordrat mejlet nu."),
            ("Vi har loggat ut alla enheter, makulerat den okända beställningen och "
             "aktiverat tvåstegsverifiering på kontot. Inga kortuppgifter sparas hos oss, "
             "så de har inte kommit ut.",
             "Tack! Vi har anmält domänen för nedtagning och varnar våra kunder på webben. "
             "Ditt konto är inte påverkat."),
            "Kunden misstänker intrång eller nätfiske i Nordljus namn.",
        ),
        _Words(
            ("Suspicious login on my account", "Phishing in your name?",
             "Someone ordered in my name"),
            ("I got an email about a login from a device I don't recognise.",
             "I got a text from \"Nordljus\" asking me to pay a customs fee. Is that you?"),
            ("Last night I got an email saying someone had logged in to my account from a new "
             "device in another country. It wasn't me. I've changed my password but want you "
             "to check whether anything was ordered.",
             "I got an email that looks like it's from you, with a link to \"verify my "
             "account\". The sender looks odd. Is it a scam?"),
            ("Good that you contacted us straight away! I have temporarily locked the "
             "account. Could you confirm which orders you placed yourself in the last month?",
             "That isn't from us – we never ask for passwords or card details through links. "
             "Don't click it. Could you forward the email to us?"),
            ("I only placed order {order}, nothing else.", "I've forwarded the email now."),
            ("We have logged out all devices, cancelled the unknown order and turned on "
             "two-step verification. We never store card details, so they have not leaked.",
             "Thanks! We have reported the domain for takedown and are warning customers on "
             "our website. Your account is not affected."),
            "The customer suspects an account takeover or phishing in Nordljus's name.",
        ),
        ("Säkerhetsärende – logga allt. @{mlogin} informera IT-säkerhet.",
         "Kontot spärrat 09.12, kunden verifierad via BankID.",
         "Samma nätfiskedomän som rapporterades i måndags."),
    ),
    _Topic(
        "subscription", ("abonnemang",), "low",
        {"Support": 1.5, "Webbchatt": 1.5, "Kontaktformulär": 1, "Fakturor": 0.7},
        _Words(
            ("Säga upp Nordljus Plus", "Byta abonnemang", "Uppsägning av abonnemang",
             "Varför kostar abonnemanget mer nu?"),
            ("Hur säger jag upp Nordljus Plus?", "Varför har priset på Plus höjts?"),
            ("Jag vill säga upp mitt Nordljus Plus-abonnemang från och med nästa månad. Jag "
             "använder inte funktionerna längre.",
             "Jag såg att abonnemanget har gått upp till {amount} per år. Det fick jag inget "
             "besked om. Kan jag byta till månadsbetalning i stället?"),
            ("Jag kan hjälpa dig med det. Vill du att uppsägningen gäller från nästa "
             "förnyelse, eller direkt?",
             "Prisändringen aviserades i nyhetsbrevet i höstas, men jag förstår att den är lätt "
             "att missa. Ska jag flytta dig till månadsbetalning?"),
            ("Från nästa förnyelse räcker.", "Ja, månadsbetalning blir bättre."),
            ("Klart – abonnemanget är uppsagt och gäller till och med nuvarande period. Du "
             "behåller alla lampor och appen fungerar som vanligt utan Plus.",
             "Nu är du flyttad till månadsbetalning från nästa period. Bekräftelse är "
             "skickad till {email}."),
            "Kunden vill säga upp eller ändra sitt Nordljus Plus-abonnemang.",
        ),
        _Words(
            ("Cancel Nordljus Plus", "Change my subscription", "Why did my subscription go up?"),
            ("How do I cancel Nordljus Plus?", "Why has the Plus price gone up?"),
            ("I'd like to cancel my Nordljus Plus subscription from next month. I don't use "
             "the features any more.",
             "I noticed my subscription has gone up to {amount} a year and I wasn't told. "
             "Could I switch to monthly payments instead?"),
            ("I can help with that. Should the cancellation apply from the next renewal, or "
             "straight away?",
             "The price change was announced in our newsletter last autumn, but I understand "
             "it's easy to miss. Shall I move you to monthly payments?"),
            ("From the next renewal is fine.", "Yes, monthly would be better."),
            ("Done – the subscription is cancelled and runs until the end of the current "
             "period. You keep all your lights and the app works as usual without Plus.",
             "You are now on monthly payments from the next period. A confirmation has been "
             "sent to {email}."),
            "The customer wants to cancel or change their Nordljus Plus subscription.",
        ),
        ("Erbjöd tre månader gratis – kunden tackade nej.",
         "Prisavin gick ut i nyhetsbrevet, flera ärenden om det i dag."),
    ),
    _Topic(
        "app-bug", ("app", "bugg"), "medium",
        {"Support": 2, "Webbchatt": 1.5, "Kontaktformulär": 1},
        _Words(
            ("Appen kraschar", "Scheman fungerar inte efter uppdateringen",
             "Fel i appen på Android", "Lamporna tänds mitt i natten"),
            ("Appen kraschar direkt när jag öppnar den.",
             "Efter senaste uppdateringen fungerar inte mina scheman längre."),
            ("Efter uppdateringen i förra veckan kraschar appen så fort jag öppnar fliken "
             "Rum. Jag har en Pixel 8 med senaste Android. Jag har provat att installera om.",
             "Sedan uppdateringen tänds lamporna i sovrummet kl. 03 varje natt, fast schemat "
             "säger 07. Tidszonen i appen står rätt."),
            ("Tack för en bra beskrivning! Kan du skicka en felrapport från appen "
             "(Inställningar → Hjälp → Skicka logg)? Då kan utvecklarna se vad som händer.",
             "Kan du berätta vilken appversion du har, och om schemat skapades före eller "
             "efter uppdateringen?"),
            ("Loggen är skickad nu.", "Version 4.2.1, schemat skapades i våras."),
            ("Utvecklarna har hittat felet och en rättning kommer i version 4.2.2 som släpps "
             "i veckan. Till dess fungerar det att ta bort schemat och skapa det på nytt.",
             "Felet är rättat i version 4.2.2 som finns i appbutiken nu. Uppdatera appen så "
             "ska schemat fungera som vanligt igen."),
            "Kunden rapporterar ett fel i appen efter senaste uppdateringen.",
        ),
        _Words(
            ("The app crashes", "Schedules broken after the update", "Bug in the Android app",
             "Lights turn on in the middle of the night"),
            ("The app crashes as soon as I open it.",
             "Since the latest update my schedules don't work."),
            ("Since last week's update the app crashes as soon as I open the Rooms tab. I have "
             "a Pixel 8 on the latest Android. I've tried reinstalling.",
             "Since the update the bedroom lights turn on at 3 am every night, although the "
             "schedule says 7. The time zone in the app is correct."),
            ("Thanks for the clear description! Could you send a bug report from the app "
             "(Settings → Help → Send log)? Then the developers can see what happens.",
             "Which app version do you have, and was the schedule created before or after the "
             "update?"),
            ("I've sent the log now.", "Version 4.2.1, the schedule was created last spring."),
            ("The developers found the bug and a fix comes in version 4.2.2 this week. Until "
             "then, deleting the schedule and creating it again works around it.",
             "The bug is fixed in version 4.2.2, which is in the app store now. Update the app "
             "and the schedule will work as usual again."),
            "The customer reports a bug in the app since the latest update.",
        ),
        ("Känt fel, bugg NL-{bug}. Länka fler ärenden hit.",
         "@{mlogin} har utvecklarna något datum för 4.2.2?",
         "Loggen vidarebefordrad till apputvecklarna."),
    ),
    _Topic(
        "product-question", ("produktfråga",), "low",
        {"Webbchatt": 3, "Support": 1.5, "Telefon": 1},
        _Words(
            ("Fråga om {product}", "Fungerar lamporna med Google Home?",
             "Vilken dimmer passar?", "Fråga innan köp"),
            ("Fungerar {product} med Google Home?",
             "Kan jag ha lamporna utomhus under tak?"),
            ("Jag funderar på att köpa {product} till vardagsrummet. Fungerar den med Google "
             "Home och behöver jag en hubb, eller räcker det med wifi?",
             "Vi ska renovera och vill ha smart belysning i hela huset. Hur många lampor "
             "klarar en Nordljus Hub, och finns det mängdrabatt?"),
            ("Bra fråga! Vilken router har du, och hur många lampor tänker du ha?",
             "Det beror lite på – ska lamporna sitta i samma rum som hubben, eller utspritt "
             "i huset?"),
            ("Ungefär 25 lampor, utspritt på två våningar.", "Bara i vardagsrummet till att "
             "börja med."),
            ("{product} fungerar med Google Home, Apple Hem och Alexa. En hubb klarar upp till "
             "50 lampor, och för två våningar räcker en hubb plus en förstärkare. Vid köp av "
             "fler än 20 lampor får du 15 % rabatt med koden HELAHUSET.",
             "Då räcker det med wifi, ingen hubb behövs. Lycka till med installationen!"),
            "Kunden har en fråga om {product} inför ett köp.",
        ),
        _Words(
            ("Question about {product}", "Do the lights work with Google Home?",
             "Question before buying"),
            ("Does {product} work with Google Home?",
             "Can I use the lights outdoors under a roof?"),
            ("I'm thinking of buying {product} for the living room. Does it work with Google "
             "Home, and do I need a hub or is wifi enough?",
             "We're renovating and want smart lighting in the whole house. How many lights "
             "can one Nordljus Hub handle, and is there a volume discount?"),
            ("Good question! Which router do you have, and how many lights are you planning?",
             "It depends – will the lights be in the same room as the hub, or spread around "
             "the house?"),
            ("About 25 lights over two floors.", "Just the living room to start with."),
            ("It works with Google Home, Apple Home and Alexa. One hub handles up to 50 "
             "lights, and for two floors one hub plus a range extender is enough. Orders of "
             "more than 20 lights get 15% off with the code WHOLEHOUSE.",
             "Then wifi is enough, no hub needed. Good luck with the installation!"),
            "The customer has a question about {product} before buying.",
        ),
        ("Trolig storaffär – @{mlogin} vill du ta över och skicka offert?",
         "Tipsade om kampanjen som startar på måndag."),
    ),
)

# -- the parts every conversation has --------------------------------------------------------

_GREET = {
    "sv": ("Hej!", "Hej,", "Hej Nordljus!", "Hejsan,", "Hej kundservice,", "God morgon,"),
    "en": ("Hi,", "Hello,", "Hi there,", "Dear Nordljus support,", "Good morning,"),
}
_CLOSE = {
    "sv": ("Tack på förhand!", "Hoppas ni kan hjälpa mig.", "Tacksam för snabbt svar.",
           "Ring gärna om det är enklare.", ""),
    "en": ("Thanks in advance.", "Hope you can help.", "Looking forward to hearing from you.",
           ""),
}
_SIGN = {
    "sv": ("Mvh {first}", "Vänliga hälsningar\n{name}", "/{first}",
           "Med vänlig hälsning\n{name}"),
    "en": ("Best regards,\n{name}", "Thanks,\n{first}", "Kind regards,\n{name}",
           "Cheers,\n{first}"),
}
_SIGN_BUSINESS = {
    "sv": "Med vänlig hälsning\n{name}\n{company}",
    "en": "Kind regards,\n{name}\n{company}",
}
_AGENT_HI = {
    "sv": ("Hej {first}!", "Hej {first},", "Hej!"),
    "en": ("Hi {first},", "Hello {first},"),
}
_AGENT_SIGN = {
    "sv": "Vänliga hälsningar\n{agent}\nNordljus kundservice",
    "en": "Best regards,\n{agent}\nNordljus Customer Service",
}
_PHONE_SIGN = {"sv": "/{agent}, Nordljus kundservice", "en": "/{agent}, Nordljus Customer Service"}
_CHAT_HI = {"sv": ("Hej!", "Hej!", "Hallå!", ""), "en": ("Hi!", "Hello!", "")}
_CHAT_AGENT_HI = {"sv": ("Hej {first}!", "Hej!", "Hej {first}, tack för att du väntade!"),
                  "en": ("Hi {first}!", "Hello!", "Hi {first}, thanks for waiting!")}
_FORM = {
    "sv": "Namn: {name}\nE-post: {email}\nTelefon: {phone}\nOrdernummer: {order}\n"
          "Kategori: {category}\n\nMeddelande:\n",
    "en": "Name: {name}\nEmail: {email}\nPhone: {phone}\nOrder number: {order}\n"
          "Category: {category}\n\nMessage:\n",
}
_VOICEMAIL = {
    "sv": "Röstmeddelande ({dur}), transkriberat: ”Hej, det är {first}. ",
    "en": "Voicemail ({dur}), transcribed: \"Hi, this is {first}. ",
}
_VOICEMAIL_END = {"sv": " Ring mig på {phone}, tack.”", "en": " Please call me back on {phone}.\""}
_PREV = {
    "sv": "Det här gäller samma sak som mitt förra ärende #{prev}. ",
    "en": "This is about the same thing as my previous case #{prev}. ",
}
_CHASER = {
    "sv": ("Hallå? Jag skrev i går och har fortfarande inte fått något svar. Det här är "
           "ganska bråttom.",
           "Påminnelse: jag väntar fortfarande på svar på mitt mejl nedan.",
           "Varför svarar ingen? Jag har försökt ringa också. Mycket dålig service."),
    "en": ("Hello? I wrote yesterday and still haven't heard back. This is fairly urgent.",
           "Reminder: I'm still waiting for a reply to my email below.",
           "Why is nobody answering? I tried calling too. Very poor service."),
}
_AUTO_REPLY = {
    "sv": ("Automatiskt svar: Jag är på semester till och med {back} och läser inte min "
           "e-post. Vid brådskande ärenden, ring växeln.",
           "Tack för ditt mejl! Jag är tillbaka på kontoret {back} och svarar då."),
    "en": ("Automatic reply: I am out of the office until {back} with limited access to "
           "email.",
           "Out of office: I'm away until {back} and will reply when I'm back."),
}
_REOPEN = {
    "sv": ("Tyvärr fungerar det fortfarande inte, samma problem igen.",
           "Jag har fortfarande inte fått något? Ni skrev att det var löst.",
           "Det här löste tyvärr inte problemet."),
    "en": ("Unfortunately it still doesn't work, same problem again.",
           "I still haven't received anything? You said it was sorted.",
           "This didn't solve the problem, I'm afraid."),
}
_REOPEN_FIX = {
    "sv": ("Förlåt! Jag har tittat igen och nu ska det vara ordnat på riktigt. Hör av dig "
           "om något fortfarande inte stämmer.",),
    "en": ("Sorry about that! I have looked again and it should be properly sorted now. "
           "Let me know if anything is still wrong.",),
}
_NO_ANSWER = {
    "sv": ("Vi har inte hört något från dig, så vi markerar ärendet som löst. Svara bara "
           "på det här meddelandet om du fortfarande behöver hjälp, så öppnas det igen.",),
    "en": ("We haven't heard back from you, so we are marking this case as solved. Just "
           "reply to this message if you still need help and it will be reopened.",),
}
_THANKS = {
    "sv": ("Tack för hjälpen!", "Toppen, tack!", "Perfekt, tack så mycket!"),
    "en": ("Thanks for your help!", "Great, thank you!", "Perfect, thanks a lot!"),
}
_AI_HELLO = {
    "sv": ("Hej {first}! Jag är Nordljus AI-assistent. Jag hjälper dig gärna – kan du "
           "berätta lite mer, till exempel ordernummer?",),
    "en": ("Hi {first}! I'm the Nordljus AI assistant. Happy to help – could you tell me a "
           "bit more, for example your order number?",),
}
_AI_ANSWER = {
    "sv": ("Ordernumret är {order}.", "Det gäller order {order}, beställd {date}.",
           "Jag har inget ordernummer till hands, men det gäller {product}.",
           "Kan jag inte få prata med en människa?"),
    "en": ("The order number is {order}.", "It's order {order}, placed on {date}.",
           "I don't have the order number to hand, but it's about {product}.",
           "Can I talk to a person, please?"),
}
_AI_HANDOVER = {
    "sv": ("Tack! Det här behöver en av mina mänskliga kollegor titta på, så jag kopplar dig "
           "vidare. Sammanfattning för handläggaren: {summary}",),
    "en": ("Thanks! A human colleague needs to look at this, so I'm handing you over. "
           "Summary for the agent: {summary}",),
}
_AI_CALL = {
    "sv": ("Samtal besvarat av AI-Telefonist ({dur}). Sammanfattning: {summary} Kunden vill "
           "bli uppringd på {phone}. Eskalerat till handläggare.",),
    "en": ("Call answered by the AI receptionist ({dur}). Summary: {summary} The customer "
           "wants a call back on {phone}. Escalated to an agent.",),
}
_NOTES = (
    "Kunden har ringt in om samma sak också.",
    "Premiumkund – svara inom två timmar.",
    "@{mlogin} kan du ta över? Jag är ledig i morgon.",
    "@{mlogin} har du sett något liknande förut?",
    "Lagt till i veckans uppföljning.",
)
_PARK_NOTES = (
    "@{mlogin} kan du kolla det här? Parkerar tills vi vet mer.",
    "@{mlogin} behöver ditt godkännande innan jag svarar kunden.",
    "Väntar på svar från lagret. @{mlogin} påminn dem gärna i morgon.",
)
_UNPARK_NOTES = (
    "Kollat – det ser rätt ut nu, du kan svara kunden.",
    "Fixat i systemet. Kör på!",
    "Godkänt från min sida.",
    "Lagret har svarat: det är åtgärdat.",
)
_STUCK_NOTES = (
    "Väntar på rättning från utvecklingsteamet (NL-{bug}). Parkerar tills vidare.",
    "Väntar på leverantören, de har lovat svar i nästa vecka.",
    "Ligger hos ekonomi för beslut. Parkerat.",
)
_FORM_CATEGORY = {
    "sv": {"faktura": "Faktura", "betalning": "Betalning", "inloggning": "Mitt konto",
           "lösenord": "Mitt konto", "leverans": "Leverans", "retur": "Retur",
           "driftstörning": "Teknisk support", "gdpr": "Personuppgifter", "order": "Beställning",
           "säkerhet": "Säkerhet", "abonnemang": "Abonnemang", "app": "Appen",
           "produktfråga": "Produktfråga"},
    "en": {"faktura": "Invoice", "betalning": "Payment", "inloggning": "My account",
           "lösenord": "My account", "leverans": "Delivery", "retur": "Return",
           "driftstörning": "Technical support", "gdpr": "Personal data", "order": "Order",
           "säkerhet": "Security", "abonnemang": "Subscription", "app": "The app",
           "produktfråga": "Product question"},
}

# Message kinds, and who wrote a line of a plan.
_CUSTOMER, _AI, _REPLY, _NOTE, _EVENT = "customer", "ai", "reply", "note", "event"
_BY_CUSTOMER, _BY_SYSTEM, _BY_AI = -1, -2, -3
SYSTEM_AUTHOR = "system"
AI_AUTHOR = "AI-agent"


# -- the clock: when people write --------------------------------------------------------------


class _Clock:
    """Hour-by-hour tables over the demo's weeks (in Stockholm time): how busy each hour
    is, when agents work, when customers are awake, when the nightly archive runs.
    Times are whole seconds since the epoch (UTC)."""

    def __init__(self, now: int, cases: int) -> None:
        try:
            from zoneinfo import ZoneInfo

            tz: object = ZoneInfo("Europe/Stockholm")
        except Exception:  # no time zone data: Swedish winter time is close enough
            from datetime import timezone

            tz = timezone(timedelta(hours=1))
        self.now = now
        self.start = now - SPAN_DAYS * DAY
        self.t0 = (self.start - DAY) // HOUR * HOUR  # on the hour
        hours = (now + 3 * DAY - self.t0) // HOUR + 1
        busy, work, awake, local_hour, day_of = [], [], [], [], []
        for h in range(hours):
            local = datetime.fromtimestamp(self.t0 + h * HOUR + HOUR // 2, tz)  # type: ignore[arg-type]
            wd, hr = local.weekday(), local.hour
            weekday = wd < 5
            if 8 <= hr < 17:
                b = 1.0 if weekday else 0.22
            elif 7 <= hr < 22:
                b = 0.4 if weekday else 0.15
            else:
                b = 0.04
            busy.append(b * (1.15 if wd == 0 else 1.0))  # Mondays are busier
            # Weekdays 8–17, and a weekend shift 10–16 (chat and phone customers expect it).
            work.append(8 <= hr < 17 if weekday else 10 <= hr < 16)
            awake.append(7 <= hr < 23)
            local_hour.append(hr)
            day_of.append((local.day, local.month - 1))
        self.hours = hours
        self.work = work
        self.next_work = _next_true(work)
        self.next_awake = _next_true(awake)
        # The nightly archive run (02:00 local): for each hour, the next run at least
        # three hours later.
        runs = [h for h in range(hours) if local_hour[h] == 2]
        self.next_night = [0] * hours
        j = 0
        for h in range(hours):
            while j < len(runs) and runs[j] < h + 3:
                j += 1
            self.next_night[h] = runs[j] if j < len(runs) else hours
        self.day_of = day_of
        # Creation times: the cumulative business of the hours from `start` to `now`.
        first = (self.start - self.t0) // HOUR
        last = (now - self.t0) // HOUR
        weights = busy[first:last + 1]
        weights[0] *= 1 - ((self.start - self.t0) % HOUR) / HOUR
        weights[-1] *= ((now - self.t0) % HOUR) / HOUR or 1e-9
        self._first_hour = first
        self._weights = weights
        self._cum = list(accumulate(weights))
        self._cases = cases

    def created(self, i: int) -> int:
        """When case `i` (0-based) was created: the cases follow the busy hours, in order."""
        jitter = ((i * 2_654_435_761) & 0xFFFF) / 65_536
        target = (i + jitter) / self._cases * self._cum[-1]
        k = bisect_right(self._cum, target)
        k = min(k, len(self._cum) - 1)
        before = self._cum[k - 1] if k else 0.0
        frac = (target - before) / self._weights[k] if self._weights[k] else 0.0
        t = self.t0 + (self._first_hour + k) * HOUR + int(min(frac, 0.999) * HOUR)
        return min(max(t, self.start), self.now)

    def at_work(self, t: int, rnd: random.Random) -> int:
        """`t`, or the start of the next working hour (plus a little) if nobody works then."""
        h = (t - self.t0) // HOUR
        if h >= self.hours or self.work[h]:
            return t
        n = self.next_work[h]
        if n >= self.hours:
            return self.t0 + self.hours * HOUR
        return self.t0 + n * HOUR + int(rnd.random() * 75 * 60)

    def awake(self, t: int, rnd: random.Random) -> int:
        h = (t - self.t0) // HOUR
        if h >= self.hours or h == self.next_awake[h]:
            return t
        n = self.next_awake[h]
        if n >= self.hours:
            return self.t0 + self.hours * HOUR
        return self.t0 + n * HOUR + int(rnd.random() * 3 * HOUR)

    def archive_run(self, closed: int, rnd: random.Random) -> int:
        h = (closed - self.t0) // HOUR
        if h >= self.hours:
            return self.t0 + (self.hours + 24) * HOUR
        return self.t0 + self.next_night[h] * HOUR + int(rnd.random() * 5 * 60)

    def date(self, t: int, lang: str) -> str:
        h = (t - self.t0) // HOUR
        day, month = self.day_of[min(max(h, 0), self.hours - 1)]
        return f"{day} {_MONTHS_SV[month]}" if lang == "sv" else f"{_MONTHS_EN[month]} {day}"


def _next_true(flags: Sequence[bool]) -> list[int]:
    """For each index, the first index at or after it whose flag is set (or len)."""
    out = [0] * len(flags)
    nxt = len(flags)
    for h in range(len(flags) - 1, -1, -1):
        if flags[h]:
            nxt = h
        out[h] = nxt
    return out


class _Stamp:
    """Whole seconds since the epoch -> the text SQLAlchemy stores for a naive UTC
    DateTime on SQLite ('YYYY-MM-DD HH:MM:SS.ffffff'), cached by the minute."""

    def __init__(self) -> None:
        self._minutes: dict[int, str] = {}
        self._seconds = [f"{s:02d}.000000" for s in range(60)]
        self._epoch = datetime(1970, 1, 1, tzinfo=UTC)

    def __call__(self, t: int) -> str:
        return self.text(t)

    def text(self, t: int) -> str:
        m, s = divmod(t, 60)
        prefix = self._minutes.get(m)
        if prefix is None:
            prefix = (self._epoch + timedelta(minutes=m)).strftime("%Y-%m-%d %H:%M:")
            self._minutes[m] = prefix
        return prefix + self._seconds[s]


# -- people ---------------------------------------------------------------------------------------

_ASCII = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "'": "", " ": "",
                        "&": "", "-": ""})


def _ascii(text: str) -> str:
    return "".join(ch for ch in text.lower().translate(_ASCII) if ch.isalnum())


@dataclass(frozen=True)
class _Contact:
    name: str
    first: str
    email: str
    phone: str
    business: bool
    premium: bool
    lang: str
    company: str


def _make_contacts(n: int, rnd: random.Random) -> list[_Contact]:
    out = []
    taken: set[str] = set()
    for _ in range(n):
        lang = "sv" if rnd.random() < 0.8 else "en"
        if lang == "sv":
            first, last = rnd.choice(_SV_FIRST), rnd.choice(_SV_LAST)
        else:
            first, last = rnd.choice(_EN_FIRST), rnd.choice(_EN_LAST)
        business = rnd.random() < 0.3
        premium = rnd.random() < (0.35 if business else 0.08)
        company = ""
        f, la = _ascii(first), _ascii(last)
        if business:
            if lang == "sv":
                company = " ".join(filter(None, (
                    rnd.choice(_SV_COMPANY_NAMES), rnd.choice(_SV_COMPANY_KINDS),
                    rnd.choice(_SV_TOWNS))))
            else:
                company = f"{rnd.choice(_EN_COMPANY_NAMES)} {rnd.choice(_EN_COMPANY_KINDS)}"
            domain = "".join(_ascii(w) for w in company.split()
                             if w not in ("AB", "Ltd", "i")) + ".example"
            local = rnd.choice((f"{f}.{la}", f, f"{f[0]}.{la}", f"{f}{la[0]}"))
        else:
            domain = rnd.choice(_PRIVATE_DOMAINS)
            local = rnd.choice((f"{f}.{la}", f"{f}{la}", f"{f[0]}{la}", f"{f}_{la}",
                                f"{f}.{la}{rnd.randrange(60, 100)}",
                                f"{f}{rnd.randrange(1, 1000)}"))
        email = f"{local}@{domain}"
        if email in taken:
            email = f"{local}{len(taken) % 997 + 2}@{domain}"
            while email in taken:
                email = f"{local}{rnd.randrange(10_000)}@{domain}"
        has_email = rnd.random() < 0.93
        has_phone = not has_email or rnd.random() < 0.55
        if has_email:
            taken.add(email)
        phone = ""
        if has_phone:
            n1 = rnd.choice(("70", "72", "73", "76", "79"))
            d = rnd.randrange(10_000_000)
            phone = f"+46 {n1} {d // 10_000:03d} {d // 100 % 100:02d} {d % 100:02d}"
        out.append(_Contact(f"{first} {last}", first, email if has_email else "", phone,
                            business, premium, lang, company))
    return out


# -- building -------------------------------------------------------------------------------------

Rows = dict[str, list[tuple[object, ...]]]


def build_demo(
    db: Database,
    *,
    cases: int = 3000,
    login: str,
    seed: int = 1,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Fill the empty, upgraded database `db` with a demo team's cases and mark it a demo
    database (setting `demo` = "1"). `login` (the person running it) becomes a supervisor
    in every channel. The same `seed`, `cases` and `now` give the same data.

    `progress(done, total)` is called after each batch of cases (at least every 1%);
    the search index is built after the last call.
    """
    if cases < 1:
        raise InvalidInput("a demo needs at least one case")
    login = check_login(login.strip())
    if not db.is_sqlite:
        raise InvalidInput("a demo is built in an SQLite database (give a file path)")
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise InvalidInput("`now` must be an aware datetime")
    at = int(now.astimezone(UTC).timestamp())
    team = _Team(login)
    db.write(lambda session: team.write(session, at, cases))
    batch = max(1, min(MAX_BATCH, cases // 100))
    builder = _Builder(cases=cases, team=team, seed=seed, now=at)
    with _Loader(db) as loader:
        for lo in range(0, cases, batch):
            hi = min(cases, lo + batch)
            loader.load(builder.batch(lo, hi))
            if progress is not None:
                progress(hi, cases)
    db.write(_quick_replies)
    _service_levels(db, now)  # before the statistics: they cover the SLA indexes too
    db.write(_finish)
    _checkpoint(db)
    return DemoSummary(cases=cases, messages=builder.messages,
                       contacts=len(builder.contacts), agents=len(team.agents),
                       channels=len(_CHANNELS))


QUICK_REPLIES = [
    ("Tack, vi återkommer", "Hej {namn}!\n\nTack för ditt meddelande. Vi tittar på ärendet "
     "och återkommer så snart vi kan, senast inom två arbetsdagar.\n\nVänliga hälsningar\n"
     "Nordljus kundservice"),
    ("Behöver ordernummer", "Hej {namn}!\n\nFör att kunna hjälpa dig behöver vi ditt "
     "ordernummer. Du hittar det i orderbekräftelsen.\n\nVänliga hälsningar\nNordljus "
     "kundservice"),
    ("Återställ lösenord", "Hej {namn}!\n\nDu kan återställa ditt lösenord under Mina sidor "
     "→ Glömt lösenord. Länken gäller i 30 minuter.\n\nVänliga hälsningar\nNordljus "
     "kundservice"),
    ("Thanks, we'll get back to you", "Hi {name},\n\nThank you for contacting us. We are "
     "looking into it and will get back to you within two working days.\n\nBest regards\n"
     "Nordljus Customer Service"),
]


def _service_levels(db: Database, now: datetime) -> None:
    """The default service levels, with due times on the unfinished cases; the first
    tick then marks what is due soon or overdue."""
    from store.service import CaseService
    from store.sla import SlaSettings

    CaseService.system(db, clock=lambda: now).set_sla_policy(SlaSettings(), "Europe/Stockholm")


def _quick_replies(session: Session) -> None:
    from store.models import QuickReply

    at = datetime.now(UTC)
    for title, text in QUICK_REPLIES:
        session.add(QuickReply(title=title, text=text, created_at=at))


_INSERTS = {
    "contact": "INSERT INTO contact (id, name, email, phone, customer_type, tier, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
    "cases": "INSERT INTO cases (id, title, channel_id, contact_id, assignee_id, status, "
             "priority, labels, version, created_at, updated_at, first_response_at, solved_at, "
             "closed_at, archived_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
    "message": "INSERT INTO message (id, case_id, kind, author_agent_id, author, text, flags, "
               "created_at, origin_case_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "mention": "INSERT INTO mention (message_id, agent_id) VALUES (?, ?)",
    "watch": "INSERT INTO watch (case_id, agent_id) VALUES (?, ?)",
    "workspace_entry": "INSERT INTO workspace_entry (agent_id, case_id, added_at, unread) "
                       "VALUES (?, ?, ?, ?)",
    "case_link": "INSERT INTO case_link (case_id, other_id, kind, created_at) "
                 "VALUES (?, ?, ?, ?)",
}


class _Loader:
    """A private connection for the bulk load, taken out of the engine's pool so that
    its load-only settings never reach anyone else: no foreign-key checks (the rows are
    consistent by construction), no fsync (a demo is rebuilt, not recovered), a large
    page cache. Each batch is one BEGIN IMMEDIATE transaction."""

    def __init__(self, db: Database) -> None:
        self._raw = db.engine.raw_connection()
        conn = self._raw.driver_connection
        assert conn is not None
        self._raw.detach()  # closed at the end, never returned to the pool
        for pragma in ("foreign_keys = OFF", "synchronous = OFF", "cache_size = -131072",
                       "wal_autocheckpoint = 16384"):
            conn.execute(f"PRAGMA {pragma}")
        self._conn = conn

    def __enter__(self) -> _Loader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()

    def load(self, rows: Rows) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for table, sql in _INSERTS.items():
                if rows[table]:
                    conn.executemany(sql, rows[table])
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _finish(session: Session) -> None:
    """The search index, and the statistics the query planner needs."""
    cache = session.execute(sa.text("PRAGMA cache_size")).scalar()
    session.execute(sa.text("PRAGMA cache_size = -131072"))
    try:
        search.rebuild(session)
        # Full statistics (an `analysis_limit` guesses badly here: it makes the planner
        # take ix_cases_merged_into_id for the case list and sort a million rows).
        session.execute(sa.text("ANALYZE"))
    finally:
        session.execute(sa.text(f"PRAGMA cache_size = {int(cache or -2000)}"))


def _checkpoint(db: Database) -> None:
    """Fold the write-ahead log into the database file (the load made it large)."""
    raw = db.engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


class _Team:
    """The agents and channels (index n in `agents` is agent id n + 1)."""

    def __init__(self, login: str) -> None:
        channel_names = [c[0] for c in _CHANNELS]
        self.channel_ids = {name: n + 1 for n, name in enumerate(channel_names)}
        # If you share a login with one of the made-up agents, you replace them.
        you = (login, f"Du ({login})", True, True, tuple(channel_names))
        self.agents = [*(a for a in _AGENTS if a[0] != login), you]
        self.logins = [a[0] for a in self.agents]
        self.names = [a[1] for a in self.agents]
        self.firsts = [a[1].split()[0] for a in self.agents[:-1]] + [login]
        self.you = len(self.agents) - 1
        self.supervisors = [n for n, a in enumerate(self.agents) if a[2] and a[3]]
        self.inactive = {n for n, a in enumerate(self.agents) if not a[3]}
        self.members: dict[str, list[int]] = {name: [] for name in channel_names}
        for n, a in enumerate(self.agents):
            for ch in a[4]:
                self.members[ch].append(n)
        # Per channel: (agents, cumulative shares of the work) for recent cases and for
        # old ones (an agent who has left still has her old cases).
        self.pickers: dict[tuple[str, bool], tuple[list[int], list[float]]] = {}
        for ch, people in self.members.items():
            for old in (False, True):
                who = [n for n in people if old or n not in self.inactive]
                shares = [_SHARE_YOU if n == self.you else
                          _SHARE_SUPERVISOR if n in self.supervisors else _SHARE_AGENT
                          for n in who]
                self.pickers[(ch, old)] = (who, list(accumulate(shares)))

    def write(self, session: Session, now: int, cases: int) -> None:
        for table in (Agent, Channel, Case):
            if session.scalar(sa.select(sa.func.count()).select_from(table)):
                raise InvalidInput(
                    "a demo is built only into an empty database: this one has "
                    f"{table.__tablename__} rows already"
                )
        conn = session.connection().connection.driver_connection
        assert conn is not None
        stamp = _Stamp()
        at = stamp(now - (SPAN_DAYS + 30) * DAY)
        conn.executemany(
            "INSERT INTO agent (id, login, name, email, is_supervisor, is_ai, is_active, "
            "created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
            [(n + 1, a[0], a[1], "" if n == self.you else f"{a[0]}@{DOMAIN}", int(a[2]),
              int(a[3]), at) for n, a in enumerate(self.agents)],
        )
        conn.executemany(
            "INSERT INTO channel (id, name, kind, address, created_at) VALUES (?, ?, ?, ?, ?)",
            [(self.channel_ids[c[0]], c[0], c[1], c[2], at) for c in _CHANNELS],
        )
        conn.executemany(
            "INSERT INTO channel_member (channel_id, agent_id) VALUES (?, ?)",
            [(self.channel_ids[ch], n + 1) for ch, people in self.members.items()
             for n in people],
        )
        session.add(Setting(key="demo", value="1"))
        session.execute(
            sa.text("INSERT INTO audit_event (at, actor, action, case_id, before, after) "
                    "VALUES (:at, :actor, 'demo.build', NULL, '', :after)"),
            {"at": stamp(now), "actor": self.logins[self.you], "after": f'{{"cases": {cases}}}'},
        )


class _Builder:
    """The demo's cases, generated batch by batch from one random stream."""

    def __init__(self, *, cases: int, team: _Team, seed: int, now: int) -> None:
        self.rnd = rnd = random.Random(seed)
        self.cases = cases
        self.now = now
        self.clock = _Clock(now, cases)
        self.created = [self.clock.created(i) for i in range(cases)]
        self.stamp = _Stamp()
        self.messages = 0
        self.channel_ids = team.channel_ids
        self.logins, self.names, self.firsts = team.logins, team.names, team.firsts
        self.you, self.supervisors, self.inactive = team.you, team.supervisors, team.inactive
        self.pickers = team.pickers
        self._setup_topics()
        # Who writes: about a third as many contacts as cases, many coming back.
        n_contacts = max(1, cases // 3)
        self.contacts = _make_contacts(n_contacts, rnd)
        p_new = n_contacts / cases
        self.case_contact = case_contact = [0] * cases
        self.prev_case = prev_case = [-1] * cases
        last_case: list[int] = []
        seen = 0
        for i in range(cases):
            if seen == 0 or (seen < n_contacts and rnd.random() < p_new):
                c = seen
                seen += 1
                last_case.append(-1)
            elif rnd.random() < 0.5:  # someone who wrote recently
                c = seen - 1 - int(rnd.random() * min(seen, 300))
            else:
                c = int(rnd.random() * seen)
            case_contact[i] = c
            prev_case[i] = last_case[c]
            last_case[c] = i
        del self.contacts[seen:]
        self._contacts_written = 0

    # -- what the cases are about ---------------------------------------------------------------

    def _setup_topics(self) -> None:
        self.channel_pick = list(accumulate(c[3] for c in _CHANNELS))
        self.topic_pick: dict[str, tuple[list[_Topic], list[float]]] = {}
        for name, *_ in _CHANNELS:
            topics = [t for t in _TOPICS if t.where.get(name)]
            self.topic_pick[name] = (topics, list(accumulate(t.where[name] for t in topics)))
        self.fallback = {t.key: t for t in _TOPICS}["invoice-copy"]

    # -- one batch ----------------------------------------------------------------------------

    def batch(self, lo: int, hi: int) -> Rows:
        rows: Rows = {
            "contact": [], "cases": [], "message": [], "mention": [], "watch": [],
            "workspace_entry": [], "case_link": [],
        }
        # The contacts whose first case is in this batch (contacts are numbered in
        # the order they first wrote).
        stamp = self.stamp.text
        contacts = rows["contact"]
        for i in range(lo, hi):
            c = self.case_contact[i]
            if c == self._contacts_written:  # this case brings a new contact
                p = self.contacts[c]
                contacts.append((
                    c + 1, p.name, p.email, p.phone, "business" if p.business else "private",
                    "premium" if p.premium else "standard", stamp(self.created[i] - 60),
                ))
                self._contacts_written += 1
        for i in range(lo, hi):
            self._case(i, rows)
        return rows

    def _case(self, i: int, rows: Rows) -> None:
        rnd = self.rnd
        r = rnd.random

        def pick(seq: Sequence[_T]) -> _T:  # rnd.choice, faster
            return seq[int(r() * len(seq))]

        clock = self.clock
        number = i + 1
        contact = self.contacts[self.case_contact[i]]
        lang = contact.lang
        created = self.created[i]

        # Channel and topic.
        ch_name = _CHANNELS[bisect_right(self.channel_pick, r() * self.channel_pick[-1])][0]
        if not contact.email and ch_name not in ("Webbchatt", "Telefon"):
            ch_name = "Telefon" if r() < 0.5 else "Webbchatt"
        elif not contact.phone and ch_name == "Telefon":
            ch_name = "Support"
        kind = _CHANNELS[self.channel_ids[ch_name] - 1][1]
        topics, cum = self.topic_pick[ch_name]
        topic = topics[bisect_right(cum, r() * cum[-1])]
        if topic.business and not contact.business:
            topic = self.fallback
        words = topic.sv if lang == "sv" else topic.en
        chat = kind == "chat"

        # Priority and labels.
        base = topic.priority
        x = r()
        if base == "high":
            priority = "high" if x < 0.85 else "medium"
        elif base == "medium":
            priority = "high" if x < 0.12 else "low" if x < 0.22 else "medium"
        else:
            priority = "medium" if x < 0.25 else "low"
        if contact.premium and priority == "low" and r() < 0.5:
            priority = "medium"
        labels = set(topic.labels)
        if contact.business:
            labels.add("företag")
        if contact.premium:
            labels.add("premium")
        labels_text = ",".join(sorted(labels))

        # Who handles it.
        old = created < self.now - 30 * DAY
        who, shares = self.pickers[(ch_name, old)]
        agent = who[bisect_right(shares, r() * shares[-1])]
        if agent in self.inactive and r() < 0.5:  # she did not take every case
            agent = who[bisect_right(shares, r() * shares[-1])]
        colleagues = [n for n in who if n != agent and n not in self.inactive]

        d = r()
        ctx: dict[str, object] = {
            "first": contact.first, "name": contact.name, "company": contact.company,
            "email": contact.email or ("din e-post" if lang == "sv" else "your email"),
            "phone": contact.phone or "-",
            "order": 4_100_000 + (number * 7919) % 900_000,
            "invoice": 70_000_000 + (number * 104_729) % 9_000_000,
            "amount": self._amount(pick(_PRICES), lang),
            "date": clock.date(created - int(d * 10 * DAY) - DAY, lang),
            "product": pick(_PRODUCTS_SV if lang == "sv" else _PRODUCTS_EN),
            "case": number, "prev": self.prev_case[i] + 1, "bug": 2000 + number % 700,
            "dur": f"{1 + int(d * 4)}:{int(d * 3600) % 60:02d}",
            "category": _FORM_CATEGORY[lang].get(topic.labels[0], topic.labels[0]),
            "back": clock.date(created + DAY + int(d * 9 * DAY), lang),
            "agent": "", "mlogin": "",
        }
        ctx["summary"] = words.summary.format_map(ctx)
        title = pick(words.titles).format_map(ctx)

        # The plan: (time, kind, by, template, flags, new status, new assignee, mention).
        plan: list[tuple[int, str, int, str, str, str | None, int | None, int | None]] = []
        last_t = created

        def add(t: int, kind_: str, by: int, text: str, *, flags: str = "",
                status: str | None = None, assign: int | None = None,
                mention: int | None = None) -> int:
            nonlocal last_t
            t = max(t, last_t)
            last_t = t
            plan.append((t, kind_, by, text, flags, status, assign, mention))
            return t

        prev = self.prev_case[i]
        related = (prev >= 0 and created - self.created[prev] < 21 * DAY and r() < 0.45)
        prefix = _PREV[lang] if related and r() < 0.6 else ""
        escalated = kind in ("chat", "phone") and r() < 0.3

        # The customer's first words.
        t = created
        if chat:
            hi_ = pick(_CHAT_HI[lang])
            add(t, _CUSTOMER, _BY_CUSTOMER, (hi_ + " " if hi_ else "") + prefix
                + pick(words.short))
        elif kind == "phone":
            if escalated:  # the AI receptionist took the call and opened the case after it
                add(t, _AI, _BY_AI, _AI_CALL[lang][0])
            else:
                add(t, _CUSTOMER, _BY_CUSTOMER, _VOICEMAIL[lang] + prefix
                    + pick(words.short) + _VOICEMAIL_END[lang])
        else:
            body = prefix + pick(words.long)
            if kind == "form":
                text = _FORM[lang] + body
            else:
                sign = (_SIGN_BUSINESS[lang] if contact.business and r() < 0.7
                        else pick(_SIGN[lang]))
                close = pick(_CLOSE[lang])
                text = f"{pick(_GREET[lang])}\n\n{body}\n\n" + (
                    f"{close}\n\n" if close else "") + sign
            add(t, _CUSTOMER, _BY_CUSTOMER, text)
        if escalated and chat:
            t = add(t + 15 + int(r() * 40), _AI, _BY_AI, _AI_HELLO[lang][0])
            t = add(t + 30 + int(r() * 150), _CUSTOMER, _BY_CUSTOMER, pick(_AI_ANSWER[lang]))
            t = add(t + 10 + int(r() * 30), _AI, _BY_AI, _AI_HANDOVER[lang][0])
        status = "escalated" if escalated else "new"
        lines = len(plan)  # the conversation's lines (not events): at most 8

        # Routing rules assign a share of the cases as they arrive.
        routed = not escalated and r() < 0.2
        if routed:
            add(t + 1, _EVENT, _BY_SYSTEM, f"Assigned to {self.logins[agent]}", assign=agent)

        # When someone picks it up.
        if escalated:  # the AI has done what it can; a human takes over when free
            delay = rnd.lognormvariate(8.9, 1.1)  # median ~2 hours
        elif chat:
            delay = 40 + r() * 600
        elif kind == "phone":
            delay = 300 + r() * 5400
        else:
            delay = rnd.lognormvariate(9.6, 1.0)  # median ~4 hours
        delay *= 0.35 if priority == "high" else 1.6 if priority == "low" else 1.0
        if contact.premium:
            delay *= 0.6
        if r() < 0.03:
            delay += 2 * DAY  # the odd one that falls between the chairs
        pickup = clock.at_work(t + int(delay), rnd)
        if kind == "email" and pickup - created > 22 * HOUR and r() < 0.5:
            add(clock.awake(created + 20 * HOUR + int(r() * 4 * HOUR), rnd), _CUSTOMER,
                _BY_CUSTOMER, pick(_CHASER[lang]))
            lines += 1
        t = max(pickup, last_t)
        if not routed:
            if r() < 0.15:
                boss = self.supervisors[int(r() * len(self.supervisors))]
                t = add(t, _EVENT, boss, f"Assigned to {self.logins[agent]}", assign=agent)
                t = clock.at_work(t + 120 + int(r() * 1800), rnd)
            else:
                t = add(t, _EVENT, agent, f"Assigned to {self.logins[agent]}", assign=agent)
        if escalated:
            t = add(t + 5, _EVENT, agent, "Status: escalated → open", status="open")
            status = "open"

        # The work: rounds of reply and answer until solved.
        if chat:
            rounds = 1 if r() < 0.6 else 2
        elif kind == "phone":
            rounds = 1 if r() < 0.55 else 2
        else:
            x = r()
            rounds = 1 if x < 0.45 else 2 if x < 0.87 else 3
        stuck = priority != "high" and r() < 0.04  # never finished: the backlog's long tail
        park = not chat and r() < 0.1
        hi_agent = _AGENT_HI[lang]
        for rd in range(rounds):
            last = rd == rounds - 1 or lines >= 4
            if park and rd == 0 and lines <= 2 and colleagues:
                m = self.you if r() < 0.2 else colleagues[int(r() * len(colleagues))]
                t = add(t + 60 + int(r() * 600), _NOTE, agent, pick(_PARK_NOTES),
                        mention=m)
                add(t, _EVENT, agent, f"Status: {status} → parked", status="parked")
                status = "parked"
                t = clock.at_work(t + int(rnd.lognormvariate(10.6, 0.8)), rnd)  # ~11 h
                t = add(t, _NOTE, m, pick(_UNPARK_NOTES))
                lines += 2
            elif lines <= 5 and r() < 0.22:
                note = pick(topic.notes if r() < 0.7 else _NOTES)
                m = None
                if "{mlogin}" in note:
                    if colleagues:
                        m = self.you if r() < 0.2 else colleagues[int(r() * len(colleagues))]
                    else:
                        note = _NOTES[-1]
                t = add(t + 60 + int(r() * 900), _NOTE, agent, note, mention=m)
                lines += 1
            t = clock.at_work(t + (20 + int(r() * 90) if chat else 120 + int(r() * 1500)), rnd)
            text = pick(words.fix if last else words.ask)
            if chat:
                if rd == 0:
                    text = f"{pick(_CHAT_AGENT_HI[lang])} {text}"
            elif kind == "phone":
                text = f"{pick(hi_agent)}\n\n{text}\n\n{_PHONE_SIGN[lang]}"
            else:
                text = f"{pick(hi_agent)}\n\n{text}\n\n{_AGENT_SIGN[lang]}"
            t = add(t, _REPLY, agent, text)
            lines += 1
            target = "solved" if last else ("open" if chat else "waiting")
            if stuck and not last:
                target = "open" if chat else pick(("waiting", "parked", "open"))
            if last and chat and lines <= 7 and r() < 0.4:
                # The customer thanks the agent before the chat ends; then it is solved.
                t = add(t + 20 + int(r() * 60), _CUSTOMER, _BY_CUSTOMER,
                        pick(_THANKS[lang]))
                lines += 1
                t += 10 + int(r() * 50)
            if target != status:
                add(t, _EVENT, agent, f"Status: {status} → {target}", status=target)
                status = target
            if kind == "email" and lines <= 6 and r() < 0.04:
                add(t + 5 + int(r() * 90), _CUSTOMER, _BY_CUSTOMER,
                    pick(_AUTO_REPLY[lang]), flags="auto-reply")
                lines += 1
            if last:
                break
            if stuck:
                if status == "parked":
                    add(t + 300, _NOTE, agent, pick(_STUCK_NOTES))
                break
            # The customer answers (or not).
            if chat:
                t += 30 + int(r() * 200)
            else:
                t = clock.awake(t + int(rnd.lognormvariate(10.3, 1.1)), rnd)  # ~8 h
                if r() < 0.1:  # never does: solved after a few days
                    t = clock.at_work(t + 4 * DAY + int(r() * 2 * DAY), rnd)
                    t = add(t, _REPLY, agent, f"{pick(hi_agent)}\n\n"
                            f"{_NO_ANSWER[lang][0]}\n\n{_AGENT_SIGN[lang]}")
                    add(t, _EVENT, agent, f"Status: {status} → solved", status="solved")
                    status = "solved"
                    lines += 1
                    break
            t = add(t, _CUSTOMER, _BY_CUSTOMER, pick(words.info))
            lines += 1
            if status == "waiting":
                add(t, _EVENT, _BY_SYSTEM, "Status: waiting → open (the customer replied)",
                    status="open")
                status = "open"
            t = clock.at_work(t + (10 + int(r() * 60) if chat else int(
                rnd.lognormvariate(9.0, 1.0) * (0.4 if priority == "high" else 1.0))), rnd)

        # Solved: a few come back, the rest close after a week and are archived that night.
        if status == "solved":
            if lines <= 6 and r() < 0.06:
                t2 = clock.awake(t + DAY + int(r() * 5 * DAY), rnd)
                add(t2, _CUSTOMER, _BY_CUSTOMER, pick(_REOPEN[lang]))
                add(t2, _EVENT, _BY_SYSTEM, "Status: solved → open (the customer replied)",
                    status="open")
                t = clock.at_work(t2 + int(rnd.lognormvariate(8.5, 1.0)), rnd)
                t = add(t, _REPLY, agent, f"{pick(hi_agent)}\n\n"
                        f"{_REOPEN_FIX[lang][0]}\n\n{_AGENT_SIGN[lang]}")
                add(t, _EVENT, agent, "Status: open → solved", status="solved")
            closed = last_t + SOLVED_DAYS * DAY + 60 + int(r() * 900)
            add(closed, _EVENT, _BY_SYSTEM, "Status: solved → closed", status="closed")
            add(clock.archive_run(closed, rnd), _EVENT, _BY_SYSTEM, "Status: closed → archived",
                status="archived")

        self._emit(i, rows, plan, ctx, contact, title, ch_name, priority, labels_text,
                   agent, colleagues, related, escalated)

    def _emit(self, i: int, rows: Rows,
              plan: list[tuple[int, str, int, str, str, str | None, int | None, int | None]],
              ctx: dict[str, object], contact: _Contact, title: str, ch_name: str,
              priority: str, labels: str, agent: int, colleagues: list[int],
              related: bool, escalated: bool) -> None:
        """Cut the plan at `now` and write what had happened by then."""
        now = self.now
        stamp = self.stamp.text
        number = i + 1
        messages = rows["message"]
        status = "escalated" if escalated else "new"
        assignee: int | None = None
        assigned_at = 0
        first_response = solved = closed = archived = None
        last = plan[0][0]
        last_by = _BY_CUSTOMER
        mid = self.messages
        for t, kind, by, text, flags, new_status, assign, mention in plan:
            if t > now:
                break
            mid += 1
            if by >= 0:
                author = self.names[by]
                agent_id: int | None = by + 1
                ctx["agent"] = self.firsts[by]
            elif by == _BY_CUSTOMER:
                author, agent_id = contact.name, None
            elif by == _BY_SYSTEM:
                author, agent_id = SYSTEM_AUTHOR, None
            else:
                author, agent_id = AI_AUTHOR, None
            if mention is not None:
                ctx["mlogin"] = self.logins[mention]
                rows["mention"].append((mid, mention + 1))
            if kind != _EVENT:
                text = text.format_map(ctx)
            messages.append((mid, number, kind, agent_id, author, text, flags, stamp(t),
                             number))
            if kind == _REPLY and first_response is None:
                first_response = t
            if new_status is not None:
                status = new_status
                if new_status == "solved":
                    solved = t
                elif new_status == "closed":
                    closed = t
                elif new_status == "archived":
                    archived = t
                elif new_status == "open":
                    solved = None
            if assign is not None:
                assignee, assigned_at = assign, t
            last = t
            if kind != _EVENT:
                last_by = by
        self.messages = mid
        created = plan[0][0]
        rows["cases"].append((
            number, title, self.channel_ids[ch_name], self.case_contact[i] + 1,
            None if assignee is None else assignee + 1, status, priority, labels,
            stamp(created), stamp(last), None if first_response is None else stamp(first_response),
            None if solved is None else stamp(solved), None if closed is None else stamp(closed),
            None if archived is None else stamp(archived),
        ))
        r = self.rnd.random
        # Workspaces: an agent's assigned cases stay until solved.
        active = status in ("new", "escalated", "open", "parked", "waiting")
        if assignee is not None and active and assignee not in self.inactive:
            rows["workspace_entry"].append((assignee + 1, number, stamp(assigned_at),
                                            int(last_by == _BY_CUSTOMER)))
        elif active and assignee != self.you and r() < 0.02:
            rows["workspace_entry"].append((self.you + 1, number, stamp(last), 0))
        # Watchers: a colleague now and then, supervisors on urgent premium cases.
        watchers = set()
        if colleagues and r() < 0.05:
            watchers.add(colleagues[int(r() * len(colleagues))])
        if priority == "high" and contact.premium and r() < 0.5:
            watchers.add(self.supervisors[int(r() * len(self.supervisors))])
        if active and r() < 0.01:
            watchers.add(self.you)
        watchers.discard(assignee)  # type: ignore[arg-type]
        for w in sorted(watchers):
            rows["watch"].append((number, w + 1))
        if related:
            prev = self.prev_case[i]
            rows["case_link"].append((prev + 1, number, "related", stamp(created)))

    @staticmethod
    def _amount(value: int, lang: str) -> str:
        if lang == "sv":
            return f"{value:,} kr".replace(",", "\u00a0")
        return f"SEK {value:,}"
