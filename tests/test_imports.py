"""Import hygiene: the packages below the TUI never load Textual, and importing the
models touches no database. Each check runs in a fresh interpreter (this one has
imported everything already), in an empty folder with no casedesk settings in its
environment, so no configuration is found either."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Run before the imports under test: fail on any engine made or connection opened.
NO_DATABASE = """
import sqlite3
import sqlalchemy
import sqlalchemy.engine
import sqlmodel

def refuse(*args, **kwargs):
    raise AssertionError("a database was touched on import")

sqlalchemy.create_engine = sqlalchemy.engine.create_engine = refuse
sqlmodel.create_engine = refuse
sqlalchemy.engine.Engine.connect = sqlalchemy.engine.Engine.raw_connection = refuse
sqlite3.connect = refuse
"""

REPORT = """
import json, sys
print(json.dumps({
    "textual": sorted(m for m in sys.modules if m == "textual" or m.startswith("textual.")),
    "tui": sorted(m for m in sys.modules if m == "tui" or m.startswith("tui.")),
    "files": {m: getattr(sys.modules[m], "__file__", None) for m in %r},
}))
"""


def imported(modules: list[str], cwd: Path, *, guard: str = "") -> dict[str, object]:
    """What importing `modules` loads, in a new interpreter with a bare environment."""
    code = guard + "".join(f"import {m}\n" for m in modules) + REPORT % (modules,)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd),
           "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env,
                            capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    found: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    files = found["files"]
    assert isinstance(files, dict)
    for module, path in files.items():  # this checkout's code, not an installed copy
        assert path is not None, module
        assert Path(path).is_relative_to(ROOT), (module, path)
    return found


@pytest.mark.parametrize("modules", [
    ["store"], ["store.service"], ["store.models"],
    ["mail"], ["mail.poller", "mail.sender", "mail.parse"],
    ["scheduler"], ["scheduler.daemon", "scheduler.jobs"],
], ids=lambda m: "+".join(m))
def test_below_the_tui_nothing_loads_textual(modules: list[str], tmp_path: Path) -> None:
    found = imported(modules, tmp_path)
    assert found["textual"] == []
    assert found["tui"] == []


def test_the_models_import_without_a_database(tmp_path: Path) -> None:
    imported(["store.models"], tmp_path, guard=NO_DATABASE)
    assert list(tmp_path.iterdir()) == []  # no database file made either


def test_the_guard_catches_a_connection(tmp_path: Path) -> None:
    """The check above would notice: making an engine under the guard fails."""
    code = NO_DATABASE + "import sqlalchemy\nsqlalchemy.create_engine('sqlite://')\n"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, check=False, timeout=120,
                            env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)})
    assert result.returncode != 0
    assert "a database was touched on import" in result.stderr
