"""What triage costs a new case, next to the same work without it, in the same run.

    .venv/bin/python bench/triage_bench.py [--cases 3000] [--rounds 2]

- the detectors alone (store/triage/detect.py) on the labelled messages of
  tests/store/triage_*.toml, per message;
- `create_case` (what the TUI, the CLI and ingest call) for `--cases` new cases into a
  fresh SQLite database with the built-in detectors, and with both turned off
  (`[triage] urgent = false, frustrated = false`): the ratio is triage's share of a
  new case. Rounds alternate, the best of each is kept.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from store.db import Database  # noqa: E402
from store.inputs import ContactInput, MessageInput  # noqa: E402
from store.service import CaseService, bootstrap  # noqa: E402
from store.triage import BUILT_IN, Detectors  # noqa: E402

OFF = Detectors(urgent=False, tone=False)


def messages() -> list[tuple[str, str]]:
    found = []
    for name in ("triage_messages.toml", "triage_holdout.toml"):
        data = tomllib.loads((ROOT / "tests/store" / name).read_text(encoding="utf-8"))
        found += [(m["subject"], m["text"]) for m in data["message"]]
    return found


def detectors_alone(texts: list[tuple[str, str]], repeat: int = 20) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for subject, text in texts:
            BUILT_IN.find(f"{subject}\n{text}")
    return (time.perf_counter() - start) / (repeat * len(texts))


def create_cases(detectors: Detectors, texts: list[tuple[str, str]], cases: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "triage.db", detectors=detectors)
        db.upgrade()
        bootstrap(db, "boss", name="Britt Boss")
        boss = CaseService(db, "boss")
        boss.add_channel("Support", kind="email", address="support@example.se")
        start = time.perf_counter()
        for i in range(cases):
            subject, text = texts[i % len(texts)]
            boss.create_case(channel="Support", title=subject,
                             contact=ContactInput(name=f"Kund {i}", email=f"k{i}@example.se"),
                             messages=[MessageInput(text)])
        took = time.perf_counter() - start
        db.dispose()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    texts = messages()
    alone = detectors_alone(texts)
    print(f"detectors alone: {alone * 1e6:.0f} µs a message ({len(texts)} messages)")
    best = {"on": float("inf"), "off": float("inf")}
    for _ in range(args.rounds):
        for name, detectors in (("off", OFF), ("on", BUILT_IN)):
            best[name] = min(best[name], create_cases(detectors, texts, args.cases))
    for name in ("off", "on"):
        print(f"create_case ×{args.cases}, triage {name}: {best[name]:.2f} s "
              f"({best[name] / args.cases * 1e3:.2f} ms a case)")
    print(f"ratio on/off: {best['on'] / best['off']:.3f} (aim ≤ 1.2)")


if __name__ == "__main__":
    main()
