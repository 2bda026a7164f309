"""The content-addressed folder beside the database: attachment bytes (and later raw
mail) stored once under their SHA-256, private to the owner (or the team's group)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from store.db import Database, make_private_dir, write_private_file
from store.errors import NotFound


class FileStore:
    def __init__(self, db: Database) -> None:
        self.root = db.files_dir
        self.file_mode = db.file_mode
        self.dir_mode = db.dir_mode

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, content: bytes) -> str:
        """Store `content` (once) and return its SHA-256 hex digest."""
        digest = hashlib.sha256(content).hexdigest()
        path = self.path(digest)
        if not path.exists():
            make_private_dir(path.parent, self.dir_mode)
            write_private_file(path, content, self.file_mode)
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return self.path(digest).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"the file {digest[:12]}… is missing from {self.root}") from None
