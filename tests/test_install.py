"""What a user installs: the wheel built from the committed tree carries every file the
code reads besides its modules (the migrations, the TUI's stylesheets, the demo's data),
and the installed copy alone builds and migrates a demo database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from store.db import head_revision

ROOT = Path(__file__).resolve().parents[1]
# What the code reads from its packages besides modules, found in the tree so that a new
# file is checked too.
DATA_FILES = ("store/migrations/**/*", "tui/**/*.tcss", "store/demo/data/**/*")


def run(args: list[str], **kwargs: object) -> str:
    result = subprocess.run(args, capture_output=True, text=True, check=False,
                            **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{args[:4]}\n{result.stdout}\n{result.stderr}"
    return str(result.stdout)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HEAD as a clean tree: nothing uncommitted, no build output, no caches."""
    folder = tmp_path_factory.mktemp("checkout")
    archive = folder / "head.tar"
    run(["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(archive), "HEAD"])
    tree = folder / "casedesk"
    tree.mkdir()
    run(["tar", "-xf", str(archive), "-C", str(tree)])
    return tree


@pytest.fixture(scope="module")
def wheel(checkout: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built by this venv's pip and setuptools, offline."""
    out = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", "--quiet", "-w", str(out), str(checkout)])
    (built,) = out.glob("casedesk-*.whl")
    return built


def test_the_wheel_carries_every_data_file(checkout: Path, wheel: Path) -> None:
    needed = {path.relative_to(checkout).as_posix()
              for pattern in DATA_FILES for path in checkout.glob(pattern) if path.is_file()}
    # The globs find what they are meant to (a typo would make the test pass on nothing).
    assert "store/migrations/env.py" in needed
    assert "store/demo/data/team.toml" in needed
    assert any(name.startswith("store/demo/data/topics/") for name in needed)
    # The TUI's stylesheets: the app's, the widgets' and every modal's beside its module.
    assert {"tui/casedesk.tcss", "tui/widgets/composer.tcss",
            "tui/screens/filter.tcss"} <= needed
    assert len([n for n in needed if n.startswith("tui/screens/")]) >= 8
    with zipfile.ZipFile(wheel) as archive:
        carried = set(archive.namelist())
    assert sorted(needed - carried) == []


# Run from the installed copy: `-S` leaves out the venv's .pth files (the editable install
# of the source tree among them); PYTHONPATH gives the copy, then the dependencies.
SCRIPT = """
import json, sys
from datetime import UTC, datetime
from pathlib import Path

source, target, path, head = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
import store, store.demo, server.keys, server.doctor, cli.main
for module in (store, store.demo, server.keys, server.doctor, cli.main):
    assert Path(module.__file__).is_relative_to(target), module.__file__
assert not any(Path(entry or ".").resolve() == source for entry in sys.path), sys.path

from store.db import Database, is_demo_database
from store.demo import build_demo

# Every stylesheet the TUI names is there, beside the module that names it.
import tui.app, tui.screens
for cls in (tui.app.CasedeskApp, *(getattr(tui.screens, n) for n in tui.screens.__all__
                                    if n.endswith("Modal"))):
    folder = Path(sys.modules[cls.__module__].__file__).parent
    assert folder.is_relative_to(target), folder
    for css in ([cls.CSS_PATH] if isinstance(cls.CSS_PATH, str) else cls.CSS_PATH):
        assert (folder / css).is_file(), (cls.__name__, css)

db = Database(path)
before, after = db.upgrade()
assert (before, after) == (None, head), (before, after)
summary = build_demo(db, cases=40, login="tester",
                     now=datetime(2026, 3, 11, 14, 30, tzinfo=UTC))
db.check_schema()
assert db.schema_revisions() == (head, head)
db.dispose()
assert is_demo_database(path)
print(json.dumps({"cases": summary.cases, "messages": summary.messages,
                  "channels": summary.channels}))
"""


def test_the_installed_wheel_builds_and_migrates_a_demo(checkout: Path, wheel: Path,
                                                        tmp_path: Path) -> None:
    target = tmp_path / "installed"
    run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
         "--disable-pip-version-check", "--quiet", "--target", str(target), str(wheel)])
    paths = sysconfig.get_paths()
    dependencies = dict.fromkeys((paths["purelib"], paths["platlib"]))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), *dependencies])}
    head = head_revision(checkout / "store" / "migrations")
    out = run([sys.executable, "-S", "-c", SCRIPT, str(ROOT.resolve()), str(target),
               str(tmp_path / "demo.db"), head], cwd=tmp_path, env=env)
    made = json.loads(out)
    assert made["cases"] == 40
    assert made["channels"] == 5
    assert made["messages"] > 40
