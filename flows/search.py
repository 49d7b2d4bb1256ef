"""Finding a service at the kiosk: browsing by audience, theme and department, and a forgiving search.

Browsing
    ``browse(catalogue, audience=, theme=, department=)`` lists bundles (一件事一次办) first, then
    services, each in the catalogue file's order (the service centre curates that order; a bundle is
    what a citizen most likely wants when one exists, which is why portals put 一件事 on top). A
    bundle belongs to a department through its ``lead_department``. ``themes()`` and
    ``departments()`` give the tiles of the browsing screens with how many entries each would list.

Search
    ``search(index_or_catalogue, text)`` ranks services and bundles by how their name, aliases and
    code match what a citizen typed on the touch keyboard, best first:

    ``code``      the code, case and separators ignored (``mz0001`` = ``MZ-0001``): 1.0. Part of a
                  code (``MZ-``, ``mz00``, ``0001``): 0.95-0.99 when typed like a code (a ``-`` or
                  ``_``, or letters and digits), else 0.50-0.54, below every name match (``mz``
                  is more likely the initials of 民政…).
    ``text``      the Chinese text is part of the name or an alias: 0.90-0.99.
    ``pinyin``    consecutive characters of a name or alias each take a whole syllable (0.80-0.89:
                  ``laonian``, ``youdaizheng``), or some a whole syllable and some a prefix of one
                  of their readings (0.70-0.79: ``laonrydz``, ``youdai``). A Chinese query is also
                  matched by its own pinyin, so an IME homophone slip (老年人优代证) still finds
                  老年人优待证.
    ``initials``  every character takes only a prefix of a reading, usually its first letter
                  (``lnr``, ``lnrydz``): 0.60-0.69.
    ``fuzzy``     only when nothing above matched: the restricted Damerau-Levenshtein (OSA) distance
                  between the query and the best-matching stretch of a name's or alias's initials,
                  full pinyin or Chinese text; kept when at most 40 % of the query is wrong (25 %
                  against full pinyin): ``ldyyz`` is two edits from 老年优待证's ``lnydz``,
                  ``laonianrenyuodaizheng`` one. 0.28-0.46; the same first letter ranks higher.

    Within one kind a whole-string match comes first, then one through the usual reading of every
    character, then a match on the name before one on an alias, then one at the start of the
    string, then the one covering more of the string; equal scores keep the browsing order. Every
    reading of a heteronym counts, but the usual one (pypinyin's reading in context) ranks higher:
    银行 is found by ``yinhang`` and by ``yinxing``, 重新 by ``chongxin`` and by ``zhongxin``.
    ü may be typed ``v`` or ``u``.

    Queries are normalised: NFKC (full-width letters and digits become ASCII), lower case, spaces
    and apostrophes dropped (``lao'nian``), ü as ``v``; punctuation is ignored except in codes.

Speed: ``SearchIndex.build`` reads every character's pinyin once (pypinyin, imported there and not at
module import, since importing it takes ~160 ms); a search is then pure string work. ``search`` given
a catalogue builds the index on first use and keeps it for that catalogue.
"""
from __future__ import annotations

import unicodedata
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from .guide import AUDIENCES, Bundle, Catalogue, Department, Service, Theme

Item = Service | Bundle
MATCH_KINDS = ("code", "text", "pinyin", "initials", "fuzzy")

# Score bands: every match of an earlier kind ranks above every match of a later one (CODE_LIKE
# shares TEXT's band: a query with a hyphen, or letters and digits, is seldom in a Chinese name).
CODE_EXACT = 1.0
CODE_LIKE = 0.95        # + up to 0.04: part of a code, typed as a code (MZ-, mz00)
TEXT = 0.9              # + up to 0.089 in each band from TEXT to INITIALS (see _score)
PINYIN = 0.8            # every character took a whole syllable
PINYIN_MIXED = 0.7      # whole syllables and prefixes mixed
INITIALS = 0.6          # every character took only a prefix of a reading: an initial, or more
CODE_PART = 0.5         # + up to 0.04: part of a code, in a query that could be pinyin (mz)
FUZZY = 0.1             # + 0.3 x similarity + up to 0.06
FUZZY_MIN_LENGTH = 3    # shorter queries never match fuzzily: two letters are too little to correct
# How much of the query a fuzzy match may get wrong, as (edits, per characters). Initials and Chinese
# text are short and dense: 40 %, 1 edit in 3-4 characters, 2 in 5 (ldyyz), 4 in 10. Full pinyin is
# long and redundant, and a loose limit there finds something for any word: 25 %, 1 edit in 4-7.
FUZZY_WRONG = {"initials": (2, 5), "text": (2, 5), "spelled": (1, 4)}

