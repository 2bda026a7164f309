"""Where attachment bytes (and later raw mail) live, stored once under their SHA-256.

- A folder: beside an SQLite database by default (`casedesk.db.files/`), or the
  shared folder `[store] files` names — which several hosts can mount, so TUIs on
  all of them see the same files. Private to the owner (or the team's group).
- The database itself (table `stored_file`): the default on PostgreSQL, so every
  host that reaches the database has the files too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store.db import Database
from store.errors import NotFound
from store.models import StoredFile
from store.private import make_private_dir, write_private_file


class FileStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.root = db.files_dir  # None: in the database
        self.file_mode = db.file_mode
        self.dir_mode = db.dir_mode

    def path(self, digest: str) -> Path:
        assert self.root is not None
        return self.root / digest[:2] / digest

    def put(self, session: Session, content: bytes) -> str:
        """Store `content` (once) and return its SHA-256 hex digest."""
        digest = hashlib.sha256(content).hexdigest()
        if self.root is None:
            if session.get(StoredFile, digest) is None:
                session.add(StoredFile(sha256=digest, content=content))
            return digest
        path = self.path(digest)
        if not path.exists():
            make_private_dir(path.parent, self.dir_mode)
            write_private_file(path, content, self.file_mode)
        return digest

    def write_ahead(self, contents: Iterable[bytes]) -> None:
        """Write the files a transaction is about to refer to before it begins, so
        that the database's write lock is held for the rows alone, not for an fsync
        per file. A file whose transaction then fails stays unreferenced, harmless:
        the same bytes later find it there."""
        if self.root is None:  # in the database: rows of that transaction
            return

        def write(item: tuple[str, bytes]) -> None:
            path = self.path(item[0])
            if not path.exists():
                make_private_dir(path.parent, self.dir_mode)
                write_private_file(path, item[1], self.file_mode)

        # Each once (two writers of one file would share its temporary name), and
        # several at once: the file system commits their fsyncs together (200 files
        # here: 0.17 s, where one after the other took 1.7 s).
        unique = {hashlib.sha256(content).hexdigest(): content for content in contents}
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(write, unique.items()))

    def get(self, session: Session, digest: str) -> bytes:
        if self.root is None:
            content = session.scalar(sa.select(col(StoredFile.content)).where(
                col(StoredFile.sha256) == digest))
            if content is None:
                raise NotFound(f"the file {digest[:12]}… is missing from the database")
            return bytes(content)
        try:
            return self.path(digest).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"the file {digest[:12]}… is missing from {self.root}") from None

    def forget(self, session: Session, digests: set[str]) -> set[str]:
        """Delete the stored bytes no attachment and no kept mail refers to any more;
        returns those digests, whose files `remove` deletes after the commit."""
        gone = digests - _used(session, digests)
        if gone:
            session.execute(sa.delete(StoredFile).where(col(StoredFile.sha256).in_(gone)))
        return gone if self.root is not None else set()

    def remove(self, digests: set[str]) -> None:
        """Unlink the files of `digests` (after `forget`'s transaction committed: a
        purge rolled back keeps them) that still no row uses."""
        if self.root is None or not digests:
            return
        with self.db.read() as session:
            gone = digests - _used(session, digests)
        for digest in gone:
            self.path(digest).unlink(missing_ok=True)


def _used(session: Session, digests: set[str]) -> set[str]:
    from store.models import Attachment, InboundMail

    return set(session.scalars(sa.select(col(Attachment.sha256)).where(
        col(Attachment.sha256).in_(digests)))) | set(session.scalars(sa.select(
            col(InboundMail.sha256)).where(col(InboundMail.sha256).in_(digests))))
