"""Normalising addresses so that "5038 AB 12a", "5038AB-12-A" and "Stationsstraat 12A Tilburg" find the same BAG row."""
import re
import unicodedata

POSTCODE_QUERY = re.compile(
    r"^\s*(?P<pc>[1-9]\d{3})\s*(?P<letters>[A-Za-z]{2})[\s,\-/]*(?P<number>\d{1,5})"
    r"(?:[\s\-/]*(?P<letter>[A-Za-z])(?![A-Za-z0-9]))?(?:[\s\-/]*(?P<addition>[A-Za-z0-9]{1,4}))?\s*$"
)
STREET_QUERY = re.compile(
    r"^\s*(?P<street>.*?[^\d\s])\s+(?P<number>\d{1,5})(?:[\s\-/]*(?P<letter>[A-Za-z])(?![A-Za-z0-9]))?"
    r"(?:[\s\-/]*(?P<addition>[A-Za-z0-9]{1,4}))?(?:[\s,]+(?P<city>[^\d].*?))?\s*$"
)


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation collapsed to single spaces."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def address_search_key(postcode: str, number: int, letter: str = "", addition: str = "") -> str:
    key = f"{(postcode or '').replace(' ', '').upper()} {number}{(letter or '').upper()}"
    if addition:
        key += f"-{addition.upper()}"
    return key


def street_search_key(street: str, number: int, letter: str = "", addition: str = "") -> str:
    return f"{fold(street)} {number}{(letter or '').lower()}{('-' + addition.lower()) if addition else ''}"[:140]


def parse_postcode_query(text: str):
    """("5038AB", 12, "A", "") for a postcode query, or None when the text is not one."""
    match = POSTCODE_QUERY.match(text or "")
    if not match:
        return None
    return (
        f"{match['pc']}{match['letters'].upper()}",
        int(match["number"]),
        (match["letter"] or "").upper(),
        (match["addition"] or "").upper(),
    )


def parse_street_query(text: str):
    """(folded street, number, letter, addition, folded city or "") for "Stationsstraat 12A Tilburg", or None."""
    match = STREET_QUERY.match(text or "")
    if not match:
        return None
    return (
        fold(match["street"]),
        int(match["number"]),
        (match["letter"] or "").upper(),
        (match["addition"] or "").upper(),
        fold(match["city"] or ""),
    )