_APOSTROPHES = "'’‘`´ʼ"
_SEPARATORS = str.maketrans("", "", "-_")


@dataclass(frozen=True)
class SearchHit:
    item: Item
    score: float
    match: str          # one of MATCH_KINDS
    via: str = ""       # the name, alias or code that matched


def normalise(text: str) -> str:
    """A query or name as compared: NFKC, lower case, ü as v, no spaces or apostrophes."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("ü", "v").replace("u:", "v")
    return "".join(ch for ch in text if not ch.isspace() and ch not in _APOSTROPHES)


def _key(text: str) -> str:
    """Only letters, digits and Chinese characters: what text and pinyin matching look at."""
    return "".join(ch for ch in text if ch.isalnum())


# ---------------------------------------------------------------------------------------- browsing


def ordered(catalogue: Catalogue) -> list[Item]:
    """Every entry in browsing order: bundles, then services, each in catalogue file order."""
    return [*catalogue.bundles.values(), *catalogue.services.values()]


def department_of(item: Item) -> str:
    return item.lead_department if isinstance(item, Bundle) else item.department


def browse(catalogue: Catalogue, audience: str | None = None, theme: str | None = None,
           department: str | None = None) -> list[Item]:
    """Entries for the given audience, theme and department (each ``None`` for any), in browsing order.

    An audience, theme or department the catalogue does not define is a caller's mistake and raises
    ``ValueError`` (a filter that silently matched nothing would show citizens an empty screen)."""
    _check_filters(catalogue, audience, theme, department)
    return [item for item in ordered(catalogue) if _passes(item, audience, theme, department)]


def themes(catalogue: Catalogue, audience: str | None = None, department: str | None = None,
           include_empty: bool = False) -> list[tuple[Theme, int]]:
    """Each theme with how many entries ``browse(..., theme=code)`` would list, in catalogue order.

    With an audience, only themes meant for it (``Theme.audience``). Themes with nothing to list are
    left out unless ``include_empty``."""
    _check_filters(catalogue, audience, None, department)
    counts = dict.fromkeys(catalogue.themes, 0)
    for item in ordered(catalogue):
        if _passes(item, audience, None, department):
            for code in item.themes:
                counts[code] += 1
    return [(theme, counts[code]) for code, theme in catalogue.themes.items()
            if (audience is None or audience in theme.audience) and (include_empty or counts[code])]


def departments(catalogue: Catalogue, audience: str | None = None, theme: str | None = None,
                include_empty: bool = False) -> list[tuple[Department, int]]:
    """Each department with how many entries ``browse(..., department=code)`` would list (bundles
    count for their lead department), in catalogue order, empty ones left out unless asked for."""
    _check_filters(catalogue, audience, theme, None)
    counts = dict.fromkeys(catalogue.departments, 0)
    for item in ordered(catalogue):
        if _passes(item, audience, theme, None):
            counts[department_of(item)] += 1
    return [(department, counts[code]) for code, department in catalogue.departments.items()
            if include_empty or counts[code]]


def _passes(item: Item, audience: str | None, theme: str | None, department: str | None) -> bool:
    return ((audience is None or audience in item.audience)
            and (theme is None or theme in item.themes)
            and (department is None or department_of(item) == department))


def _check_filters(catalogue: Catalogue, audience: str | None, theme: str | None,
                   department: str | None) -> None:
    if audience is not None and audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}: one of {', '.join(AUDIENCES)}")
    if theme is not None and theme not in catalogue.themes:
        raise ValueError(f"unknown theme {theme!r}")
    if department is not None and department not in catalogue.departments:
        raise ValueError(f"unknown department {department!r}")


# ------------------------------------------------------------------------------------------ index


@dataclass(frozen=True)
class _Target:
    """One name or alias, ready for matching."""
    position: int                           # of its item in browsing order
    via: str                                # as written in the catalogue
    is_name: bool
    text: str                               # _key(normalise(...)): one entry per character
    readings: tuple[tuple[str, ...], ...]   # per character: itself, its reading here, then every other
    usual: tuple[int, ...]                  # per character: how many of its readings are the usual ones
    firsts: tuple[frozenset[str], ...]      # per character: first letters of its readings
    letters: frozenset[str]                 # every letter any reading uses
    initials: str                           # preferred reading's first letter per character
    spelled: str                            # preferred readings joined: full pinyin


@dataclass(frozen=True)
class _Spelling:
    """One string fuzzy matching compares queries with, and the names and aliases spelled so."""
    text: str
    counts: dict[str, int]
    wrong: tuple[int, int]
    targets: tuple[_Target, ...]


def _spellings(targets: list[_Target], kinds: tuple[str, ...]) -> list[_Spelling]:
    owners: dict[tuple[str, str], list[_Target]] = {}
    for target in targets:
        for kind in kinds:
            owners.setdefault((getattr(target, kind), kind), []).append(target)
    spellings = []
    for (text, kind), found in owners.items():
        counts: dict[str, int] = {}
        for ch in text:
            counts[ch] = counts.get(ch, 0) + 1
        spellings.append(_Spelling(text, counts, FUZZY_WRONG[kind], tuple(found)))
    return spellings


class SearchIndex:
    """Everything a search needs, computed once per catalogue."""

    __slots__ = ("__weakref__", "_codes", "_fuzzy_han", "_fuzzy_letters", "_targets", "_to_pinyin",
                 "catalogue", "items")

    def __init__(self, catalogue: Catalogue, items: list[Item], codes: list[tuple[str, str]],
                 targets: list[_Target], to_pinyin) -> None:
        self.catalogue = catalogue
        self.items = items
        self._codes = codes
        self._targets = targets
        self._to_pinyin = to_pinyin
        self._fuzzy_letters = _spellings(targets, ("initials", "spelled"))
        self._fuzzy_han = _spellings(targets, ("text",))

    @classmethod
    def build(cls, catalogue: Catalogue) -> SearchIndex:
        # pypinyin takes ~160 ms to import: only when an index is built, never at module import
        from pypinyin import Style, lazy_pinyin, pinyin

        readings_of: dict[str, tuple[str, ...]] = {}

        def char_readings(ch: str) -> tuple[str, ...]:
            if ch not in readings_of:
                found = pinyin(ch, style=Style.NORMAL, heteronym=True, errors=lambda _: None)
                readings_of[ch] = tuple(found[0]) if found else ()
            return readings_of[ch]

        def to_pinyin(text: str) -> list[str]:
            """Preferred (in-context) reading per character; anything else stays as it is."""
            spelled = lazy_pinyin(text, style=Style.NORMAL, errors=lambda chunk: list(chunk))
            if len(spelled) != len(text):   # not seen; one entry per character whatever happens
                spelled = [(char_readings(ch) or (ch,))[0] for ch in text]
            return spelled

        def target(position: int, via: str, is_name: bool) -> _Target | None:
            text = _key(normalise(via))
            if not text:
                return None
            preferred = to_pinyin(text)
            readings, usual = [], []
            for ch, here in zip(text, preferred, strict=True):
                found = list(dict.fromkeys(_with_u([ch, here])))
                usual.append(len(found))
                readings.append(tuple(dict.fromkeys([*found, *_with_u(char_readings(ch))])))
            return _Target(
                position=position, via=via, is_name=is_name, text=text, readings=tuple(readings),
                usual=tuple(usual),
                firsts=tuple(frozenset(reading[0] for reading in options) for options in readings),
                letters=frozenset("".join("".join(options) for options in readings)),
                initials="".join(reading[0] for reading in preferred), spelled="".join(preferred))

        items = ordered(catalogue)
        codes, targets = [], []
        for position, item in enumerate(items):
            code = item.code.lower()
            codes.append((code, code.translate(_SEPARATORS)))
            for via, is_name in [(item.name, True), *((alias, False) for alias in item.aliases)]:
                built = target(position, via, is_name)
                if built is not None:
                    targets.append(built)
        return cls(catalogue, items, codes, targets, to_pinyin)

    def search(self, text: str, limit: int | None = 10, audience: str | None = None) -> list[SearchHit]:
        """Hits for ``text`` (see the module's docstring), best first, at most ``limit``."""
        if audience is not None and audience not in AUDIENCES:
            raise ValueError(f"unknown audience {audience!r}: one of {', '.join(AUDIENCES)}")
        query = normalise(text)
        if not query or (limit is not None and limit <= 0):
            return []
        best: dict[int, tuple[float, str, str]] = {}
        items = self.items

        def offer(position: int, score: float, match: str, via: str) -> None:
            if audience is not None and audience not in items[position].audience:
                return      # not shown, so it does not count as a match that rules out fuzzy ones
            if position not in best or score > best[position][0]:
                best[position] = (score, match, via)

        self._match_codes(query, offer)
        key = _key(query)
        if key:
            self._match_names(key, offer)
            if not best:
                self._match_fuzzy(key, offer)
        ranked = sorted(best.items(), key=lambda entry: (-round(entry[1][0], 4), entry[0]))
        if limit is not None:
            ranked = ranked[:limit]
        # equal scores keep the browsing order
        return [SearchHit(items[position], round(score, 4), match, via)
                for position, (score, match, via) in ranked]

    # -- the matchers: each calls offer(position, score, match, via) for every entry it matches

    def _match_codes(self, query: str, offer) -> None:
        bare = query.translate(_SEPARATORS)
        if not bare:
            return
        digits = any(ch.isdigit() for ch in bare)
        typed_as_code = bare != query or (digits and any("a" <= ch <= "z" for ch in bare))
        band = CODE_LIKE if typed_as_code else CODE_PART
        for position, (code, code_bare) in enumerate(self._codes):
            if query == code or bare == code_bare:
                offer(position, CODE_EXACT, "code", self.items[position].code)
            elif len(bare) >= 2 and (code_bare.startswith(bare) or (digits and len(bare) >= 3 and bare in code_bare)):
                coverage = len(bare) / len(code_bare)
                offer(position, band + 0.04 * coverage, "code", self.items[position].code)

    def _match_names(self, key: str, offer) -> None:
        spelled = None
        if any(_is_han(ch) for ch in key) and len(key) > 1:
            spelled = "".join(self._to_pinyin(key))
        for target in self._targets:
            where = target.text.find(key)
            if where >= 0:
                offer(target.position, _score(TEXT, target, where, len(key)), "text", target.via)
                continue
            found = _spell_match(key, target)
            if found is None and spelled is not None and spelled != key:
                found = _spell_match(spelled, target)
            if found is not None:
                offer(target.position, found[0], found[1], target.via)

    def _match_fuzzy(self, key: str, offer) -> None:
        m = len(key)
        if m < FUZZY_MIN_LENGTH:
            return
        peq = _pattern_masks(key)
        wanted = {}
        for ch in key:
            wanted[ch] = wanted.get(ch, 0) + 1
        han = any(_is_han(ch) for ch in key)
        for spelling in self._fuzzy_han if han else self._fuzzy_letters:
            most = m * spelling.wrong[0] // spelling.wrong[1]
            if m - len(spelling.text) > most:
                continue
            # every query character the spelling has too few of costs at least one edit
            missing = 0
            for ch, count in wanted.items():
                have = spelling.counts.get(ch, 0)
                if count > have:
                    missing += count - have
            if missing > most:
                continue
            distance = _osa_substring_distance(peq, m, spelling.text)
            if distance > most:
                continue
            score = (FUZZY + 0.3 * (1 - distance / m) + 0.02 * (key[0] == spelling.text[0])
                     + 0.02 * min(1.0, m / len(spelling.text)))
            for target in spelling.targets:
                offer(target.position, score + 0.02 * target.is_name, "fuzzy", target.via)


def search(index_or_catalogue: SearchIndex | Catalogue, text: str, limit: int | None = 10,
           audience: str | None = None) -> list[SearchHit]:
    """Search a catalogue (its index is built on first use and kept) or a prebuilt ``SearchIndex``."""
    index = index_or_catalogue if isinstance(index_or_catalogue, SearchIndex) else index_for(index_or_catalogue)
    return index.search(text, limit=limit, audience=audience)


_last_index: tuple[weakref.ref, SearchIndex] | None = None


def index_for(catalogue: Catalogue) -> SearchIndex:
    """The index of ``catalogue``, built once (the kiosk has one catalogue at a time; a new one
    pushed by the platform replaces it)."""
    global _last_index
    if _last_index is not None and _last_index[0]() is catalogue:
        return _last_index[1]
    index = SearchIndex.build(catalogue)
    _last_index = (weakref.ref(catalogue), index)
    return index


# ---------------------------------------------------------------------------------------- matching


def _with_u(readings: Iterable[str]) -> list[str]:
    """Each reading, and after any with ü (pypinyin's ``v``) the same with ``u``: lv, lu."""
    return [variant for reading in readings
            for variant in ((reading, reading.replace("v", "u")) if "v" in reading else (reading,))]


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0003134f"


def _score(band: float, target: _Target, start: int, chars: int, preferred: bool = True) -> float:
    """Within a band: the whole string, then the usual reading (not another reading of a heteronym),
    then the name before an alias, then at the start, then the larger share of the string."""
    return (band + 0.03 * (chars == len(target.text)) + 0.025 * preferred + 0.015 * target.is_name
            + 0.01 * (start == 0) + 0.009 * chars / len(target.text))


def _spell_match(query: str, target: _Target) -> tuple[float, str] | None:
    """Does ``query`` spell consecutive characters of ``target``, each character taking a non-empty
    prefix of one of its readings (a whole syllable, an initial, or anything between)?

    Returns (score, match kind) of the best way, or None. A dynamic programme over query positions,
    started at each character whose readings can begin the query.
    """
    if not target.letters.issuperset(query):
        return None
    m, readings, usual = len(query), target.readings, target.usual
    first, best = query[0], None
    for start in range(len(readings)):
        if first not in target.firsts[start]:
            continue
        # query characters consumed -> (most whole syllables, most usual readings) on the way there
        states = {0: (0, 0)}
        for at in range(start, len(readings)):
            following: dict[int, tuple[int, int]] = {}
            for consumed, (whole, plain) in states.items():
                for number, reading in enumerate(readings[at]):
                    common = 0
                    limit = min(len(reading), m - consumed)
                    while common < limit and query[consumed + common] == reading[common]:
                        common += 1
                    if not common:
                        continue
                    plain_after = plain + (number < usual[at])
                    for length in range(1, common + 1):
                        value = (whole + (length == len(reading)), plain_after)
                        if following.get(consumed + length, (-1, -1)) < value:
                            following[consumed + length] = value
            if m in following:
                chars = at - start + 1
                whole, plain = following.pop(m)
                if whole == chars:
                    band, kind = PINYIN, "pinyin"
                elif whole:
                    band, kind = PINYIN_MIXED, "pinyin"
                else:
                    band, kind = INITIALS, "initials"
                score = _score(band, target, start, chars, plain == chars)
                if best is None or score > best[0]:
                    best = (score, kind)
            if not following:
                break
            states = following
    return best


def _pattern_masks(pattern: str) -> dict[str, int]:
    masks: dict[str, int] = {}
    for i, ch in enumerate(pattern):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    return masks


def _osa_substring_distance(peq: dict[str, int], m: int, text: str) -> int:
    """Fewest insertions, deletions, substitutions and adjacent transpositions (restricted
    Damerau-Levenshtein, "optimal string alignment") turning the pattern into some substring of
    ``text``. Bit-parallel: Myers' algorithm with Hyyrö's transposition term, one step per
    character of ``text`` whatever the pattern's length."""
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    vp, vn, d0, previous = mask, 0, 0, 0
    score = best = m
    for ch in text:
        pm = peq.get(ch, 0)
        transposed = (((~d0) & pm) << 1) & previous
        d0 = ((((pm & vp) + vp) ^ vp) | pm | vn | transposed) & mask
        hp = vn | (~(d0 | vp) & mask)
        hn = d0 & vp
        if hp & high:
            score += 1
        elif hn & high:
            score -= 1
            best = min(best, score)
        hp = (hp << 1) & mask
        hn = (hn << 1) & mask
        vp = hn | (~(d0 | hp) & mask)
        vn = d0 & hp
        previous = pm
    return best

