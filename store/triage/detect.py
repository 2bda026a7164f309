"""The built-in detectors a new case passes before any rule (README, "Triage"): urgent
topics (an outage, a payment, security: the "Hög" priority) and a frustrated
tone. Pure: text in, what was found out, with the words that found it.

Both read a message as words: lower case, accents folded, å/ä/ö as a/a/o too (a
customer on a keyboard without them writes "funkar inte alls", "betalningen"); a
phrase matches whole words in a row, a word ending in `*` any word it begins.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

URGENT = "urgent"
FRUSTRATED = "frustrated"
FLAGS = (URGENT, FRUSTRATED)

# "Hög: driftstopp, betalning, säkerhet", in Swedish and English. A phrase
# rather than a lone word where the word alone is mostly harmless ("betalning" in an
# invoice question, "down" in "download", "calm down").
URGENT_WORDS: tuple[str, ...] = (
    # an outage: the service or the product not working at all
    "driftstopp", "driftstörning*", "ligger nere", "är nere", "nere sedan", "tjänst nere",
    "fungerar inte alls", "funkar inte alls", "fungerar inte längre", "inget fungerar",
    "ingenting fungerar", "ingenting funkar", "tänds inte alls", "går inte att logga in",
    "kan inte logga in", "ingen kan logga in", "kommer inte in", "kommer inte åt",
    "startar inte", "kraschar", "offline", "inte nåbar*", "ej nåbar*", "går inte att nå",
    "går inte att styra", "ingen av mina", "hittar ingen server",
    "outage", "is down", "are down", "went down", "site down", "service down",
    "not working at all", "doesn't work at all", "does not work at all",
    "don't work at all", "nothing works", "stopped working", "completely broken",
    "can't log in", "cannot log in", "can not log in", "unable to log in",
    "nobody can log in", "no one can log in", "can't get in", "won't start", "crashes",
    "keeps crashing", "unreachable", "can't reach", "cannot reach", "none of my",
    # a payment gone wrong
    "dra* två gånger", "drog* två gånger", "dra* dubbelt", "dra* 2 ggr", "dubbeldebiter*",
    "dubbeldragning", "dubbelt debiterad", "debiterad två gånger", "betalt dubbelt",
    "betalat dubbelt", "betalat två gånger", "betalningen gick inte igenom",
    "betalning* misslyckades", "betalning* misslyckas", "betalning* nekades", "betalning* nekas",
    "dragit pengar", "drog pengar", "dragits pengar", "pengarna dragits",
    "pengarna är dragna", "pengarna är borta", "dragna från", "dragits från", "fel belopp",
    "för mycket pengar", "kortet nekas", "kort nekas", "kortet nekades",
    "charged twice", "double charged", "double charge", "billed twice", "charged two times",
    "paid twice", "still charged", "charged me", "charged each time", "payment failed",
    "payment declined", "card declined", "card was declined", "getting declined",
    "keeps being declined", "transaction declined", "payment did not go through",
    "payment didn't go through", "money was taken", "money has been taken",
    "drawn from my account", "has been drawn", "wrong amount", "overcharged",
    # security
    "bedrägeri*", "bedragare", "hackad", "hackade", "hackat", "hackats", "intrång",
    "nätfiske*", "phishing", "obehörig*", "kapat", "kapad", "kapats", "inte jag",
    "kommit åt mitt konto", "åtkomst till", "inte har beställt", "inte beställt",
    "inte har gjort", "beställt på mitt konto", "inloggning från", "logga ut alla",
    "spärra kontot", "spärrat kortet", "aldrig har bjudit in",
    "fraud*", "scam*", "hacked", "unauthorized", "unauthorised", "breach", "stolen",
    "identity theft", "someone else ordered", "account was taken over", "compromised",
    "wasn't me", "was not me", "not by me", "didn't change it", "access to my",
    "haven't made", "didn't make", "didn't order", "new sign-in", "log out all",
    "secure my account", "orders on my account", "never invited",
)

# A frustrated tone: (phrase, weight). A message weighing 2 or more is frustrated; a
# negation just before a phrase ("inte arg", "not upset") cancels it, an intensifier
# ("helt", "really") adds one.
TONE_WORDS: tuple[tuple[str, int], ...] = (
    # Swedish
    ("oacceptabel*", 2), ("skandal*", 2), ("tredje gången", 2), ("fjärde gången", 2),
    ("femte gången", 2), ("tre gånger", 1), ("fyra gånger", 2), ("fem gånger", 2),
    ("andra gången", 1), ("flera gånger", 1), ("tredje mejl*", 2), ("fjärde mejl*", 2),
    ("femte mejl*", 2), ("ingen svarar", 2), ("ingen har svarat", 2), ("svarade ingen", 2),
    ("inget svar", 1), ("utan svar", 1), ("fortfarande inget", 1), ("fortfarande inte", 1),
    ("trött på", 2), ("tröttna*", 2), ("less på", 2), ("orkar inte", 2), ("förbannad", 2),
    ("arg", 2), ("rasande", 2), ("besviken", 1), ("besvikelse", 1), ("skämt", 2),
    ("pinsamt", 2), ("värdelös*", 2), ("bedrövlig*", 2), ("urusel*", 2), ("katastrof*", 1),
    ("anmäl*", 1), ("arn", 1), ("konsumentverket", 2), ("byter leverantör", 2),
    ("säger upp mig", 2), ("säger upp", 1), ("aldrig mer", 2), ("sista gången", 2),
    ("hur svårt kan det vara", 2), ("inte vara så svårt", 2), ("sämsta", 2),
    ("struntar i", 2), ("bryr er inte", 2), ("ni svarar inte", 2), ("svarar aldrig", 2),
    ("tack för ingenting", 2), ("skärpning", 2), ("skämmas", 2), ("snyggt jobbat", 2),
    ("riktigt proffsigt", 2), ("vad håller ni på med", 2), ("prata med en chef", 2),
    ("orimligt", 2), ("omöjligt", 1), ("irriterande", 2), ("i hela friden", 2),
    ("hur länge ska", 1), ("ingen läser", 2), ("ge er", 1), ("fantastiskt att", 1),
    # English
    ("unacceptable", 2), ("third time", 2), ("fourth time", 2), ("fifth time", 2),
    ("second time", 1), ("three times", 1), ("four times", 2), ("five times", 2),
    ("twice now", 2), ("several times", 1), ("multiple times", 1), ("third email", 2),
    ("fourth email", 2), ("fifth email", 2), ("no one answers", 2), ("nobody answers", 2),
    ("no one has answered", 2), ("nobody has replied", 2), ("no reply", 1),
    ("no response", 1), ("still no", 1), ("still not", 1), ("still happening", 2),
    ("ridiculous", 2), ("disgrace*", 2), ("furious", 2), ("angry", 2), ("outraged", 2),
    ("fed up", 2), ("sick of", 2), ("tired of", 2), ("useless", 2), ("worst", 2),
    ("terrible", 1), ("awful", 1), ("pathetic", 2), ("a joke", 2), ("disappointed", 1),
    ("report you", 2), ("never again", 2), ("how hard can it be", 2), ("shameful", 2),
    ("ashamed", 2), ("embarrassing", 2), ("you don't care", 2), ("you never answer", 2),
    ("waste of time", 2), ("thanks for nothing", 2), ("must be joking", 2),
    ("so done", 2), ("i'm done", 2), ("done with", 1), ("lose patience", 2),
    ("losing patience", 2), ("why on earth", 2), ("last time i order", 2),
    ("annoying", 2), ("hopeless", 2), ("anyone actually reading", 2),
    ("be bothered", 2), ("sort this out", 2), ("how long does this take", 1),
    ("speak to a manager", 2), ("i expect an answer", 2), ("beyond a joke", 2),
    ("classy", 1), ("brilliant", 1), ("truly innovative", 2),
)
# Faces that say it without words.
TONE_SIGNS = ("🙄", "🙃", "🤬", "😡", "😠", "😤", "🤦")
NEGATIONS = ("inte", "ej", "icke", "aldrig", "not", "never", "no", "isnt", "dont", "doesnt",
             "wasnt", "arent", "werent", "without", "utan")
INTENSIFIERS = ("helt", "totalt", "verkligen", "extremt", "otroligt", "jätte", "så", "really",
                "totally", "completely", "absolutely", "extremely", "so", "very")
TONE_THRESHOLD = 2
PRAISE = frozenset({"tack", "thank", "thanks", "love", "alskar", "great", "underbar",
                    "fantastisk", "amazing", "awesome", "wonderful", "perfekt", "perfect",
                    "grymt", "superbra", "best", "basta"})

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_MARKS = re.compile(r"!{2,}|\?{2,}|[?!]*(?:\?!|!\?)[?!]*")
_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "æ": "a", "ø": "o", "’": "'"})


@dataclass(frozen=True)
class Finding:
    """A flag a detector set, and the words of the message that set it."""

    flag: str
    words: tuple[str, ...]


@lru_cache(maxsize=1 << 16)  # a support team's words repeat: most are folded once
def fold(word: str) -> str:
    """A word as the detectors compare it: lower case, no accents, no apostrophe."""
    if word.isascii():  # most words: no accents to take off
        return word.lower().replace("'", "")
    plain = unicodedata.normalize("NFKD", word.casefold().translate(_FOLD))
    return "".join(c for c in plain if not unicodedata.combining(c)).replace("'", "")


_NEGATIONS = frozenset(fold(w) for w in NEGATIONS)
_INTENSIFIERS = frozenset(fold(w) for w in INTENSIFIERS)


class Lexicon:
    """Phrases, each matched as whole words in a row (`*`: a word's beginning)."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases: dict[tuple[str, ...], str] = {}
        for phrase in phrases:
            # Split as a message is ("sign-in" is two words there too).
            words = tuple(fold(m.group()) + ("*" if phrase[m.end():m.end() + 1] == "*"
                                              else "")
                          for m in _WORD.finditer(phrase))
            if words:
                self.phrases[words] = phrase
        # Looked up by a message word: the phrases that begin with it, and those that
        # begin with a prefix of it (by the prefix's first three letters).
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        self._prefixed: dict[str, list[tuple[str, ...]]] = {}
        for words in self.phrases:
            if words[0].endswith("*"):  # keyed by its first three letters (or fewer)
                self._prefixed.setdefault(words[0][:-1][:3], []).append(words)
            else:
                self._by_first.setdefault(words[0], []).append(words)

    def matches(self, words: Sequence[str]) -> list[tuple[int, tuple[str, ...]]]:
        """(position, phrase) for each phrase found in `words` (folded)."""
        found = []
        by_first, prefixed = self._by_first, self._prefixed
        for i, word in enumerate(words):
            for phrase in by_first.get(word, ()):
                if _at(words, i, phrase):
                    found.append((i, phrase))
            for key in {word[:1], word[:2], word[:3]}:  # a prefix of one to three letters
                for phrase in prefixed.get(key, ()):
                    if word.startswith(phrase[0][:-1]) and _at(words, i, phrase):
                        found.append((i, phrase))
        return found


def _at(words: Sequence[str], i: int, phrase: tuple[str, ...]) -> bool:
    if i + len(phrase) > len(words):
        return False
    for word, want in zip(words[i:i + len(phrase)], phrase, strict=True):
        if want.endswith("*"):
            if not word.startswith(want[:-1]):
                return False
        elif word != want:
            return False
    return True


def words_of(text: str) -> list[tuple[str, str]]:
    """The words of a text: (as written, folded)."""
    return [(m.group(), fold(m.group())) for m in _WORD.finditer(text)]


class Detectors:
    """The urgent topics and a frustrated tone, with the team's word lists
    (config `[triage]`) or the built-in ones."""

    def __init__(self, urgent_words: Iterable[str] = URGENT_WORDS, *, urgent: bool = True,
                 tone: bool = True) -> None:
        self.urgent = Lexicon(urgent_words) if urgent else None
        self.tone = Lexicon(phrase for phrase, _ in TONE_WORDS) if tone else None
        weight = dict(TONE_WORDS)
        self._weights = {words: weight[phrase] for words, phrase in
                         (self.tone.phrases.items() if self.tone else ())}

    def find(self, text: str) -> list[Finding]:
        """What the text sets off: urgent first, then frustrated."""
        written = words_of(text)
        folded = [w for _, w in written]
        found = []
        if self.urgent is not None:
            hits = self.urgent.matches(folded)
            if hits:
                found.append(Finding(URGENT, _said(written, hits)))
        if self.tone is not None:
            said = self._tone(text, written, folded)
            if said:
                found.append(Finding(FRUSTRATED, said))
        return found

    def _tone(self, text: str, written: list[tuple[str, str]],
              folded: list[str]) -> tuple[str, ...]:
        assert self.tone is not None
        score, hits = 0, []
        for i, phrase in self.tone.matches(folded):
            before = folded[max(0, i - 3):i]
            if _NEGATIONS & set(before):
                continue
            score += self._weights[phrase] + (1 if before and before[-1] in _INTENSIFIERS
                                              else 0)
            hits.append((i, phrase))
        said = list(_said(written, hits))
        signs = [sign for sign in TONE_SIGNS if sign in text]
        if signs:
            score += 2
            said += signs
        # Marks and capitals: they count when no word of praise explains them ("TACK
        # SÅ MYCKET!!!" is glad, not angry).
        marks = _MARKS.findall(text)
        long_words = [w for w, _ in written if len(w) >= 3 and w.isalpha()]
        shouted = [w for w in long_words if w.isupper()]
        if len(shouted) * 2 <= len(long_words):  # a few acronyms (PDF, SMS, IKEA) in a text
            shouted = [w for w in shouted if len(w) >= 5]  # keep only longer words: STILL
        glad = not hits and not signs and bool(PRAISE & set(folded))
        if marks and not glad:
            score += 1
            said.append(marks[0])
        if len(shouted) >= 3 and not glad:  # a quarter of the words in capitals: shouting
            score += 2
            said.append(" ".join(shouted[:4]))
        elif any(len(w) >= 4 for w in shouted) and not glad:  # one word shouted: STILL
            score += 1
            said.append(next(w for w in shouted if len(w) >= 4))
        return tuple(dict.fromkeys(said)) if score >= TONE_THRESHOLD else ()


BUILT_IN = Detectors()


def _said(written: list[tuple[str, str]], hits: list[tuple[int, tuple[str, ...]]]
          ) -> tuple[str, ...]:
    """The phrases found, as the message wrote them, each once, in order; phrases that
    overlap ("ligger nere" and "nere sedan") as one."""
    spans: list[list[int]] = []
    for start, phrase in sorted(hits):
        end = start + len(phrase)
        if spans and start < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return tuple(dict.fromkeys(" ".join(w for w, _ in written[start:end])
                               for start, end in spans))
