"""Norwegian alphabetical order: a–z, then æ ø å; accented letters sort with their base letter.

Python sorts by code point, which puts «Ål» before «Ås» but after «Øst» and every
lower-case name, and «Áigin» after «Zakariassen». This key follows the Norwegian
alphabet (as in CLDR's «nb» order): æ ø å come after z in that order, ä and ö sort
as æ and ø, ü as y, and other accented letters (á é č đ ŋ š ŧ ž) with their base
letter. Case is ignored; the text itself breaks ties, so the order is stable.
"""

from __future__ import annotations

import unicodedata

# After "z" in ASCII come "{", "|", "}": æ, ø, å take those places.
_OWN_LETTERS = {"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}", "ü": "y"}
# Letters with a stroke or a hook do not decompose in Unicode: their base letter by hand.
_BASE_LETTERS = {"đ": "d", "ŋ": "n", "ł": "l", "ŧ": "t", "ß": "ss", "œ": "oe", "ı": "i"}


def _letter(character: str) -> str:
    if character in _OWN_LETTERS:
        return _OWN_LETTERS[character]
    if character in _BASE_LETTERS:
        return _BASE_LETTERS[character]
    return unicodedata.normalize("NFD", character)[0]


def norwegian_key(text: str) -> tuple[str, str]:
    """Sort key: ``sorted(names, key=norwegian_key)``."""
    return "".join(_letter(c) for c in text.casefold()), text


_SEARCH_LETTERS = {"æ": "ae", "ä": "ae", "ø": "o", "ö": "o", "å": "a", **_BASE_LETTERS}
_SEARCH_PAIRS = (("aa", "a"), ("oe", "o"))


def search_key(text: str) -> str:
    """Text folded for matching, so that people find a name however they type it.

    Case is ignored; æ matches ae, ø and oe match o, å and aa match a, and other
    accented letters match their base letter (á č đ ŋ š ŧ ž: a c d n s t z). Anything
    but letters and digits becomes one space: «Nord-Fron» matches «nord fron».
    Fold both sides: ``search_key(query) in search_key(name)``.
    """
    letters = []
    for character in text.casefold():
        if character in _SEARCH_LETTERS:
            letters.append(_SEARCH_LETTERS[character])
        else:
            base = unicodedata.normalize("NFD", character)[0]
            letters.append(base if base.isalnum() else " ")
    folded = " ".join("".join(letters).split())
    for pair, single in _SEARCH_PAIRS:
        folded = folded.replace(pair, single)
    return folded
