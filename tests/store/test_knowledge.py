"""The knowledge base (store/knowledge): articles read from their Markdown files, ranked
for real Swedish and English questions, read again when the folder changes, suggested
for a case through the service (on both engines, behind the permission check), and
added to a new case's acknowledgement only when it matches strongly."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from store.errors import NotFound, Unseen
from store.inputs import MailInput, MessageInput
from store.knowledge import Article, KnowledgeBase, KnowledgeSettings
from store.knowledge.articles import parse_article
from store.knowledge.base import MOST_WORDS, match_query

# Ten articles as a small web shop's support team writes them, in both languages.
ARTICLES = {
    "oppettider.md": """---
title: Öppettider för kundtjänst
tags: [öppettider, kundtjänst, telefon]
url: https://help.example.se/oppettider
---
# Öppettider för kundtjänst

Kundtjänst har öppet vardagar 08.00–17.00, fredagar 08.00–16.00. Lördag och söndag
samt helgdagar är det stängt. Telefonen har ofta kö måndag förmiddag; chatten och
mejlen svarar vi på under samma tider.
""",
    "leveranstider.md": """---
title: Leveranstider och spårning av paket
tags: [leverans, frakt, paket]
---
Vi skickar din beställning inom 1–2 arbetsdagar. Leveransen tar sedan normalt 2–5
arbetsdagar med PostNord. När paketet har lämnat lagret får du ett mejl med en
spårningslänk. Har paketet inte kommit efter 7 arbetsdagar, kontakta oss med ditt
ordernummer så efterlyser vi det.
""",
    "konto/aterstall-losenord.md": """---
title: Återställ lösenord
tags: [lösenord, konto, inloggning]
url: https://help.example.se/losenord
---
Har du glömt ditt lösenord? Klicka på "Glömt lösenord" på inloggningssidan och ange
e-postadressen du registrerade kontot med. Du får en länk som gäller i 24 timmar.
Kommer inget mejl, titta i skräpposten. Efter fem felaktiga försök låses kontot i 30
minuter.
""",
    "konto/reset-password.md": """---
title: Reset your password
tags: [password, account, login]
url: https://help.example.com/password
---
Forgot your password? Choose "Forgot password" on the login page and enter the email
address of your account. We send a link that is valid for 24 hours. No email? Check
your spam folder. After five failed attempts the account is locked for 30 minutes.
""",
    "returns.md": """---
title: Returns and refunds
tags: [return, refund]
---
You may return an item within 30 days of delivery. Print the return label from My
Pages, pack the item in its original packaging and drop the parcel at any service
point. We refund the amount to the card you paid with within 5 business days of
receiving the return.
""",
    "retur.md": """---
title: Returnera en vara
tags: [retur, ångerrätt, öppet köp]
---
Du har 30 dagars öppet köp. Skriv ut returetiketten under Mina sidor, packa varan i
originalförpackningen och lämna paketet hos ett ombud. Pengarna betalas tillbaka
inom 5 bankdagar efter att returen kommit fram till oss.
""",
    "faktura.md": """---
title: Frågor om din faktura
tags: [faktura, betalning, e-faktura]
url: https://help.example.se/faktura
---
Fakturan skickas till din e-post när beställningen har skickats och ska betalas
inom 30 dagar. Stämmer inte beloppet, eller behöver du en kopia av fakturan, skriv
till oss med fakturanumret så skickar vi en kreditfaktura eller en ny faktura.
E-faktura anmäler du i din internetbank.
""",
    "charged-twice.md": """---
title: Charged twice on your card
tags: [payment, card, charge]
---
If your card seems to be charged twice, one of the amounts is usually a reservation
made when the order was placed. A reservation disappears within 3–5 banking days.
If both amounts were actually drawn from your account, send us the order number and
a bank statement and we refund the double charge.
""",
    "change-address.md": """---
title: Change your delivery address
tags: [address, delivery, moving]
---
Log in to My Pages and choose Addresses to change where your orders are delivered.
Have you moved? Update the address before you place the next order. An order that
has already shipped cannot be redirected; contact us and we will try to help.
""",
    "cancel-subscription.md": """---
title: Cancel your subscription
tags: [subscription, cancel]
url: https://help.example.com/cancel
---
You can cancel your subscription at any time under My Pages > Subscription. The
subscription runs until the end of the period you have paid for, and you will not
be charged again. Changed your mind? Restart it on the same page.
""",
    "byt-adress.md": """---
