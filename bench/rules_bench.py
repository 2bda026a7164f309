"""What a team's triage rules cost a new case: `casedesk ingest`'s path for `--cases`
lines into a fresh SQLite database, without a rules file and with one of 50 rules, in
the same run (README, "Triage rules").

    .venv/bin/python bench/rules_bench.py [--cases 10000] [--rounds 1]

The 50 rules are of every kind a team writes: words to labels and priority, words in a
channel to another channel, a sender's domain, a language to an assignee (in turn,
least loaded), a customer type to a supervisor's workspace. The messages are the
labelled ones of tests/store/triage_*.toml, each with its own sender. Rounds
alternate; the best of each is kept.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from store.db import Database  # noqa: E402
from store.ingest import ingest_lines  # noqa: E402
from store.service import CaseService, bootstrap  # noqa: E402
from store.triage.routing import RuleSource  # noqa: E402

# Topics, three words each: a team's rules split the mail by topic, so most cases
# fire a rule or two, not every rule that shares a word.
WORDS = ["faktura", "invoice", "räkning", "leverans", "delivery", "paketet",
         "retur", "return", "ångra", "lösenord", "password", "inloggning", "order",
         "beställning", "ordernummer", "parcel", "spårning", "tracking", "konto", "account",
         "profil", "app", "appen", "mobil", "lampa", "lampan", "glödlampa", "abonnemang",
         "subscription", "uppsägning", "kvitto", "receipt", "kvittot", "adress", "address",
         "flytt", "garanti", "warranty", "reklamation", "rabatt", "discount", "kampanj",
         "betalning", "payment", "kort", "swish", "klarna", "delbetalning", "present",
         "presentkort", "gift", "storlek", "size", "byte", "färg", "colour", "modell",
         "manual", "bruksanvisning", "instruktion"]
DOMAINS = ["bolaget.se", "firma.se", "example.com", "kund.se", "mail.se"]


def rule_file() -> str:
    """50 rules, none of more than three conditions."""
    rules = []
    for i in range(20):
        words = WORDS[i * 3:i * 3 + 3]
        rules.append(f'[[rule]]\nname = "Ord {i}"\nwhen = {{ words = {json.dumps(words)} }}\n'
                     f'then = {{ labels = ["ord{i % 5}"], priority = '
                     f'"{("low", "medium", "high")[i % 3]}" }}\n')
    for i in range(10):
        rules.append(f'[[rule]]\nname = "Kanal {i}"\nwhen = {{ channel = "Support", words = '
                     f'["{WORDS[i]}"] }}\nthen = {{ channel = "{("Fakturor", "Chat")[i % 2]}" }}\n')
    for i in range(10):
        rules.append(f'[[rule]]\nname = "Domän {i}"\nwhen = {{ from = "@{DOMAINS[i % 5]}", '
                     f'words = ["{WORDS[-1 - i]}"] }}\nthen = {{ priority = "high" }}\n')
    for i in range(5):
        way = ("round-robin", "least-loaded")[i % 2]
        rules.append(f'[[rule]]\nname = "Språk {i}"\nwhen = {{ language = "{("sv", "en")[i % 2]}", '
                     f'words = ["{WORDS[i * 3]}"] }}\nthen = {{ assign = "{way}" }}\n')
    for i in range(5):
        kind = ("new", "existing", "internal")[i % 3]
        rules.append(f'[[rule]]\nname = "Kund {i}"\nwhen = {{ customer_type = "{kind}", '
                     f'words = ["{WORDS[i + 10]}"] }}\nthen = {{ notify = ["boss"] }}\n')
    return "\n".join(rules)


def lines(cases: int) -> list[str]:
    found = []
    for name in ("triage_messages.toml", "triage_holdout.toml"):
        data = tomllib.loads((ROOT / "tests/store" / name).read_text(encoding="utf-8"))
        found += [(m["subject"], m["text"]) for m in data["message"]]
    return [json.dumps({
        "channel": "Support", "title": found[i % len(found)][0],
        "contact": {"name": f"Kund {i}", "email": f"k{i % 3000}@{DOMAINS[i % 5]}"},
        "messages": [{"from": "customer", "text": found[i % len(found)][1]}]})
        for i in range(cases)]


def ingest(folder: Path, rules: Path | None, text: list[str]) -> tuple[float, int]:
    """Seconds for the lines, and how many rule firings they made."""
    path = folder / f"rules-{rules is not None}-{time.monotonic_ns()}.db"
    db = Database(path, rules=RuleSource(rules) if rules else None)
    db.upgrade()
    bootstrap(db, "boss", name="Britt Boss")
    boss = CaseService(db, "boss")
    for name, kind in (("Support", "email"), ("Fakturor", "email"), ("Chat", "chat")):
        boss.add_channel(name, kind=kind, address=f"{name.lower()}@team.se" if kind == "email"
                         else "")
    for login in ("anna", "bo", "cilla"):
        boss.add_agent(login, name=login.title())
        for channel in ("Support", "Fakturor", "Chat"):
            boss.set_membership(channel, login, member=True)
    start = time.perf_counter()
    results = list(ingest_lines(boss, text))
    took = time.perf_counter() - start
    assert all(r.error is None for r in results), [r.error for r in results if r.error][:3]
    with db.engine.connect() as conn:
        fired = conn.exec_driver_sql(
            "SELECT count(*) FROM message WHERE event_kind = 'triaged'").scalar_one()
    db.dispose()
    return took, fired


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    text = lines(args.cases)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        rules = folder / "rules.toml"
        rules.write_text(rule_file(), encoding="utf-8")
        best = {"without": float("inf"), "with": float("inf")}
        fired = 0
        for _ in range(args.rounds):
            best["without"] = min(best["without"], ingest(folder, None, text)[0])
            took, fired = ingest(folder, rules, text)
            best["with"] = min(best["with"], took)
    for name in ("without", "with"):
        print(f"ingest ×{args.cases}, {name} 50 rules: {best[name]:.1f} s "
              f"({best[name] / args.cases * 1e3:.2f} ms a case)")
    print(f"rule firings: {fired} ({fired / args.cases:.2f} a case)")
    print(f"ratio with/without: {best['with'] / best['without']:.3f} (aim ≤ 1.2)")


if __name__ == "__main__":
    main()
