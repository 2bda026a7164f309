"""A demo database: a Swedish support team's last eight weeks, made up.

`build_demo` fills an empty, upgraded database with agents, channels, contacts and
cases with whole conversations — what a new user sees first, so it has to look
like a real team's work: Swedish and English customers, invoices and logins and
late deliveries, internal notes with @mentions, AI hand-overs, every status in
the proportions a working team has (the old cases closed and archived, the new
ones waiting for someone) — at whatever hour it is built: at night an agent is on
call, so cases are solved, and a week later closed, at night too (generate.py).

It is built for speed, not through `CaseService`: every row is made in Python
(generate.py) from templates and one `random.Random(seed)`, ids are assigned here, and the rows
go in with the DBAPI's `executemany` on a private connection, one transaction per
batch of cases; the search index is rebuilt once at the end, then ANALYZE. A
million cases (8.7 million lines of conversation) take about two and a half minutes.

Each case's conversation has 1–8 lines (customer, reply, note, AI) plus the system
events the service itself would have written (assignment, every status change,
the scheduler's closing and archiving).

The words — the team, customers' names and companies, products, the conversations by
topic and language, internal notes, quick replies — are TOML files in `data/`, read by
data.py.

Safety: the made-up people's addresses are under the reserved `.example` domains
(RFC 2606), so a demo reply that reaches a real outbox cannot mail anyone.
"""

from store.demo.build import MAX_BATCH, DemoSummary, build_demo
from store.demo.clock import DAY, HOUR, SPAN_DAYS, span_days
from store.demo.data import DOMAIN, QUICK_REPLIES
from store.demo.plan import AI_AUTHOR, SOLVED_DAYS, SYSTEM_AUTHOR, Rows

__all__ = [
    "AI_AUTHOR",
    "DAY",
    "DOMAIN",
    "HOUR",
    "MAX_BATCH",
    "QUICK_REPLIES",
    "SOLVED_DAYS",
    "SPAN_DAYS",
    "span_days",
    "SYSTEM_AUTHOR",
    "DemoSummary",
    "Rows",
    "build_demo",
]
