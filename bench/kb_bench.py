"""What a knowledge-base suggestion costs a case: `KnowledgeBase.suggest` against the
bare FTS5 query it makes, on the same in-memory table in the same run (README,
"Knowledge base").

    .venv/bin/python bench/kb_bench.py [--articles 1000] [--rounds 5]

The articles are a web shop's: a topic each (delivery, returns, invoices, passwords, a
card charged twice, subscriptions, addresses, opening hours, a product that will not
start, warranty) for one of its products, in Swedish or English, a title of the
topic's and a body of its sentences. The cases are the labelled messages of
tests/store/triage_*.toml, title and text. `suggest` also picks the case's words,
folds them and checks the folder (at most once a second); the bare query has its
query string made beforehand. Rounds alternate; the best of each is kept.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from store.knowledge import KnowledgeBase  # noqa: E402
from store.knowledge.articles import search_words  # noqa: E402
from store.knowledge.base import MOST_CHARS, MOST_WORDS, WEIGHTS, match_query  # noqa: E402

PRODUCTS = {
    "sv": ["taklampan Aurora", "smartpluggen Mini", "Nordljus Hub", "ljuslisten 2 m",
           "rörelsesensorn Vaken", "bordslampan Glimt", "dimmern Skymning", "startpaketet Hem",
           "utomhusspotten Fyr", "Nordljus Plus-abonnemanget"],
    "en": ["the Aurora ceiling lamp", "the Mini smart plug", "the Nordljus Hub",
           "the 2 m light strip", "the Vaken motion sensor", "the Glimt table lamp",
           "the Skymning dimmer", "the Home starter kit", "the Fyr outdoor spotlight",
           "the Nordljus Plus subscription"],
}
# topic: (titles, sentences) by language; {p} is the product.
TOPICS = {
    "sv": {
        "leverans": (["Leveranstider för {p}", "Var är mitt paket med {p}?"], [
            "Vi skickar {p} inom 1–2 arbetsdagar.", "Leveransen tar normalt 2–5 arbetsdagar.",
            "Du får en spårningslänk i mejlet när paketet har lämnat lagret.",
            "Har paketet inte kommit efter 7 dagar efterlyser vi det hos PostNord.",
            "Till ett ombud eller hem till dörren, som du valde i kassan."]),
        "retur": (["Returnera {p}", "Öppet köp på {p}"], [
            "Du har 30 dagars öppet köp på {p}.", "Skriv ut returetiketten under Mina sidor.",
            "Packa varan i originalförpackningen och lämna paketet hos ett ombud.",
            "Pengarna betalas tillbaka inom 5 bankdagar efter att returen kommit fram."]),
        "faktura": (["Faktura för {p}", "Fel belopp på fakturan"], [
            "Fakturan skickas till din e-post och betalas inom 30 dagar.",
            "Stämmer inte beloppet skickar vi en kreditfaktura.",
            "En kopia av fakturan finns under Mina sidor > Ordrar.",
            "E-faktura anmäler du i din internetbank."]),
        "lösenord": (["Glömt lösenord", "Logga in i appen för {p}"], [
            "Klicka på Glömt lösenord och ange din e-postadress.",
            "Länken i mejlet gäller i 24 timmar.", "Titta i skräpposten om inget mejl kommer.",
            "Efter fem felaktiga försök låses kontot i 30 minuter."]),
        "betalning": (["Dragits två gånger för {p}", "Reservation på kortet"], [
            "Ofta är det ena beloppet en reservation som försvinner inom 3–5 bankdagar.",
            "Har beloppet dragits två gånger betalar vi tillbaka det.",
            "Skicka ordernumret och ett kontoutdrag till oss."]),
        "abonnemang": (["Säga upp {p}", "Ändra ditt abonnemang"], [
            "Du säger upp abonnemanget under Mina sidor > Abonnemang.",
            "Det gäller perioden ut som du har betalat för.",
            "Ångrar du dig kan du starta det igen på samma sida."]),
        "felsökning": (["{p} startar inte", "{p} tappar anslutningen"], [
            "Dra ur sladden i tio sekunder och sätt i den igen.",
            "Kontrollera att appen har den senaste versionen.",
            "Håll in knappen i fem sekunder för att återställa {p}.",
            "Lyser lampan rött är wifi-lösenordet fel."]),
        "garanti": (["Garanti på {p}", "Reklamera {p}"], [
            "{p} har tre års garanti.", "Skicka en bild på felet och ditt ordernummer.",
            "Vi skickar en ny vara när reklamationen är godkänd."]),
    },
    "en": {
        "delivery": (["Delivery times for {p}", "Where is my parcel with {p}?"], [
            "We ship {p} within 1–2 business days.", "Delivery normally takes 2–5 days.",
            "You get a tracking link by email when the parcel leaves the warehouse.",
            "If the parcel has not arrived after 7 days we trace it with the carrier."]),
        "returns": (["Return {p}", "Refunds for {p}"], [
            "You may return {p} within 30 days.", "Print the return label from My Pages.",
            "Pack the item in its original packaging and drop it at a service point.",
            "We refund the amount within 5 business days of receiving the return."]),
        "invoice": (["Invoice for {p}", "Wrong amount on the invoice"], [
            "The invoice is emailed to you and due within 30 days.",
            "If the amount is wrong we send a credit note.",
            "A copy of the invoice is under My Pages > Orders."]),
        "password": (["Forgot your password", "Log in to the app for {p}"], [
            "Choose Forgot password and enter your email address.",
            "The link in the email is valid for 24 hours.",
            "Check your spam folder if no email arrives.",
            "After five failed attempts the account is locked for 30 minutes."]),
        "payment": (["Charged twice for {p}", "A reservation on your card"], [
            "One of the amounts is usually a reservation that disappears in 3–5 banking days.",
            "If you were really charged twice we refund the double charge.",
            "Send us the order number and a bank statement."]),
        "subscription": (["Cancel {p}", "Change your subscription"], [
            "Cancel the subscription under My Pages > Subscription.",
            "It runs until the end of the period you paid for.",
            "Changed your mind? Restart it on the same page."]),
        "troubleshooting": (["{p} will not start", "{p} keeps losing the connection"], [
            "Unplug it for ten seconds and plug it in again.",
            "Make sure the app is up to date.",
            "Hold the button for five seconds to reset {p}.",
            "A red light means the wifi password is wrong."]),
        "warranty": (["Warranty on {p}", "Report a fault with {p}"], [
            "{p} has a three-year warranty.", "Send a photo of the fault and your order number.",
            "We send a new one once the claim is approved."]),
    },
}


def write_articles(folder: Path, count: int) -> None:
    pick = random.Random(16)
    for i in range(count):
        language = ("sv", "en")[i % 2]
        topics = list(TOPICS[language].items())
        topic, (titles, sentences) = topics[(i // 2) % len(topics)]
        product = PRODUCTS[language][(i // (2 * len(topics))) % 10]
        title = pick.choice(titles).format(p=product)
        body = " ".join(s.format(p=product) for s in pick.sample(
            sentences, k=pick.randint(2, len(sentences))))
        path = folder / language / topic / f"{i:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: {title[0].upper()}{title[1:]}\ntags: [{topic}]\n---\n"
                        f"{body}\n", encoding="utf-8")


def cases() -> list[str]:
    found = []
    for name in ("triage_messages.toml", "triage_holdout.toml"):
        data = tomllib.loads((ROOT / "tests/store" / name).read_text(encoding="utf-8"))
        found += [f"{m['subject']}\n{m['text']}" for m in data["message"]]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = cases()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_articles(folder, args.articles)
        kb = KnowledgeBase(folder)
        start = time.perf_counter()
        loaded = len(kb.articles())
        load = time.perf_counter() - start
        assert loaded == args.articles
        assert kb.problem is None, kb.problem
        start = time.perf_counter()
        for _ in range(20):
            kb.recheck()
            kb.articles()
        look = (time.perf_counter() - start) / 20
        connection = kb._index.connection  # the very table suggest() asks
        queries = [match_query(search_words(t[:MOST_CHARS], MOST_WORDS)) for t in texts]
        sql = (f"SELECT rowid, bm25(article, {', '.join(map(str, WEIGHTS))}) AS rank "
               "FROM article WHERE article MATCH ? ORDER BY rank, rowid LIMIT 3")
        best = {"suggest": float("inf"), "query": float("inf")}
        found = 0
        for _ in range(args.rounds):
            start = time.perf_counter()
            found = sum(bool(kb.suggest(t, 3)) for t in texts)
            best["suggest"] = min(best["suggest"], time.perf_counter() - start)
            start = time.perf_counter()
            for q in queries:
                connection.execute(sql, (q,)).fetchall()
            best["query"] = min(best["query"], time.perf_counter() - start)
    n = len(texts)
    print(f"{args.articles} articles read and indexed: {load * 1e3:.0f} ms; a look at the "
          f"folder with no change: {look * 1e3:.1f} ms (at most once a second)")
    print(f"{n} cases, {found} with a suggestion; best of {args.rounds} rounds:")
    for key, what in (("suggest", "suggest()"), ("query", "bare FTS5 query")):
        print(f"  {what:16} {best[key] * 1e3:7.1f} ms  ({best[key] / n * 1e6:6.0f} µs a case)")
    print(f"ratio suggest/query: {best['suggest'] / best['query']:.2f}")


if __name__ == "__main__":
    main()
