"""The demo's customers: names, companies, addresses and phone numbers."""

from __future__ import annotations

import random
from dataclasses import dataclass

from store.demo.data import COMPANIES, NAMES, PRIVATE_DOMAINS

_ASCII = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "'": "", " ": "",
                        "&": "", "-": ""})


def _ascii(text: str) -> str:
    return "".join(ch for ch in text.lower().translate(_ASCII) if ch.isalnum())


@dataclass(frozen=True)
class Contact:
    name: str
    first: str
    email: str
    phone: str
    business: bool
    premium: bool
    lang: str
    company: str


def make_contacts(n: int, rnd: random.Random) -> list[Contact]:
    out = []
    taken: set[str] = set()
    for _ in range(n):
        lang = "sv" if rnd.random() < 0.8 else "en"
        names = NAMES[lang]
        first, last = rnd.choice(names.first), rnd.choice(names.last)
        business = rnd.random() < 0.3
        premium = rnd.random() < (0.35 if business else 0.08)
        company = ""
        f, la = _ascii(first), _ascii(last)
        if business:
            co = COMPANIES[lang]
            parts = [rnd.choice(co.names), rnd.choice(co.kinds)]
            if co.towns:
                parts.append(rnd.choice(co.towns))
            company = " ".join(filter(None, parts))
            domain = "".join(_ascii(w) for w in company.split()
                             if w not in ("AB", "Ltd", "i")) + ".example"
            local = rnd.choice((f"{f}.{la}", f, f"{f[0]}.{la}", f"{f}{la[0]}"))
        else:
            domain = rnd.choice(PRIVATE_DOMAINS)
            local = rnd.choice((f"{f}.{la}", f"{f}{la}", f"{f[0]}{la}", f"{f}_{la}",
                                f"{f}.{la}{rnd.randrange(60, 100)}",
                                f"{f}{rnd.randrange(1, 1000)}"))
        email = f"{local}@{domain}"
        if email in taken:
            email = f"{local}{len(taken) % 997 + 2}@{domain}"
            while email in taken:
                email = f"{local}{rnd.randrange(10_000)}@{domain}"
        has_email = rnd.random() < 0.93
        has_phone = not has_email or rnd.random() < 0.55
        if has_email:
            taken.add(email)
        phone = ""
        if has_phone:
            n1 = rnd.choice(("70", "72", "73", "76", "79"))
            d = rnd.randrange(10_000_000)
            phone = f"+46 {n1} {d // 10_000:03d} {d // 100 % 100:02d} {d % 100:02d}"
        out.append(Contact(f"{first} {last}", first, email if has_email else "", phone,
                           business, premium, lang, company))
    return out
