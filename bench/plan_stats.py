"""Print the planner statistics of a big database as JSON, for the query-plan test.

    .venv/bin/python bench/plan_stats.py ~/.local/share/casedesk/demo-1m.db \
        > tests/store/stat1_1m.json

Run it again (on a database built by `casedesk demo --cases 1000000`) after adding an
index: tests/store/test_query_plans.py loads these statistics into a small database
so that SQLite plans its queries as it would on a million cases.
"""

import json
import sqlite3
import sys

TABLES = ("cases", "contact", "channel", "agent", "watch", "channel_member", "message")

conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
rows = conn.execute(
    f"SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl IN ({','.join('?' * len(TABLES))}) "
    "ORDER BY tbl, idx",
    TABLES,
).fetchall()
json.dump([list(r) for r in rows], sys.stdout, indent=1)
print()
