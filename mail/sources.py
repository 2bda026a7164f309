"""Where an import's mail comes from: an mbox file, a Maildir folder, an IMAP folder —
each read as a stream, one mail in memory at a time, and each mail's bytes in the form
an IMAP server hands them out, so that a mail imported and later fetched by the
poller is the same bytes (known once, store/threads.py).

An mbox is read by its own rules rather than the stdlib's `mailbox.mbox`, which
splits at any line starting "From " and loads nothing lazily enough for years of
mail: a new mail starts only at a "From " line that carries a date and follows an
empty line (or starts the file), and ">From " lines lose one ">" (mboxrd; an
mboxo file's escapes come back the same way).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from imapclient import IMAPClient

# "From sender Tue Mar  3 10:12:00 2026": a sender, a weekday, a month, a time and a
# year (some writers put a zone before the year) — what a body's "From 08:30 to 17:00,
# every weekday in 2026" is not.
_FROM_LINE = re.compile(
    rb"^From \S+ +(Mon|Tue|Wed|Thu|Fri|Sat|Sun) +(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|"
    rb"Nov|Dec) +\d{1,2} +\d{1,2}:\d\d(:\d\d)?( +[-+A-Z0-9]+)? +\d{4}\s*$")
_QUOTED_FROM = re.compile(rb"^>+From ")
# Headers that mail programs add to their own stores (mutt, Thunderbird, c-client),
# not part of the mail as it was sent: left out of its bytes.
LOCAL_HEADERS = frozenset({b"status", b"x-status", b"x-mozilla-status", b"x-mozilla-status2",
                           b"x-mozilla-keys", b"x-uid", b"x-keywords", b"content-length"})


@dataclass(frozen=True)
class Found:
    """A mail as its source holds it: its bytes (wire form), the source's own time for
    it (an mbox's From line, a file's time, the server's INTERNALDATE), where it is,
    and how far through the source it comes (for the progress bar)."""

    raw: bytes
    when: datetime | None
    where: str
    done: int
    missing: str = ""  # it could not be read: why (nothing else is set)


def wire_form(raw: bytes) -> bytes:
    """The mail as an IMAP server hands it out: CRLF line ends, without the headers
    a local mail store added."""
    text = raw.replace(b"\r\n", b"\n")
    head, blank, body = text.partition(b"\n\n")
    kept: list[bytes] = []
    dropping = False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):  # a header's next line goes with it
            if not dropping:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower()
        dropping = b":" in line and name in LOCAL_HEADERS
        if not dropping:
            kept.append(line)
    text = b"\n".join(kept) + blank + body
    return text.replace(b"\n", b"\r\n")


def _from_line_time(line: bytes) -> datetime | None:
    """The delivery time an mbox's From line carries, if it reads as one."""
    parts = line.decode("ascii", "replace").split()[2:]  # weekday month day time [zone] year
    for shape in ("%a %b %d %H:%M:%S %Y", "%a %b %d %H:%M %Y"):
        try:
            return datetime.strptime(" ".join(parts[:4] + parts[-1:]), shape).replace(
                tzinfo=UTC)
        except ValueError:
            continue
    return None


def mbox_mails(path: Path) -> Iterator[Found]:
    """Each mail of an mbox file, in file order (a truncated last mail as far as it
    goes)."""
    name = str(path)
    with path.open("rb") as file:
        lines: list[bytes] = []
        when: datetime | None = None
        started = False
        previous_blank = True
        number = 0
        for line in file:
            bare = line.rstrip(b"\r\n")
            if previous_blank and _FROM_LINE.match(bare):
                if started:
                    number += 1
                    yield Found(wire_form(_body(lines)), when, f"{name} #{number}",
                                file.tell() - len(line))
                lines, when, started = [], _from_line_time(bare), True
                previous_blank = False
                continue
            if not started:  # text before the first From line: not an mbox's mail
                if bare.strip():
                    started = True  # a file of one mail, or a broken start: kept
                else:
                    continue
            lines.append(_unquote(bare) + b"\n")
            previous_blank = not bare.strip()
        if started and any(x.strip() for x in lines):
            number += 1
            yield Found(wire_form(_body(lines)), when, f"{name} #{number}", file.tell())


def _unquote(line: bytes) -> bytes:
    return line[1:] if _QUOTED_FROM.match(line) else line


def _body(lines: list[bytes]) -> bytes:
    # The empty line before the next From line belongs to the mbox, not the mail.
    if lines and not lines[-1].strip():
        lines = lines[:-1]
    return b"".join(lines)


def maildir_mails(path: Path) -> Iterator[Found]:
    """Each mail of a Maildir folder (`cur/` and `new/`), oldest first by the time its
    name begins with. A file moved while the import runs (a mail program marked it
    read: new/ → cur/, or changed its flags) is found under its new name; one deleted
    meanwhile is reported as missing."""
    names = []
    for sub in ("new", "cur"):
        folder = path / sub
        if folder.is_dir():
            names += [(entry.name, sub) for entry in os.scandir(folder) if entry.is_file()]
    if not names and not (path / "cur").is_dir():
        raise FileNotFoundError(f"{path} is not a Maildir folder (no cur/ or new/ in it)")
    names.sort(key=lambda item: _maildir_order(item[0]))
    moved: dict[str, Path] | None = None  # read again once a file has vanished
    for index, (name, sub) in enumerate(names, 1):
        file = path / sub / name
        read = _read(file)
        if read is None:
            unique = name.split(":", 1)[0]
            if moved is None or unique not in moved:  # (once for a whole folder marked read)
                moved = _names(path)
            read = _read(moved.get(unique))
        if read is None:
            yield Found(b"", None, str(file), index, "deleted while the import ran")
            continue
        raw, mtime = read
        yield Found(wire_form(raw), datetime.fromtimestamp(mtime, UTC), str(file), index)


def _read(file: Path | None) -> tuple[bytes, float] | None:
    """The file's bytes and time, None if it is gone."""
    if file is None:
        return None
    try:
        with file.open("rb") as handle:
            return handle.read(), os.fstat(handle.fileno()).st_mtime
    except FileNotFoundError:
        return None


def _maildir_order(name: str) -> tuple[int, str]:
    stamp = name.split(".", 1)[0]
    return (int(stamp) if stamp.isdigit() else 0, name)


def _names(path: Path) -> dict[str, Path]:
    """Each mail of the folder by the part of its name a move keeps (before ":2,")."""
    return {entry.name.split(":", 1)[0]: Path(entry.path) for sub in ("cur", "new")
            if (path / sub).is_dir() for entry in os.scandir(path / sub)}


def imap_mails(client: IMAPClient, folder: str, *, before: datetime | None = None,
               batch: int = 100, batch_bytes: int = 50_000_000) -> Iterator[Found]:
    """Each mail of an IMAP folder, by UID, read with BODY.PEEK[] (no flag is set:
    the import only reads) `batch` mails and `batch_bytes` at a time (a larger mail
    alone); the server's INTERNALDATE is its own time for it."""
    client.select_folder(folder, readonly=True)
    client.normalise_times = False  # INTERNALDATE with its zone, not as local time
    criteria: list[object] = ["ALL"] if before is None else ["BEFORE", before.date()]
    uids = sorted(client.search(criteria))
    done = 0
    for chunk in _by_size(client, uids, batch, batch_bytes):
        fetched = client.fetch(chunk, ["BODY.PEEK[]", "INTERNALDATE"])
        for offset, uid in enumerate(chunk, done + 1):
            data = fetched.get(uid, {})
            if b"BODY[]" not in data:
                yield Found(b"", None, f"{folder} UID {uid}", offset,
                            "gone from the server while the import ran")
                continue
            internal = data.get(b"INTERNALDATE")
            when = internal.astimezone(UTC) if isinstance(internal, datetime) and \
                internal.tzinfo else internal.replace(tzinfo=UTC) if isinstance(
                    internal, datetime) else None
            yield Found(bytes(data[b"BODY[]"]), when, f"{folder} UID {uid}", offset)
        done += len(chunk)


def _by_size(client: IMAPClient, uids: list[int], batch: int, batch_bytes: int
             ) -> Iterator[list[int]]:
    """`uids` in fetches of at most `batch` mails and `batch_bytes` (RFC822.SIZE)."""
    for start in range(0, len(uids), 1000):
        part = uids[start:start + 1000]
        sizes = client.fetch(part, ["RFC822.SIZE"])
        chunk: list[int] = []
        total = 0
        for uid in part:
            size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
            if chunk and (len(chunk) >= batch or total + size > batch_bytes):
                yield chunk
                chunk, total = [], 0
            chunk.append(uid)
            total += size
        if chunk:
            yield chunk


def imap_count(client: IMAPClient, folder: str) -> int:
    return int(client.folder_status(folder, [b"MESSAGES"]).get(b"MESSAGES", 0))
