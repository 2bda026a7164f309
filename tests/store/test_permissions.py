"""Who sees and changes what: an agent only the cases of their channels (in lists,
in the detail, in every operation that changes something); a supervisor everything;
an unknown login nothing, with a message that says how to get in. Administration is
for supervisors, and a membership change takes effect at once."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from store.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    TransitionError,
    UnknownLogin,
    Unseen,
)
from store.service import AttachmentInput, CaseFilter, CaseService, ContactInput, MessageInput

# Support (email): anna, bo · Chat: anna · Telefon (phone): bo


@pytest.fixture
def cases(team, seeded):  # type: ignore[no-untyped-def]
    """One case per channel, all of the same customer."""

    def build() -> dict[str, int]:
        return {
            "Support": team.new_case(channel="Support", login="anna",
                                     title="Supportärende routrar"),
            "Chat": team.new_case(channel="Chat", login="anna", title="Chattärende routrar"),
            "Telefon": team.new_case(channel="Telefon", login="bo",
                                     title="Telefonärende routrar"),
        }

    return seeded(build)


def listed(service, **filters) -> set[int]:  # type: ignore[no-untyped-def]
    return {r.number for r in service.list_cases(CaseFilter(include_ended=True, **filters))}


@pytest.mark.parametrize(("login", "channels"), [
    ("anna", {"Support", "Chat"}),
    ("bo", {"Support", "Telefon"}),
    ("boss", {"Support", "Chat", "Telefon"}),
    ("system", {"Support", "Chat", "Telefon"}),
])
def test_each_sees_exactly_the_cases_of_their_channels(team, cases, login, channels) -> None:
    service = team.system if login == "system" else team.as_(login)
    visible = {cases[c] for c in channels}
    assert listed(service) == visible
    assert listed(service, search="routrar") == visible
    for channel, number in cases.items():
        if channel in channels:
            assert service.get_case(number).channel == channel
        else:
            with pytest.raises(Forbidden, match="ask a supervisor"):
                service.get_case(number)


def test_filtering_on_a_channel_one_is_not_in_shows_nothing(team, cases) -> None:
    assert listed(team.as_("anna"), channel="Telefon") == set()
    assert listed(team.as_("bo"), channel="Telefon") == {cases["Telefon"]}


def test_related_cases_are_limited_to_ones_own_channels(team, cases) -> None:
    related = {r.number for r in team.as_("anna").related(cases["Support"])}
    assert related == {cases["Chat"]}
    related = {r.number for r in team.as_("boss").related(cases["Support"])}
    assert related == {cases["Chat"], cases["Telefon"]}


def test_an_unknown_case_is_not_found_rather_than_forbidden(team, cases) -> None:
    with pytest.raises(NotFound, match="#404"):
        team.as_("anna").get_case(404)


# Every operation that changes a case, tried by anna on bo's Telefon case.
OPERATIONS = {
    "add_message": lambda s, t, mine, msg: s.add_message(t, MessageInput("Hej")),
    "reply": lambda s, t, mine, msg: s.reply(t, "Hej"),
    "note": lambda s, t, mine, msg: s.note(t, "Hej"),
    "set_status": lambda s, t, mine, msg: s.set_status(t, "open"),
    "assign_me": lambda s, t, mine, msg: s.assign(t, "me"),
    "assign_bo": lambda s, t, mine, msg: s.assign(t, "bo"),
    "set_priority": lambda s, t, mine, msg: s.set_priority(t, "high"),
    "set_labels": lambda s, t, mine, msg: s.set_labels(t, ["x"]),
    "rename": lambda s, t, mine, msg: s.rename(t, "Nytt namn"),
    "move_channel_away": lambda s, t, mine, msg: s.move_channel(t, "Support"),
    "move_mine_there": lambda s, t, mine, msg: s.move_channel(mine, "Telefon"),
    "watch": lambda s, t, mine, msg: s.set_watch(t, watching=True),
    "workspace": lambda s, t, mine, msg: s.set_in_workspace(t, present=True),
    "link_from": lambda s, t, mine, msg: s.link(t, mine),
    "link_to": lambda s, t, mine, msg: s.link(mine, t),
    "merge_from": lambda s, t, mine, msg: s.merge(t, mine),
    "merge_into": lambda s, t, mine, msg: s.merge(mine, t),
    "split": lambda s, t, mine, msg: s.split(msg),
    "related": lambda s, t, mine, msg: s.related(t),
    "create_there": lambda s, t, mine, msg: s.create_case(
        channel="Telefon", contact=ContactInput(email="ny@example.se"), title="Nytt"),
}


@pytest.mark.parametrize("op", sorted(OPERATIONS))
def test_an_agent_cannot_touch_a_case_outside_their_channels(team, cases, op) -> None:
    theirs, mine = cases["Telefon"], cases["Support"]
    boss = team.as_("boss")
    (message,) = [m for m in boss.get_case(theirs).messages if m.kind == "customer"]
    before = {n: boss.get_case(n) for n in cases.values()}
    changes = boss.latest_change()
    with pytest.raises(Forbidden, match="supervisor"):
        OPERATIONS[op](team.as_("anna"), theirs, mine, message.id)
    assert {n: boss.get_case(n) for n in cases.values()} == before
    assert boss.latest_change() == changes
    assert listed(boss) == set(cases.values())


@pytest.mark.parametrize("op", sorted(set(OPERATIONS) - {"create_there", "related"}))
def test_a_supervisor_may_do_it_all(team, cases, op) -> None:
    theirs, mine = cases["Telefon"], cases["Support"]
    boss = team.as_("boss")
    (message,) = [m for m in boss.get_case(theirs).messages if m.kind == "customer"]
    changes = boss.latest_change()
    OPERATIONS[op](boss, theirs, mine, message.id)
    assert boss.latest_change() > changes


def test_the_channels_own_agent_may_do_what_anna_may_not(team, cases) -> None:
    bo = team.as_("bo")
    theirs = cases["Telefon"]
    bo.note(theirs, "Min anteckning")
    bo.assign(theirs, "me")
    assert bo.set_status(theirs, "open").status == "open"


def test_a_merged_case_is_no_door_into_another_channel(team, cases) -> None:
    boss = team.as_("boss")
    boss.merge(cases["Support"], cases["Telefon"])  # survivor in Telefon: not anna's
    before = boss.get_case(cases["Telefon"])
    with pytest.raises(Forbidden):
        team.as_("anna").add_message(cases["Support"], MessageInput("Via omvägen"))
    assert boss.get_case(cases["Telefon"]) == before


# -- logins and administration ----------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda s: s.list_cases(),
    lambda s: s.get_case(1),
    lambda s: s.whoami(),
    lambda s: s.note(1, "hej"),
    lambda s: s.create_case(channel="Support", contact=ContactInput(email="k@example.se"),
                            title="T"),
])
def test_an_unknown_login_is_told_how_a_supervisor_adds_them(team, cases, call) -> None:
    stranger = CaseService(team.db, "zed", clock=team.clock)
    changes = team.as_("boss").latest_change()
    with pytest.raises(UnknownLogin) as info:
        call(stranger)
    message = str(info.value)
    assert "'zed'" in message
    assert "supervisor" in message
    assert "casedesk agent add zed" in message
    assert team.as_("boss").latest_change() == changes


@pytest.mark.parametrize(("what", "call"), [
    ("add agents", lambda s: s.add_agent("eve")),
    ("add agents", lambda s: s.add_agent("eve", supervisor=True)),
    ("add channels", lambda s: s.add_channel("Webb", kind="form")),
    ("change channel members", lambda s: s.set_membership("Telefon", "anna", member=True)),
    ("change channel members", lambda s: s.set_membership("Support", "bo", member=False)),
])
def test_only_a_supervisor_administers(team, cases, what, call) -> None:
    anna, boss = team.as_("anna"), team.as_("boss")
    agents, channels = boss.list_agents(), boss.list_channels()
    with pytest.raises(Forbidden, match=f"only a supervisor can {what}"):
        call(anna)
    assert boss.list_agents() == agents
    assert boss.list_channels() == channels
    assert listed(anna) == {cases["Support"], cases["Chat"]}


def test_a_supervisor_adds_an_agent_a_channel_and_a_member(team, cases) -> None:
    boss = team.as_("boss")
    eve = boss.add_agent("eve", name="Eve Ny")
    assert (eve.login, eve.is_supervisor, eve.channels) == ("eve", False, ())
    assert listed(team.as_("eve")) == set()
    web = boss.add_channel("Webb", kind="form")
    assert (web.name, web.kind, web.members) == ("Webb", "form", ())
    assert boss.set_membership("Telefon", "eve", member=True).members == ("bo", "eve")
    assert listed(team.as_("eve")) == {cases["Telefon"]}
    assert team.as_("eve").whoami().channels == ("Telefon",)


@pytest.mark.parametrize("login", ["system", "Anna Berg", "", "-x", "a" * 65])
def test_a_login_that_cannot_be_an_agent_is_refused(team, login) -> None:
    boss = team.as_("boss")
    agents = boss.list_agents()
    with pytest.raises(InvalidInput, match="cannot be a login"):
        boss.add_agent(login)
    assert boss.list_agents() == agents


def test_an_existing_login_cannot_be_added_twice(team) -> None:
    with pytest.raises(InvalidInput, match="already"):
        team.as_("boss").add_agent("anna", supervisor=True)
    assert team.as_("anna").whoami().is_supervisor is False


def test_an_added_supervisor_sees_everything(team, cases) -> None:
    team.as_("boss").add_agent("sara", supervisor=True)
    assert listed(team.as_("sara")) == set(cases.values())


def test_removing_a_member_takes_effect_at_once(team, cases) -> None:
    anna, boss = team.as_("anna"), team.as_("boss")  # anna's service lives on
    chat = cases["Chat"]
    assert anna.get_case(chat).channel == "Chat"
    boss.set_membership("Chat", "anna", member=False)
    assert chat not in listed(anna)
    with pytest.raises(Forbidden):
        anna.get_case(chat)
    with pytest.raises(Forbidden):
        anna.note(chat, "Hinner jag?")
    with pytest.raises(Forbidden):
        anna.create_case(channel="Chat", contact=ContactInput(name="Per"), title="Ny chatt")
    assert [m for m in boss.get_case(chat).messages if m.kind == "note"] == []
    boss.set_membership("Chat", "anna", member=True)
    assert chat in listed(anna)


def test_an_agent_creates_cases_only_in_their_channels(team, db) -> None:
    anna = team.as_("anna")
    with pytest.raises(Forbidden, match="Telefon"):
        anna.create_case(channel="Telefon", contact=ContactInput(name="Per"), title="Ring")
    assert listed(team.as_("boss")) == set()
    assert anna.create_case(channel="Chat", contact=ContactInput(name="Per"), title="Chatt") == 1


def test_an_ai_agent_hands_over_but_never_answers_or_solves(team) -> None:
    boss = team.as_("boss")
    boss.add_agent("ai-telefonist", name="AI-Telefonist", ai=True)
    boss.set_membership("Support", "ai-telefonist", member=True)
    bot = team.as_("ai-telefonist")
    number = bot.create_case(channel="Support", contact=ContactInput(name="K", email="k@ex.se"),
                             title="Vill prata med en människa", escalated=True,
                             messages=[MessageInput("Kunden vill ha hjälp", sender="ai")])
    assert bot.get_case(number).status == "escalated"
    bot.set_status(number, "waiting")  # an AI may move a case along…
    with pytest.raises(TransitionError, match="human has the last word"):
        bot.set_status(number, "solved")  # …but never solve it
    for attempt in (lambda: bot.reply(number, "Hej"), lambda: bot.note(number, "psst"),
                    lambda: bot.assign(number, "anna")):
        with pytest.raises(Forbidden, match="only a human agent"):
            attempt()
    with pytest.raises(InvalidInput, match="AI agent cannot be a supervisor"):
        boss.add_agent("ai-boss", ai=True, supervisor=True)


def test_a_mention_reaches_only_those_who_may_read_the_case(team) -> None:
    number = team.new_case(channel="Chat")  # anna only
    note = team.as_("anna").note(number, "@bo @boss titta här")
    assert note.mentions == ("boss",)


def test_watches_and_workspaces_go_with_access(team) -> None:
    boss = team.as_("boss")
    a = team.new_case()  # Support: anna, bo
    b = team.new_case(channel="Telefon", login="bo")  # bo only
    anna = team.as_("anna")
    anna.set_watch(a, watching=True)
    anna.set_in_workspace(a, present=True)
    boss.merge(a, b)
    view = boss.get_case(b)
    assert "anna" not in view.watchers
    c = team.new_case()
    anna.set_watch(c, watching=True)
    team.as_("bo").set_watch(c, watching=True)
    boss.move_channel(c, "Telefon")
    assert boss.get_case(c).watchers == ("bo",)


def test_the_colleagues_of_a_case_are_those_who_may_read_it(team) -> None:
    chat = team.new_case(channel="Chat")  # anna only, and the supervisor
    phone = team.new_case(channel="Telefon", login="bo")
    anna = team.as_("anna")
    assert [a.login for a in anna.colleagues_for(chat)] == ["anna", "boss"]
    assert [a.login for a in team.as_("boss").colleagues_for(phone)] == ["bo", "boss"]
    with pytest.raises(Forbidden):
        anna.colleagues_for(phone)  # not hers to read: nor whom it could go to


# -- nothing to probe -----------------------------------------------------------------


@dataclass
class Hidden:
    """What anna may name by number: her own case, and the ids of things in a channel
    she is not a member of (or the same ids before anything has them)."""

    mine: int
    case: int
    message: int
    attachment: int
    outbox: int


NAMED_BY_NUMBER = {
    "get_case": lambda s, h: s.get_case(h.case),
    "note": lambda s, h: s.note(h.case, "Hej"),
    "add_message": lambda s, h: s.add_message(h.case, MessageInput("Hej")),
    "set_status": lambda s, h: s.set_status(h.case, "open"),
    "related": lambda s, h: s.related(h.case),
    "link": lambda s, h: s.link(h.mine, h.case),
    "merge_into": lambda s, h: s.merge(h.mine, h.case),
    "merge_from": lambda s, h: s.merge(h.case, h.mine),
    "watch": lambda s, h: s.set_watch(h.case, watching=True),
    "present": lambda s, h: s.present(h.case),
    "split": lambda s, h: s.split(h.message),
    "attachment": lambda s, h: s.attachment_content(h.attachment),
    "outbox_requeue": lambda s, h: s.outbox_requeue(h.outbox),
}


def refusals(service, hidden: Hidden) -> dict[str, tuple[type, str]]:  # type: ignore[no-untyped-def]
    found = {}
    for name, call in NAMED_BY_NUMBER.items():
        with pytest.raises(NotFound) as info:
            call(service, hidden)
        found[name] = (type(info.value), str(info.value))
    return found


def test_a_number_in_another_channel_is_answered_as_one_that_does_not_exist(team) -> None:
    """For an agent, a case (message, attachment, outbox mail) in a channel they are
    not a member of gets the very answer a number nobody has gets — the same class,
    the same bytes — so the numbers of other channels cannot be probed."""
    boss = team.as_("boss")
    boss.add_channel("Faktura", kind="email", address="faktura@example.se")
    boss.set_membership("Faktura", "bo", member=True)
    mine = team.new_case(channel="Support", login="anna")
    with team.db.read() as session:
        def next_id(table: str) -> int:
            return session.execute(sa.text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
                                   ).scalar_one()
        hidden = Hidden(mine, next_id("cases"), next_id("message"), next_id("attachment"),
                        next_id("outbox"))
    anna = team.as_("anna")
    before = refusals(anna, hidden)
    # Now those numbers exist, in Faktura, which anna is not a member of.
    bo = team.as_("bo")
    number = bo.create_case(
        channel="Faktura", contact=ContactInput(name="Karin", email="karin@example.se"),
        title="Faktura", messages=[MessageInput("Se bilagan", attachments=(
            AttachmentInput("faktura.pdf", b"%PDF-1.4", "application/pdf"),))])
    bo.reply(number, "Vi tittar på den.")
    case = boss.get_case(number)
    assert (case.number, case.messages[0].id, case.messages[0].attachments[0].id) == (
        hidden.case, hidden.message, hidden.attachment)
    (queued,) = boss.outbox()
    assert queued.id == hidden.outbox
    with team.db.write_engine.begin() as conn:  # a failed mail: one anna could retry
        conn.execute(sa.text("UPDATE outbox SET state = 'failed'"))
    after = refusals(anna, hidden)
    assert after == before
    for kind, text in after.values():
        assert kind is Unseen
        assert "that you can see" in text


def test_a_supervisor_is_told_plainly_what_does_not_exist(team) -> None:
    with pytest.raises(NotFound) as info:
        team.as_("boss").get_case(404)
    assert str(info.value) == "there is no case #404"
    assert type(info.value) is NotFound


def test_a_refusal_names_the_channel_in_words_that_read_right(team, cases) -> None:
    anna, boss = team.as_("anna"), team.as_("boss")
    with pytest.raises(Forbidden) as info:
        anna.create_case(channel="Telefon", contact=ContactInput(name="P"), title="T")
    assert str(info.value) == ("you are not a member of the channel 'Telefon': ask a "
                               "supervisor to add you")
    with pytest.raises(Forbidden) as info:
        anna.move_channel(cases["Support"], "Telefon")
    assert str(info.value) == ("you are not a member of the channel 'Telefon': ask a "
                               "supervisor to add you")
    boss.merge(cases["Support"], cases["Telefon"])
    with pytest.raises(Forbidden) as info:
        anna.add_message(cases["Support"], MessageInput("Via omvägen"))
    assert str(info.value) == (
        f"you are not a member of the channel of case #{cases['Telefon']}, which "
        f"#{cases['Support']} was merged into: ask a supervisor to add you")
