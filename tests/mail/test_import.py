"""`casedesk import`: a team's mail of the past into threaded cases, exactly once, with
the statuses its history says (mail/importer.py, store/importing.py)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from mailservers import Dovecot, Mailbox
from old_mail import NOW, US, days_ago, history, write_maildir, write_mbox, written
from samples import HOSTILE
from test_bounces import report
from test_poller import settings

from mail.importer import LEASE, SKIPS, ImportBusy, Importer, Options, Source, Summary
from mail.poller import Poller
from mail.settings import MailSettings
from mail.sources import imap_mails, maildir_mails, mbox_mails
from scheduler.jobs import Scheduler
from scheduler.settings import LifecycleSettings
from store import leases
from store.identity import os_login
from store.models import Agent, Case, Contact, InboundMail, Message, Outbox, WorkspaceEntry
from store.service import CaseService
from store.sla import SlaSettings
from store.triage.routing import RuleSource
from store.workspace import WorkspacePrefs


def options(**changed: object) -> Options:
    values: dict[str, object] = {"channel": "Support", "key": "import:test",
                                 "ours": frozenset({"support@example.se"})}
    return Options(**{**values, **changed})  # type: ignore[arg-type]


def run(team, sources: list[Source], **changed: object) -> Summary:  # type: ignore[no-untyped-def]
    return Importer(team.db, MailSettings(), options(**changed), clock=team.clock).run(sources)


def imported(team, tmp_path: Path, **changed: object) -> Summary:  # type: ignore[no-untyped-def]
    old = history()
    inbox = write_mbox(tmp_path / "inbox.mbox", old.inbox)
    sent = write_mbox(tmp_path / "sent.mbox", old.sent)
    return run(team, [Source(mbox_mails(inbox)), Source(mbox_mails(sent), sent=True)], **changed)


def cases_by_title(team) -> dict[str, Case]:  # type: ignore[no-untyped-def]
    with team.db.read() as session:
        found = {c.title: c for c in session.scalars(sa.select(Case))}
        session.expunge_all()  # (read after the session)
        return found


def said(team, case_id: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with team.db.read() as session:
        return [(m.kind, m.text.split("\n")[0]) for m in session.scalars(sa.select(Message).where(
            Message.case_id == case_id, Message.kind != "event").order_by(Message.id))]


def count(team, table: type) -> int:  # type: ignore[no-untyped-def]
    with team.db.read() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(table)) or 0


def test_history_becomes_threaded_cases_with_their_statuses(team, tmp_path: Path) -> None:
    team.as_("anna").set_workspace_prefs(WorkspacePrefs(new_case_kinds=("email",)))
    summary = imported(team, tmp_path)
    assert (summary.read, summary.messages, summary.replies) == (10, 10, 3)
    assert (summary.new_cases, summary.joined) == (5, 5)
    cases = cases_by_title(team)
    assert {t: c.status for t, c in cases.items()} == {
        "Fakturan stämmer inte": "closed", "Can't log in": "open",
        "Leveransen är sen": "new", "Retur av jacka": "waiting",
        "Gammal reklamation": "closed"}
    assert summary.statuses == {"closed": 2, "open": 1, "new": 1, "waiting": 1}

    karin = cases["Fakturan stämmer inte"]
    assert said(team, karin.id) == [("customer", "Hej!"), ("reply", "Hej Karin! Vi har "
                                    "krediterat 250 kr."), ("customer", "Tack, nu stämmer det!")]
    # The mails' own dates: when it began, was first answered, went quiet.
    assert karin.created_at == days_ago(50)
    assert karin.first_response_at == days_ago(49)
    assert karin.updated_at == days_ago(48)
    assert karin.solved_at == days_ago(48)
    assert karin.closed_at == days_ago(48) + timedelta(days=7)
    # The phone's answer, with no header to thread by, joined by its subject.
    james = cases["Can't log in"]
    assert [k for k, _ in said(team, james.id)] == ["customer", "reply", "customer"]
    assert james.first_response_at == days_ago(4, 14)
    assert cases["Leveransen är sen"].first_response_at is None
    # Nothing went out, nobody's workspace fills with the closed past.
    assert count(team, Outbox) == 0
    with team.db.read() as session:
        held = set(session.scalars(sa.select(WorkspaceEntry.case_id)))
        # (the status event of each settled case says why)
        events = session.scalars(sa.select(Message.event_params).where(
            Message.case_id == karin.id, Message.event_kind == "status")).all()
    assert karin.id not in held
    assert cases["Leveransen är sen"].id in held
    assert events == ['{"end": "closed", "start": "new", "why": "imported"}']


def test_keep_solved_leaves_the_old_conversations_to_the_lifecycle(team,
                                                                   tmp_path: Path) -> None:
    imported(team, tmp_path, keep_solved=True)
    karin = cases_by_title(team)["Fakturan stämmer inte"]
    assert karin.status == "solved"
    assert karin.solved_at == NOW
    assert karin.resolved_at == days_ago(48)


def test_run_again_or_over_a_grown_mbox_takes_each_mail_once(team, tmp_path: Path) -> None:
    old = history()
    inbox = write_mbox(tmp_path / "inbox.mbox", old.inbox)
    run(team, [Source(mbox_mails(inbox))])
    again = run(team, [Source(mbox_mails(inbox))])
    assert (again.known, again.messages) == (7, 0)

    later = written("Olle Ek <olle@example.se>", US, "SV: Leveransen är sen", "Nu kom det!",
                    days_ago(0.5), "<o2@example.se>", answers="<o1@example.se>")
    write_mbox(inbox, [*old.inbox, later])
    grown = run(team, [Source(mbox_mails(inbox))])
    assert (grown.known, grown.messages, grown.joined) == (7, 1, 1)
    olle = cases_by_title(team)["Leveransen är sen"]
    assert [t for _, t in said(team, olle.id)] == ["Hej, paketet skulle komma i tisdags. "
                                                   "Vad händer?", "Nu kom det!"]
    assert count(team, InboundMail) == count(team, Message) - count_events(team) == 8


def count_events(team) -> int:  # type: ignore[no-untyped-def]
    with team.db.read() as session:
        return session.scalar(sa.select(sa.func.count()).where(Message.kind == "event")) or 0


def test_two_mails_with_one_message_id_are_both_kept(team, tmp_path: Path) -> None:
    real = written("Karin Kund <karin@example.se>", US, "Fråga", "Den riktiga frågan",
                   days_ago(2), "<same@example.se>")
    forged = written("Mallory <mallory@example.net>", US, "Fråga", "En förfalskning",
                     days_ago(2, 11), "<same@example.se>")
    summary = run(team, [Source(mbox_mails(write_mbox(tmp_path / "a.mbox", [real, forged])))])
    assert summary.messages == 2
    with team.db.read() as session:
        texts = set(session.scalars(sa.select(Message.text).where(Message.kind == "customer")))
    assert texts == {"Den riktiga frågan", "En förfalskning"}


def test_a_dry_run_says_what_would_happen_and_writes_nothing(team, tmp_path: Path) -> None:
    summary = imported(team, tmp_path, dry_run=True)
    assert (summary.messages, summary.replies, summary.joined) == (10, 3, 4)
    assert summary.new_cases == 6  # the subject rule joins James's phone answer for real
    assert "at most 6 new cases" in "\n".join(summary.lines(dry_run=True))
    assert count(team, Case) == count(team, InboundMail) == 0


def test_dates_missing_or_absurd_fall_back_to_the_mailbox_time(team, tmp_path: Path) -> None:
    undated = written("Karin Kund <karin@example.se>", US, "Utan datum", "Hej", None,
                      "<u1@example.se>")
    absurd = written("Bo Kund <bo@example.se>", US, "Från framtiden", "Hej",
                     NOW + timedelta(days=400), "<u2@example.se>")
    folder = write_maildir(tmp_path / "Maildir", [undated, absurd],
                           start=int(days_ago(10).timestamp()))
    for i, file in enumerate(sorted((folder / "cur").iterdir())):
        stamp = days_ago(10 - i).timestamp()
        os.utime(file, (stamp, stamp))
    summary = run(team, [Source(maildir_mails(folder))])
    assert summary.dated == 2
    cases = cases_by_title(team)
    assert cases["Utan datum"].created_at == days_ago(10)
    assert cases["Från framtiden"].created_at == days_ago(9)
    assert "2 had no usable Date header" in "\n".join(summary.lines())


def test_before_leaves_the_newer_mail_to_the_poller(team, tmp_path: Path) -> None:
    summary = imported(team, tmp_path, before=days_ago(5, 0))
    assert summary.skipped["dated on or after --before"] == 6
    assert set(cases_by_title(team)) == {"Fakturan stämmer inte", "Gammal reklamation"}


def test_triage_applies_unless_told_not_to(team, tmp_path: Path) -> None:
    outage = written("Kim <kim@example.se>", US, "Allt ligger nere", "Sajten är nere, akut!",
                     days_ago(1), "<x1@example.se>")
    run(team, [Source(mbox_mails(write_mbox(tmp_path / "a.mbox", [outage])))])
    case = cases_by_title(team)["Allt ligger nere"]
    assert case.priority == "high"
    assert case.flags


def test_imported_then_polled_is_stored_once(team, dovecot: Dovecot, mailbox: Mailbox,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The same mail read from the Maildir on disk, from the IMAP folder, and then by
    the poller: its bytes are the same every way, so it is one message."""
    old = history()
    client = dovecot.client(mailbox.user)
    for raw in old.inbox[:4]:
        client.append("INBOX", raw)
    client.logout()
    maildir = Path(dovecot.tmpdir or "") / "mail" / mailbox.user / "Maildir"
    first = run(team, [Source(maildir_mails(maildir))])
    assert first.messages == 4

    client = dovecot.client(mailbox.user)
    client.append("INBOX", old.inbox[4])
    again = run(team, [Source(imap_mails(client, "INBOX"))])
    client.logout()
    assert (again.known, again.messages) == (4, 1)
    # (read only: no flag set)
    assert all("\\Seen" not in m.flags for m in dovecot.messages(mailbox.user))

    poller = Poller(team.db, settings(mailbox, monkeypatch), MailSettings(), clock=team.clock)
    result = poller.poll_once()
    assert result.outcomes == {"duplicate": 5}
    assert count(team, Case) == 3  # Karin's, James's (two mails), Olle's
    with team.db.read() as session:
        reasons = set(session.scalars(sa.select(InboundMail.reason).where(
            InboundMail.outcome == "duplicate")))
    assert reasons == {"the same mail as one read from import:test"}


