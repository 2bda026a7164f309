"""The bytes `casedesk` writes to a real terminal (ARCHITECTURE.md, "Untrusted text").

`test_hostile_text_is_shown_not_obeyed` (test_overview.py) checks the rendered strips
in-process; this runs the real `casedesk` command in a pseudo-terminal, captures every
byte it writes and checks that hostile customer text (title, contact name, message
body, attachment filename) reaches the terminal as visible markers, never as escape
sequences, C1 controls or bidi/zero-width characters.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from ptyrun import ESCAPES, PtyRun
from tuikit import NOW

from store.db import Database
from store.service import AttachmentInput, CaseService, ContactInput, MessageInput

pytestmark = [
    pytest.mark.sqlite_only,
    pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal"),
]

COLUMNS, LINES = 160, 50  # tall enough for the whole case beside the list
DEADLINE = 30.0  # seconds for each thing awaited; a whole run takes about two

# Each hostile piece and how the sanitizer (tui/sanitize.py) must show it. Written out
# here, not computed with the sanitizer, so a change of its markers is noticed.
PIECES = [
    ("\x1b]52;c;ZXZpbA==\x07", "␛]52;c;ZXZpbA==␇"),  # OSC 52: write the clipboard
    ("\x1b]0;pwned\x07", "␛]0;pwned␇"),  # OSC 0: the window title
    ("\x1b]8;;https://evil.example\x1b\\x\x1b]8;;\x1b\\",  # OSC 8: a hyperlink
     "␛]8;;https://evil.example␛\\x␛]8;;␛\\"),
    ("cls:\x1b[2J", "cls:␛[2J"),  # CSI: clear the screen
    ("red:\x1b[31m", "red:␛[31m"),  # CSI: SGR
    ("c1:\x9b31m", "c1:⟨U+009B⟩31m"),  # C1 CSI
    ("osc:\x9d", "osc:⟨U+009D⟩"),  # C1 OSC
    ("rlo:\u202egnp.exe", "rlo:⟨RLO⟩gnp.exe"),  # bidi override: "exe.png" shown reversed
    ("zwj:a\u200db", "zwj:a⟨ZWJ⟩b"),  # zero-width joiner
    ("[link=https://evil.example]x[/link]", "[link=https://evil.example]x[/link]"),  # markup
    ("[/]", "[/]"),  # markup that raises MarkupError if parsed
]
PAYLOAD = " ".join(raw for raw, _ in PIECES)
# A label glued to the payload's first piece tells which field a marker came from; the
# end sentinels are plain ASCII, so waiting for them does not depend on the sanitizer.
FIELDS = {
    "TITLE:": "TITLE:" + PAYLOAD,
    "NAME:": "NAME:" + PAYLOAD,
    "BODY:": "BODY:" + PAYLOAD + " END-OF-BODY",
    "FILE:": "FILE:" + PAYLOAD + " END-OF-FILENAME.pdf",
}
MARKED = ("TITLE:", "NAME:", "BODY:")

OSC = re.compile(rb"\x1b\]([^\x07\x1b]*)(?:\x07|\x1b\\)")
# The OSCs Textual 8 writes itself: 22 sets the mouse pointer's shape. Review any other
# before adding it here.
TEXTUAL_OSC = {b"22"}


def visible(raw: bytes) -> str:
    """What the terminal would print: the stream without its escape sequences."""
    return ESCAPES.sub(b"", raw).decode("utf-8", errors="replace")


def _unsafe(ch: str) -> bool:
    code = ord(ch)
    if ch in "\r\n":  # Textual ends lines with \n; the pty makes it \r\n
        return False
    return code < 0x20 or 0x7F <= code <= 0x9F or unicodedata.category(ch) in (
        "Cf", "Co", "Cn", "Cs", "Zl", "Zp")


class Terminal(PtyRun):
    """A pseudo-terminal with `casedesk` running in it and everything it wrote so far."""

    def tail(self) -> str:
        out = self.output()
        return (f"exit status {self.proc.poll()}; {len(out)} bytes; last visible text:\n"
                f"{visible(out)[-1500:]}\nlast bytes: {out[-400:]!r}")

    def wait_for(self, needle: str, what: str) -> None:
        wanted = needle.encode()
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            exited = self.proc.poll() is not None
            if wanted in self.output():
                return
            if exited:
                break
            time.sleep(0.02)
        why = "casedesk exited first" if self.proc.poll() is not None else (
            f"not within {DEADLINE:.0f} s")
        pytest.fail(f"{what}: {needle!r} not seen ({why})\n{self.tail()}")

    def wait_exit(self) -> int:
        try:
            code = self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            pytest.fail(f"casedesk did not exit within {DEADLINE:.0f} s\n{self.tail()}")
        self.reader.join(timeout=5)  # the rest of the output
        return code


@contextmanager
def casedesk_in_a_terminal(db: Path, home: Path) -> Iterator[Terminal]:
    """`casedesk --db DB` in a 160x40 pseudo-terminal, as the database's owner acting as
    `supervisor`; killed (its whole process group) if still running at the end."""
    config = home / "config.toml"
    config.write_text("", encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "COLUMNS": str(COLUMNS),
        "LINES": str(LINES),
        "CASEDESK_CONFIG": str(config),
        "CASEDESK_LOGIN": "supervisor",  # honoured: this process owns the database file
    }
    command = Path(sys.executable).with_name("casedesk")
    assert command.exists(), f"{command}: the casedesk command is not installed"
    terminal = Terminal([str(command), "--db", str(db)], env=env, cwd=home,
                        columns=COLUMNS, lines=LINES)
    try:
        yield terminal
    finally:
        terminal.close()


def test_hostile_text_reaches_the_terminal_only_as_visible_markers(
        demo: Path, tmp_path: Path) -> None:
    service = CaseService(Database(demo), "supervisor",
                          clock=lambda: NOW + timedelta(minutes=5))  # newest: the top row
    number = service.create_case(
        channel="Support", contact=ContactInput(name=FIELDS["NAME:"], email="m@example.se"),
        title=FIELDS["TITLE:"], messages=[MessageInput(FIELDS["BODY:"], attachments=(
            AttachmentInput(FIELDS["FILE:"], b"x"),))])
    service.db.dispose()

    with casedesk_in_a_terminal(demo, tmp_path) as terminal:
        terminal.wait_for(f"#{number} ", "the hostile case in the list")
        terminal.send(b"\r")  # Enter: open the case under the cursor beside the list
        terminal.wait_for("END-OF-BODY", "the message body beside the list")
        terminal.wait_for("END-OF-FILENAME.pdf", "the attachment's filename")
        terminal.send(b"q")
        code = terminal.wait_exit()
        raw = terminal.output()

    assert code == 0, f"casedesk failed\n{terminal.tail()}"
    shown = visible(raw)
    # A crash (a MarkupError, say) still exits 0: Textual prints the traceback and returns.
    assert "Traceback" not in shown, f"casedesk crashed\n{terminal.tail()}"
    raw.decode("utf-8")  # strict: no stray C1 byte outside UTF-8 either

    # Nothing the hostile text carried reaches the terminal as a control.
    for leaked in (b"\x1b]52", b"\x1b]0;pwned", b"\x1b]8;;https://evil",
                   "\u202e".encode(), "\u200d".encode(), b"\xc2\x9b", b"\xc2\x9d"):
        assert leaked not in raw, f"{leaked!r} reached the terminal"
    # Textual writes CSI sequences (SGR above all) itself; a hostile one is one that
    # follows its label directly.
    for prefix in (b"cls:", b"red:"):
        assert prefix + b"\x1b" not in raw, f"{prefix!r} followed by a raw ESC"
    oscs = [m.group(1) for m in OSC.finditer(raw)]
    assert not [o for o in oscs if o.startswith(b"8;") and o != b"8;;"], "a hyperlink"
    assert not [o for o in oscs if b"evil" in o or b"pwned" in o or b"ZXZpbA" in o]
    assert [o for o in oscs if o.split(b";")[0] not in TEXTUAL_OSC] == [], (
        "an OSC Textual does not write itself")
    assert [ch for ch in shown if _unsafe(ch)] == [], "controls in the printed text"

    # ... and all of it is shown, as markers, in the title, the contact and the body. The
    # store keeps a filename on one line, every control and format character a space
    # (store.fields.one_line), so the filename has no markers to show, only its text.
    for label in MARKED:
        assert label + PIECES[0][1] in shown, f"{label} not shown with its marker"
    for _, marker in PIECES:
        assert shown.count(marker) >= len(MARKED), f"{marker!r} not shown in every field"
    assert "[link=https://evil.example]x[/link] [/]" in shown  # the markup as text, no link
    assert "FILE: ]52;c;ZXZpbA== ]0;pwned" in shown