title: Ändra adress
tags: [adress, flytt]
---
Flyttar du? Ändra din adress under Mina sidor > Adresser innan du lägger nästa
beställning. En order som redan har skickats kan inte ändras.
""",
}


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    folder = tmp_path / "kb"
    write(folder, dict(ARTICLES))
    return KnowledgeBase(folder)


def best(kb: KnowledgeBase, text: str) -> str | None:
    found = kb.suggest(text)
    return found[0].article.path if found else None


# -- the files ---------------------------------------------------------------------------


def test_front_matter_gives_title_tags_and_url() -> None:
    article, problems = parse_article(ARTICLES["konto/aterstall-losenord.md"],
                                      "konto/aterstall-losenord.md")
    assert problems == []
    assert article == Article(
        title="Återställ lösenord", path="konto/aterstall-losenord.md",
        tags=("lösenord", "konto", "inloggning"), url="https://help.example.se/losenord",
        body=ARTICLES["konto/aterstall-losenord.md"].split("---\n", 2)[2].strip())


def test_front_matter_may_quote_values_and_list_tags_as_lines() -> None:
    article, problems = parse_article(
        '\ufeff---\r\ntitle: "Faktura: frågor"\r\nauthor: Britt\r\ntags:\r\n  - faktura\r\n'
        "  - 'e-faktura'\r\nurl: 'https://help.example.se/faktura?a=1&b=2'\r\n---\r\nText\r\n",
        "faktura.md")
    assert problems == []
    assert (article.title, article.tags, article.url, article.body) == (
        "Faktura: frågor", ("faktura", "e-faktura"), "https://help.example.se/faktura?a=1&b=2",
        "Text")


def test_without_front_matter_the_title_is_the_first_heading_else_the_file_name() -> None:
    article, _ = parse_article("Inledning.\n\n## Inom Sverige\n\n# Leverans  \n\nTre dagar.\n",
                               "frakt/sverige.md")
    assert (article.title, article.tags, article.url) == ("Leverans", (), None)
    assert article.body == "Inledning.\n\n## Inom Sverige\n\n# Leverans  \n\nTre dagar."
    assert parse_article("Bara text.\n", "frakt/leverans-till_norge.md")[0].title == (
        "leverans till norge")


def test_a_broken_front_matter_is_read_as_the_body_and_said() -> None:
    text = "---\ntitle: Aldrig stängd\ntags: [a, b]\n\n# Byta lösenord\nGör så här.\n"
    article, problems = parse_article(text, "byta.md")
    assert (article.title, article.tags, article.body) == ("Byta lösenord", (), text.strip())
    assert problems == ["front matter opened by --- is never closed: read as the body"]
    article, problems = parse_article("---\ntitle: Länk\nurl: javascript:alert(1)\n---\nx",
                                      "l.md")
    assert (article.title, article.url) == ("Länk", None)
    assert problems == ["url 'javascript:alert(1)' is no http(s) address: left out"]


def test_hostile_text_is_kept_literally_and_cannot_steer_the_search(tmp_path: Path) -> None:
    title = '[link=https://evil.example]Klicka[/] \x1b]52;c;aGk=\x07 "; DROP TABLE article; --'
    write(tmp_path, {"elak.md": f"---\ntitle: {title}\ntags: [x\u202e, 'NEAR(a b)']\n---\n"
                                "body: title:* OR NOT ^\"lösenord\" AND\n"})
    kb = KnowledgeBase(tmp_path)
    (article,) = kb.articles()
    assert article.title == title
    assert article.tags == ("x\u202e", "NEAR(a b)")
    assert article.body == 'body: title:* OR NOT ^"lösenord" AND'
    # FTS5's syntax in a case is words like any other, never an operator or a column.
    for text in ('NEAR("drop" "table") OR title:* NOT ^', '"', "* AND OR NOT", 'lösenord"*'):
        assert match_query(["near", "drop"]) == '"near" OR "drop"'
        found = kb.suggest(text)
        assert all(s.article == article for s in found)
    assert [s.words for s in kb.suggest('title: "DROP" near(table)')] == [
        ("title", "drop", "near", "table")]


def test_a_file_that_is_not_utf8_is_skipped_and_logged_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path, {"bra.md": "# Öppettider\nVardagar 8–17.\n",
                     "latin1.md": "# Öppettider\nHelgdagar stängt.\n".encode("latin-1"),
                     "anteckningar.txt": "inte en artikel", ".utkast.md": "# Utkast\n"})
    kb = KnowledgeBase(tmp_path)
    with caplog.at_level(logging.WARNING, logger="casedesk.knowledge"):
        assert [a.path for a in kb.articles()] == ["bra.md"]
        write(tmp_path, {"ny.md": "# Ny\n"})  # the folder changes: read again
        kb.recheck()
        assert [a.path for a in kb.articles()] == ["bra.md", "ny.md"]
    said = [r.getMessage() for r in caplog.records if r.name == "casedesk.knowledge"]
    assert said == [f"knowledge: {tmp_path / 'latin1.md'}: not UTF-8 text"]
    assert kb.problem == "skipped 1 file: latin1.md (not UTF-8 text)"


def test_a_missing_folder_is_a_problem_until_it_is_there(tmp_path: Path) -> None:
    kb = KnowledgeBase(tmp_path / "kb")
    assert kb.suggest("glömt lösenord") == []
    assert kb.problem == f"{tmp_path / 'kb'}: no such folder"
    write(tmp_path / "kb", {"losenord.md": ARTICLES["konto/aterstall-losenord.md"]})
    kb.recheck()
    assert best(kb, "glömt lösenord") == "losenord.md"
    assert kb.problem is None


# -- ranking ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "article"), [
    ("Glömt lösenord\nHej! Jag har glömt mitt lösenord och kommer inte in på mitt konto. "
     "Mvh Karin", "konto/aterstall-losenord.md"),
    ("Var är mitt paket?\nJag beställde i måndags och paketet har fortfarande inte kommit. "
     "Hur lång är leveranstiden?", "leveranstider.md"),
    ("Fråga\nNär har ni öppet? Jag försökte ringa kundtjänst i lördags men ingen svarade.",
     "oppettider.md"),
    ("Fel på fakturan\nBeloppet på fakturan stämmer inte. Kan ni skicka en ny faktura?",
     "faktura.md"),
    ("Retur\nKan jag returnera jackan? Den var för liten och jag vill ha pengarna tillbaka.",
     "retur.md"),
    ("Flytt\nVi har flyttat, hur ändrar jag min adress?", "byt-adress.md"),
    ("Double charge\nHi, I was charged twice for my order yesterday. Please refund one.",
     "charged-twice.md"),
    ("Cancel\nHow do I cancel my subscription? I don't want to be charged again.",
     "cancel-subscription.md"),
    ("New address\nI have moved and need to change my delivery address for the next order.",
     "change-address.md"),
    ("Return\nI want to return the shoes and get a refund, they are too small.",
     "returns.md"),
    ("Locked out\nI forgot my password and now the account is locked.",
     "konto/reset-password.md"),
])
def test_the_right_article_comes_first(kb: KnowledgeBase, text: str, article: str) -> None:
    found = kb.suggest(text)
    assert found[0].article.path == article, [(s.article.path, s.score) for s in found]
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    assert all(s.score > 0 for s in found)


def test_one_shared_word_is_enough_for_a_suggestion(kb: KnowledgeBase) -> None:
    (found,) = kb.suggest("Jag undrar över en sak om min e-faktura")
    assert (found.article.path, found.words) == ("faktura.md", ("faktura",))
    assert found.score == round(found.score, 3)


def test_any_case_and_accents(kb: KnowledgeBase) -> None:
    answers = [kb.suggest(text) for text in ("LÖSENORD", "losenord", "Lösenord", "lÖsEnOrD")]
    assert [[(s.article.path, s.score) for s in a] for a in answers] == [
        [("konto/aterstall-losenord.md", answers[0][0].score)]] * 4
    assert best(kb, "OPPETTIDER KUNDTJANST") == "oppettider.md"


def test_stop_words_match_nothing_and_the_limit_holds(kb: KnowledgeBase) -> None:
    assert kb.suggest("Hej! Jag har en fråga och det är att the of and?") == []
    assert kb.suggest("") == []
    assert len(kb.suggest("order address password faktura paket retur", limit=2)) == 2
    assert kb.suggest("faktura", limit=0) == []


def test_a_huge_mail_is_read_by_its_first_words(kb: KnowledgeBase) -> None:
    filler = " ".join(f"ord{i}" for i in range(MOST_WORDS))
    assert kb.suggest(f"{filler} lösenord") == []
    assert best(kb, f"lösenord {filler} " * 5000) == "konto/aterstall-losenord.md"


# -- reading the folder again ------------------------------------------------------------


def test_a_new_changed_or_removed_file_is_seen_at_the_next_look(kb: KnowledgeBase) -> None:
    folder = kb.folder
    assert best(kb, "presentkort") is None
    write(folder, {"presentkort.md": "---\ntitle: Presentkort\n---\nGäller i två år.\n"})
    kb.recheck()
    assert best(kb, "presentkort") == "presentkort.md"
    write(folder, {"presentkort.md": "---\ntitle: Gift cards\n---\nValid for two years.\n"})
    kb.recheck()
    assert best(kb, "presentkort") is None
    assert best(kb, "gift") == "presentkort.md"
    (folder / "presentkort.md").unlink()
    kb.recheck()
    assert best(kb, "gift") is None
    assert len(kb.articles()) == len(ARTICLES)


# -- the service -----------------------------------------------------------------------------


@pytest.fixture
def base(team, tmp_path: Path) -> KnowledgeBase:  # type: ignore[no-untyped-def]
    folder = tmp_path / "kb"
    write(folder, dict(ARTICLES))
    team.db.knowledge = KnowledgeBase(folder)
    return team.db.knowledge


def test_a_case_gets_the_articles_for_its_title_and_customers_words(team, base) -> None:
    number = team.new_case(title="Inloggning", text="Jag har glömt mitt lösenord.\n\n"
                           "Den 3 mars 2026 kl. 10:12 skrev Kundtjänst:\n> Faktura bifogas")
    found = team.as_("anna").suggest_articles(number)
    assert found[0].article.path == "konto/aterstall-losenord.md"
    assert "faktura.md" not in [s.article.path for s in found]  # quoted history: not theirs
    # The latest customer message counts too; an agent's note does not.
    team.as_("anna").note(number, "Kolla fakturan och returen")
    assert "faktura.md" not in [s.article.path for s in team.as_("anna").suggest_articles(number)]
    team.as_("anna").add_message(number, MessageInput("Och hur avbryter jag min prenumeration, "
                                                      "cancel subscription?"))
    paths = [s.article.path for s in team.as_("anna").suggest_articles(number, limit=5)]
    assert {"konto/aterstall-losenord.md", "cancel-subscription.md"} <= set(paths)
    # An auto-reply is not the customer's latest word.
    team.as_("anna").add_message(number, MessageInput("Frånvaro: fakturan betalas i april",
                                                      flags=("auto-reply",)))
    after = [s.article.path for s in team.as_("anna").suggest_articles(number, limit=5)]
    assert (after, "faktura.md" in after) == (paths, False)


def test_a_case_one_may_not_see_is_answered_as_one_that_does_not_exist(team, base) -> None:
    hidden = team.new_case(channel="Telefon", login="bo", title="Glömt lösenord")
    assert team.as_("bo").suggest_articles(hidden)
    anna = team.as_("anna")  # not in Telefon
    with pytest.raises(Unseen) as unseen:
        anna.suggest_articles(hidden)
    with pytest.raises(Unseen) as missing:
        anna.suggest_articles(hidden + 1000)
    assert str(unseen.value).replace(str(hidden), "N") == str(missing.value).replace(
        str(hidden + 1000), "N")
    with pytest.raises(NotFound):
        team.as_("boss").suggest_articles(hidden + 1000)


def test_without_a_knowledge_base_a_case_gets_nothing(team) -> None:
    number = team.new_case(title="Glömt lösenord")
    assert team.db.knowledge is None
    assert team.as_("anna").suggest_articles(number) == []
    with pytest.raises(Unseen):
        team.as_("anna").suggest_articles(number + 1000)


# -- the acknowledgement ---------------------------------------------------------------------

ACK = "Tack! Ditt ärende har nummer {number}."


def mail_in(team, uid: int, subject: str, text: str) -> int:  # type: ignore[no-untyped-def]
    first = MessageInput(text, sender_address=f"kund{uid}@example.net",
                         mail_message_id=f"<m{uid}@example.net>")
    raw = f"Subject: {uid}\r\n\r\n{text}".encode()  # bytes of its own: no duplicate
    (receipt,) = team.system.receive_mail(
        "INBOX", "Support", uid, [MailInput(uid=uid, raw=raw, message=first, subject=subject)],
        acknowledge=ACK)
    assert receipt.new_case
    return receipt.case


def acknowledgement(team, number: int) -> str:  # type: ignore[no-untyped-def]
    """The text of the case's acknowledgement: its event's, and the mail's too."""
    (mail,) = [m for m in team.system.outbox() if m.case == number]
    assert mail.auto_submitted
    (said,) = [m.text for m in team.as_("boss").get_case(number).messages
               if m.kind == "event" and m.text.startswith("Automatic acknowledgement")]
    text = said.split(":\n", 1)[1]
    assert text in mail.body  # (a channel's signature may follow)
    return text


