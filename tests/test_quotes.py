"""The quoted history of a customer's mail is found, and folding it loses nothing."""

from __future__ import annotations

import pytest

from mail.quotes import split_quoted

SWEDISH = ("Tack för svaret!\n\nMvh Åsa\n\nDen 3 mars 2026 kl. 10:12 skrev Nordljus "
           "kundservice <support@nordljus.example>:\n> Hej Åsa,\n> vi tittar på det.\n")
OUTLOOK = ("Hej, det fungerar inte än.\n\n-----Ursprungligt meddelande-----\nFrån: Support\n"
           "Skickat: den 3 mars 2026 10:12\nÄmne: Re: Faktura\n\nHej, prova igen.\n")
ENGLISH = ("Thanks!\n\nOn Tue, Mar 3, 2026 at 10:12 AM Support <s@x.example> wrote:\n"
           "> Hi,\n> we are on it\n")


@pytest.mark.parametrize(("text", "new", "history_starts"), [
    (SWEDISH, "Tack för svaret!\n\nMvh Åsa", "Den 3 mars 2026"),
    (OUTLOOK, "Hej, det fungerar inte än.", "-----Ursprungligt meddelande-----"),
    (ENGLISH, "Thanks!", "On Tue, Mar 3"),
])
def test_the_history_is_found(text: str, new: str, history_starts: str) -> None:
    shown, history = split_quoted(text)
    assert shown == new
    assert history.startswith(history_starts)
    assert text.startswith(shown)
    assert text.endswith(history)


@pytest.mark.parametrize("text", ["Hej!\nInget citat här.\n", "", "> bara citat\n> inget mer",
                                  "\x1b[31m\u202e konstigt"])
def test_a_mail_without_history_is_shown_whole(text: str) -> None:
    shown, history = split_quoted(text)
    assert shown + history == text or (history == "" and shown == text)
