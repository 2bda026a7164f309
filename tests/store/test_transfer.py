"""Copying a whole database — a team's SQLite file onto PostgreSQL, or either into a
SQLite file — loses and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.db import Database
from store.errors import InvalidInput
from store.queries import CaseFilter
from store.service import AttachmentInput, CaseService, ContactInput, MessageInput
from store.transfer import copy_database


@pytest.mark.sqlite_only  # the source is SQLite; the target PostgreSQL
def test_copy_to_postgresql_keeps_every_case_as_it_was(team, db, pg_url) -> None:
    anna = team.as_("anna")
    numbers = [team.new_case(title=f"Ärende {i}", text=f"faktura nummer {i}") for i in range(5)]
    anna.reply(numbers[0], "Hej! Vi tittar på det.", status="waiting")
    anna.note(numbers[1], "@bo kan du kolla?")
    anna.set_watch(numbers[2], watching=True)
    anna.merge(numbers[3], numbers[4])
    with_file = anna.create_case(
        channel="Support", contact=ContactInput(name="Bild", email="bild@example.se"),
        title="Skärmdump", messages=[MessageInput("se bild", attachments=(
            AttachmentInput("bild.png", b"\x89PNG data"),))])
    target = Database(pg_url)
    counts = copy_database(db, target)
    assert counts["cases"] == 6
    moved = CaseService(target, "anna", clock=team.clock)
    everything = CaseFilter(include_ended=True, limit=100)
    assert moved.list_cases(everything) == anna.list_cases(everything)
    for number in [*numbers, with_file]:
        assert moved.get_case(number) == anna.get_case(number)
    assert [r.number for r in moved.list_cases(CaseFilter(search="faktura"))] == \
        [r.number for r in anna.list_cases(CaseFilter(search="faktura"))]
    attachment = moved.get_case(with_file).messages[0].attachments[0]
    assert moved.attachment_content(attachment.id) == ("bild.png", b"\x89PNG data")
    # New cases continue the numbering.
    assert team.new_case() == with_file + 1  # on SQLite
    assert moved.create_case(channel="Support", contact=ContactInput(name="Ny"),
                             title="Ny") == with_file + 1
    with pytest.raises(InvalidInput, match="already has cases"):
        copy_database(db, target)


def test_postgresql_can_keep_files_in_a_shared_folder(tmp_path, pg_url) -> None:
    from store.service import bootstrap

    shared = tmp_path / "shared-files"
    db = Database(pg_url, files=shared)
    db.upgrade()
    bootstrap(db, "boss")
    boss = CaseService(db, "boss")
    boss.add_channel("Chat", kind="chat")
    number = boss.create_case(channel="Chat", contact=ContactInput(name="K"), title="Fil",
                              messages=[MessageInput("bifogat", attachments=(
                                  AttachmentInput("a.txt", b"hello"),))])
    attachment = boss.get_case(number).messages[0].attachments[0]
    assert (shared / attachment.sha256[:2] / attachment.sha256).read_bytes() == b"hello"
    # Another host mounting the same folder sees the same file.
    elsewhere = CaseService(Database(pg_url, files=shared), "boss")
    assert elsewhere.attachment_content(attachment.id) == ("a.txt", b"hello")
    db.dispose()


@pytest.mark.parametrize("into", ["sqlite-file", "postgresql"])
def test_copy_keeps_every_case_as_it_was_whichever_way(team, db, tmp_path: Path, into: str,
                                                        request: pytest.FixtureRequest) -> None:
    """From SQLite or PostgreSQL into a SQLite file (a path) or PostgreSQL: the times come
    back aware as they went in, and a case merged into a newer one still points at it."""
    anna = team.as_("anna")
    numbers = [team.new_case(title=f"Ärende {i}", text=f"faktura nummer {i}") for i in range(3)]
    team.clock.advance(hours=2)
    anna.reply(numbers[0], "Hej! Vi tittar på det.", status="waiting")
    anna.merge(numbers[1], numbers[2])
    with_file = anna.create_case(
        channel="Support", contact=ContactInput(name="Bild", email="bild@example.se"),
        title="Skärmdump", messages=[MessageInput("se bild", attachments=(
            AttachmentInput("bild.png", b"\x89PNG data"),))])
    path = tmp_path / "kopia" / "casedesk.db"
    target = Database(path if into == "sqlite-file" else request.getfixturevalue("pg_url"))
    counts = copy_database(db, target)
    assert counts["cases"] == 4
    assert path.is_file() == (into == "sqlite-file")
    moved = CaseService(target, "anna", clock=team.clock)
    everything = CaseFilter(include_ended=True, limit=100)
    assert moved.list_cases(everything) == anna.list_cases(everything)
    for number in [*numbers, with_file]:
        assert moved.get_case(number) == anna.get_case(number)
    assert moved.get_case(numbers[0]).updated_at == team.clock.now
    assert moved.get_case(numbers[1]).merged_into == numbers[2]
    attachment = moved.get_case(with_file).messages[0].attachments[0]
    assert moved.attachment_content(attachment.id) == ("bild.png", b"\x89PNG data")
    assert [r.number for r in moved.list_cases(CaseFilter(search="faktura"))] == \
        [r.number for r in anna.list_cases(CaseFilter(search="faktura"))]
    assert moved.create_case(channel="Support", contact=ContactInput(name="Ny"),
                             title="Ny") == with_file + 1
    target.dispose()