def test_a_strong_match_goes_with_the_acknowledgement_and_the_case_stays_new(
        team, base) -> None:
    base.acknowledge = True
    number = mail_in(team, 1, "Glömt lösenord", "Hej! Jag har glömt mitt lösenord och kommer "
                     "inte in på mitt konto.")
    assert acknowledgement(team, number) == (
        f"Tack! Ditt ärende har nummer {number}.\n\nDet här kan hjälpa dig redan nu:\n"
        "Återställ lösenord\nhttps://help.example.se/losenord")
    assert team.as_("anna").get_case(number).status == "new"
    # An article without a url may be the team's own: never mailed to whoever writes.
    number = mail_in(team, 2, "Retur", "Kan jag returnera jackan? Jag vill ha pengarna tillbaka.")
    assert team.as_("anna").suggest_articles(number)[0].article.path == "retur.md"
    assert team.db.knowledge.strong("Retur\nKan jag returnera jackan? Jag vill ha pengarna "
                                    "tillbaka.") is not None  # strong, yet not mailed
    assert acknowledgement(team, number) == f"Tack! Ditt ärende har nummer {number}."


def test_a_weak_match_or_none_leaves_the_acknowledgement_as_it_is(team, base) -> None:
    base.acknowledge = True
    # One shared word: suggested on request, never mailed unasked.
    weak = mail_in(team, 1, "Fråga", "Jag har en fråga om min beställning.")
    assert [s.article.path for s in team.as_("anna").suggest_articles(weak)]
    assert acknowledgement(team, weak) == f"Tack! Ditt ärende har nummer {weak}."
    assert team.as_("anna").get_case(weak).status == "new"
    # A strong match with the acknowledgement off in [knowledge].
    base.acknowledge = False
    number = mail_in(team, 2, "Glömt lösenord", "Jag har glömt mitt lösenord till kontot.")
    assert acknowledgement(team, number) == f"Tack! Ditt ärende har nummer {number}."