def test_hostile_mboxes_lose_nothing(team, tmp_path: Path) -> None:
    body_from = written("Karin Kund <karin@example.se>", US, "Från-rader",
                        "Hej\n\nFrom the start it was wrong.\n>From quoted already\n\n"
                        "From 08:30 to 17:00, every weekday in 2026", days_ago(5),
                        "<h1@example.se>")
    broken_mime = (b"From: Bo <bo@example.se>\nSubject: Trasig\nMessage-ID: <h2@example.se>\n"
                   b"Date: Mon, 23 Feb 2026 10:00:00 +0100\nMIME-Version: 1.0\n"
                   b"Content-Type: multipart/mixed; boundary=\"nope\"\n\n"
                   b"--wrong\nContent-Type: text/plain\n\nTexten finns \xe4nd\xe5.\n")
    eight_bit = ("From: Åsa Öberg <asa@example.se>\nSubject: Räkning för mars\n"
                 "Message-ID: <h3@example.se>\nDate: Tue, 24 Feb 2026 10:00:00 +0100\n\n"
                 "Hej, räkningen är fel.\n").encode()
    truncated = written("Olle Ek <olle@example.se>", US, "Avbruten", "Det här mejlet tar slut "
                        "mitt i " + "text " * 200, days_ago(4), "<h4@example.se>")[:400]
    path = tmp_path / "hostile.mbox"
    path.write_bytes(
        # mboxo: a body's "From " line that is no separator (no empty line before it)
        b"From bo@example.se Mon Feb 23 10:00:00 2026\n" + broken_mime.replace(
            b"Texten", b"From here Texten") + b"\n"
        + b"From asa@example.se Tue Feb 24 10:00:00 2026\n" + eight_bit + b"\n"
        + b"From x Wed Feb 25 10:00:00 2026\n" + body_from.replace(b"\r\n", b"\n").replace(
            b"\nFrom the", b"\n>From the").replace(b"\n>From quoted", b"\n>>From quoted")
        + b"\n"
        + b"From olle@example.se Thu Feb 26 10:00:00 2026\n" + truncated)
    summary = run(team, [Source(mbox_mails(path))])
    assert (summary.read, summary.messages) == (4, 4)
    cases = cases_by_title(team)
    assert set(cases) == {"Trasig", "Räkning för mars", "Från-rader", "Avbruten"}
    texts = {t: said(team, c.id)[0][1] for t, c in cases.items()}
    assert texts["Räkning för mars"] == "Hej, räkningen är fel."
    with team.db.read() as session:
        whole = session.scalar(sa.select(Message.text).where(
            Message.case_id == cases["Från-rader"].id))
        broken = session.scalar(sa.select(Message.text).where(
            Message.case_id == cases["Trasig"].id))
    assert whole == ("Hej\n\nFrom the start it was wrong.\n>From quoted already\n\n"
                     "From 08:30 to 17:00, every weekday in 2026")
    assert "From here Texten finns ändå." in (broken or "")


@pytest.mark.sqlite_only  # (about reading the mbox: the store takes it as any mail)
def test_a_mail_over_the_size_limit_is_read_by_its_headers(team, tmp_path: Path) -> None:
    huge = written("Karin Kund <karin@example.se>", US, "Stor bilaga", "Se bilagan",
                   days_ago(3), "<big@example.se>",
                   attachments=[("film.mp4", b"\0" * 50_000_000, "video/mp4")])
    path = write_mbox(tmp_path / "big.mbox", [huge])
    summary = run(team, [Source(mbox_mails(path))])
    assert summary.messages == 1
    case = cases_by_title(team)["Stor bilaga"]
    text = said(team, case.id)[0][1]
    assert summary.headers_only == 1
    assert "1 over [mail] max_mail_mb: read by their headers" in "\n".join(summary.lines())
    assert "only its headers were read" in text
    assert f"still in {path} #1" in text
    with team.db.read() as session:
        raw = session.scalar(sa.select(InboundMail.size))
    assert raw is not None
    assert raw < 2000


def test_a_maildir_whose_files_move_or_vanish_meanwhile(tmp_path: Path) -> None:
    old = history()
    folder = write_maildir(tmp_path / "Maildir", old.inbox[:3])
    names = sorted((folder / "cur").iterdir())
    mails = maildir_mails(folder)
    first = next(mails)
    names[1].rename(folder / "cur" / (names[1].name.split(":")[0] + ":2,RS"))  # replied to
    names[2].unlink()  # deleted by someone's mail program
    rest = list(mails)
    assert first.raw
    assert rest[0].raw
    assert not rest[1].raw
    assert rest[1].missing == "deleted while the import ran"
    assert hashlib.sha256(rest[0].raw).hexdigest() == hashlib.sha256(
        old.inbox[1].replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")).hexdigest()


def test_the_import_is_the_system_s_and_a_supervisor_s(team) -> None:
    with pytest.raises(Exception, match="only casedesk"):
        CaseService(team.db, "boss").stored_mail(["x"])


def test_an_imap_folder_through_the_config_s_mailbox(team, dovecot: Dovecot, mailbox: Mailbox,
                                                     tmp_path: Path) -> None:
    """`casedesk import imap` as people run it, the sent folder's mail as replies."""
    old = history()
    client = dovecot.client(mailbox.user)
    client.create_folder("Sent")
    for raw in old.inbox:
        client.append("INBOX", raw)
    for raw in old.sent:
        client.append("Sent", raw)
    client.logout()
    team.as_("boss").add_agent(os_login(), name="Runner", supervisor=True)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\nurl = "{team.db.url.render_as_string(hide_password=False)}"\n\n'
        f'[[mailbox]]\nchannel = "Support"\nhost = "{mailbox.host}"\nport = {mailbox.port}\n'
        f'security = "none"\nusername = "{mailbox.user}"\npassword_env = "IMAP_PASSWORD"\n')
    env = {**os.environ, "CASEDESK_CONFIG": str(config), "IMAP_PASSWORD": mailbox.password,
           "XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    env.pop("CASEDESK_LOGIN", None)
    done = subprocess.run([sys.executable, "-m", "cli", "import", "imap", "--mailbox",
                           mailbox.user, "--sent-folder", "Sent"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "5 new cases, 5 mails joined a thread" in done.stdout
    assert count(team, Case) == 5
    refused = subprocess.run([sys.executable, "-m", "cli", "import", "imap", "--mailbox",
                              "nobody"], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1
    assert "no [[mailbox]] in the config has the user name or channel 'nobody'" in refused.stderr


def test_the_past_asks_and_tells_no_one(team, tmp_path: Path) -> None:
    """Acknowledgements and surveys on, rules that assign and notify: the imported mail
    sends nothing and hands no one anything; the rules' labels and priority apply."""
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "Faktura"\nwhen = { words = ["faktura"] }\n'
                     'then = { labels = ["faktura"], priority = "high", assign = "anna", '
                     'notify = ["boss"] }\n', encoding="utf-8")
    team.db.rules = RuleSource(rules)
    team.db.csat = True
    old = history()
    inbox = write_mbox(tmp_path / "inbox.mbox", old.inbox)
    sent = write_mbox(tmp_path / "sent.mbox", old.sent)
    Importer(team.db, MailSettings(acknowledge=True), options(), clock=team.clock).run(
        [Source(mbox_mails(inbox)), Source(mbox_mails(sent), sent=True)])
    karin = cases_by_title(team)["Fakturan stämmer inte"]
    assert (karin.labels, karin.priority, karin.assignee_id) == ("faktura", "high", None)
    assert count(team, Outbox) == 0
    with team.db.read() as session:
        boss_holds = session.scalar(sa.select(sa.func.count()).select_from(WorkspaceEntry).join(
            Agent, Agent.id == WorkspaceEntry.agent_id).where(Agent.login == "boss"))
    assert boss_holds == 0


def test_the_next_tick_archives_what_the_import_closed(team, tmp_path: Path) -> None:
    imported(team, tmp_path)
    Scheduler(team.db, LifecycleSettings(timezone="Europe/Stockholm")).tick(NOW)
    statuses = {t: c.status for t, c in cases_by_title(team).items()}
    assert statuses["Fakturan stämmer inte"] == statuses["Gammal reklamation"] == "archived"
    assert statuses["Leveransen är sen"] == "new"


def test_the_hostile_samples_each_land_once(team, tmp_path: Path) -> None:
    mails = list(HOSTILE.values())
    path = write_mbox(tmp_path / "hostile.mbox", mails)
    first = run(team, [Source(mbox_mails(path))])
    assert first.read == len(mails)
    assert first.messages + sum(first.skipped.values()) == len(mails)
    assert count(team, InboundMail) == len(mails)
    again = run(team, [Source(mbox_mails(path))])
    assert (again.known, again.messages) == (len(mails), 0)


def test_one_import_at_a_time(team, tmp_path: Path) -> None:
    leases.acquire(team.db, LEASE, "elsewhere:1:abc", now=team.clock())
    with pytest.raises(ImportBusy, match=r"another import \(elsewhere:1:abc\) is running now"):
        imported(team, tmp_path)
    assert count(team, Case) == 0
    leases.release(team.db, LEASE, "elsewhere:1:abc")
    assert imported(team, tmp_path).messages == 10


def test_old_mail_never_reaches_a_newer_case_nor_another_customer_s(team,
                                                                     tmp_path: Path) -> None:
    """A 2019 "SV:" of Karin's is no answer to her case of this year (the subject rule
    looks back, not forward); our old mail tagged [#n] to Karin never lands on case
    #n of another customer."""
    karin = team.new_case(email="karin@example.se", title="Fakturan stämmer inte")
    olle = team.new_case(email="olle@example.se", name="Olle Ek", title="Leveransen")
    old = written("Karin Kund <karin@example.se>", US, "SV: Fakturan stämmer inte",
                  "Ett gammalt svar", days_ago(2000), "<old@example.se>")
    tagged = written(US, "Karin Kund <karin@example.se>", f"Re: Något helt annat [#{olle}]",
                     "Vårt gamla svar", days_ago(1990), "<ours@example.se>")
    run(team, [Source(mbox_mails(write_mbox(tmp_path / "a.mbox", [old, tagged])))])
    assert [k for k, _ in said(team, karin)] == ["customer"]
    assert [k for k, _ in said(team, olle)] == ["customer"]
    with team.db.read() as session:
        landed = {m.text: m.case_id for m in session.scalars(sa.select(Message).where(
            Message.text.in_(["Ett gammalt svar", "Vårt gamla svar"])))}
    assert karin not in landed.values()
    assert olle not in landed.values()


def test_a_case_worked_on_keeps_its_status_when_its_mail_is_imported_again(
        team, tmp_path: Path) -> None:
    old = history()
    inbox = write_mbox(tmp_path / "inbox.mbox", old.inbox)
    run(team, [Source(mbox_mails(inbox))])
    olle = cases_by_title(team)["Leveransen är sen"]
    team.as_("anna").set_status(olle.id, "solved")
    later = written("Olle Ek <olle@example.se>", US, "SV: Leveransen är sen", "Nu kom det!",
                    days_ago(0.5), "<o2@example.se>", answers="<o1@example.se>")
    write_mbox(inbox, [*old.inbox, later])
    run(team, [Source(mbox_mails(inbox))])
    olle = cases_by_title(team)["Leveransen är sen"]
    assert olle.status == "solved"
    assert [t for _, t in said(team, olle.id)][-1] == "Nu kom det!"


def test_service_levels_start_once_the_past_is_settled(team, tmp_path: Path) -> None:
    """No breach is marked on history while it lands or after; a conversation still
    going has its due times, a waiting one its clocks paused at our last word."""
    team.system.set_sla_policy(SlaSettings(), "Europe/Stockholm")
    imported(team, tmp_path)
    Scheduler(team.db, LifecycleSettings(timezone="Europe/Stockholm")).tick(NOW)
    cases = cases_by_title(team)
    karin, olle, asa = (cases["Fakturan stämmer inte"], cases["Leveransen är sen"],
                        cases["Retur av jacka"])
    assert karin.first_response_due is None
    assert karin.sla_events == ""
    assert olle.first_response_due is not None
    assert asa.sla_paused_at == days_ago(2)


def test_an_out_of_office_is_not_the_customer_s_last_word(team, tmp_path: Path) -> None:
    old = history()
    away = written("Åsa Öberg <asa@example.se>", US, "Autosvar: Re: Retur av jacka",
                   "Jag är på semester.", days_ago(1.5), "<away@example.se>",
                   answers="<r-a1@example.se>", headers={"Auto-Submitted": "auto-replied"})
    inbox = write_mbox(tmp_path / "inbox.mbox", [*old.inbox, away])
    sent = write_mbox(tmp_path / "sent.mbox", old.sent)
    run(team, [Source(mbox_mails(inbox)), Source(mbox_mails(sent), sent=True)])
    assert cases_by_title(team)["Retur av jacka"].status == "waiting"


def test_a_bounce_of_our_old_reply_is_told_on_its_case(team, tmp_path: Path) -> None:
    old = history()
    bounce = report("<r-k1@example.se>", recipient="karin@example.se")
    inbox = write_mbox(tmp_path / "inbox.mbox", [*old.inbox, bounce])
    sent = write_mbox(tmp_path / "sent.mbox", old.sent)
    summary = run(team, [Source(mbox_mails(inbox)), Source(mbox_mails(sent), sent=True)])
    assert summary.skipped == {SKIPS["bounce"]: 1}
    karin = cases_by_title(team)["Fakturan stämmer inte"]
    with team.db.read() as session:
        kinds = list(session.scalars(sa.select(Message.event_kind).where(
            Message.case_id == karin.id, Message.kind == "event")))
    assert "delivery-failed" in kinds
    assert "Undelivered Mail Returned to Sender" not in cases_by_title(team)


def test_our_mail_in_the_same_folder_is_known_by_its_from(team, tmp_path: Path) -> None:
    """A shared mailbox that kept copies of what the team sent: mail from a channel's
    address is a reply, to the customer it went to."""
    old = history()
    summary = run(team, [Source(mbox_mails(write_mbox(tmp_path / "all.mbox",
                                                      [*old.inbox, *old.sent])))])
    assert (summary.replies, summary.new_cases) == (3, 5)
    asa = cases_by_title(team)["Retur av jacka"]
    assert asa.status == "waiting"
    with team.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Contact).where(
            Contact.email == "support@example.se")) == 0