def test_a_broken_knowledge_base_never_stops_a_case(team, tmp_path: Path) -> None:
    team.db.knowledge = KnowledgeBase(tmp_path / "saknas", acknowledge=True)
    number = mail_in(team, 1, "Glömt lösenord", "Jag har glömt mitt lösenord.")
    assert acknowledgement(team, number) == f"Tack! Ditt ärende har nummer {number}."
    assert team.db.knowledge.problem == f"{tmp_path / 'saknas'}: no such folder"


def test_the_settings_name_a_folder_relative_to_the_config_file(tmp_path: Path) -> None:
    settings = KnowledgeSettings.model_validate({"folder": "artiklar", "acknowledge": True,
                                                 "strong_share": 0.7, "strong_words": 3})
    config = tmp_path / "etc" / "config.toml"
    assert settings.folder_path(config) == tmp_path / "etc" / "artiklar"
    base = settings.base(config)
    assert base is not None
    assert (base.folder, base.acknowledge, base.strong_share, base.strong_words) == (
        tmp_path / "etc" / "artiklar", True, 0.7, 3)
    assert KnowledgeSettings().base(config) is None
    assert KnowledgeSettings(folder="/srv/kb").folder_path(config) == Path("/srv/kb")


def test_inside_a_write_transaction_the_folder_is_not_looked_at(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: Öppettider\n---\nVardagar 8–17.\n",
                                 encoding="utf-8")
    base = KnowledgeBase(folder)
    assert KnowledgeBase(folder).suggest("lösenord", look=False) == []  # never read: none
    assert [a.title for a in base.articles()] == ["Öppettider"]
    (folder / "b.md").write_text("---\ntitle: Glömt lösenord\n---\nMina sidor.\n",
                                 encoding="utf-8")
    base.recheck()
    assert base.suggest("glömt lösenord", look=False) == []  # the articles as last read
    assert [s.article.title for s in base.suggest("glömt lösenord")] == ["Glömt lösenord"]
