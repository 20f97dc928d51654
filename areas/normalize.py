"""Normalising addresses so that "5038 AB 12a", "5038AB-12-A" and "Stationsstraat 12A Tilburg" find the same BAG row.

Two keys are stored on every Address (see Address.save):
- search_key: "POSTCODE NUMBER[LETTER][-ADDITION]", e.g. "5038AB 12A" or "1013KT 4-H";
- street_key: "folded street NUMBER[letter][-addition]", e.g. "van diemenstraat 420-h".

A query is parsed into a ParsedAddressQuery. The part after the house number ("a", "-A", " A 2", "bs") is kept
as one compact `suffix` ("A", "A2", "BS"): people write "12 H" both for huisletter H and for toevoeging H, so
the suffix is matched against huisletter + huisnummertoevoeging of the candidate rows, not split by guesswork.
"""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass

MAX_SUFFIX = 5  # one huisletter + a huisnummertoevoeging of at most four characters
MAX_NUMBER = 99999

POSTCODE_QUERY = re.compile(
    r"^\s*(?P<pc>[1-9]\d{3})\s*(?P<letters>[A-Za-z]{2})(?![A-Za-z])[\s,.\-/]*(?:(?P<number>\d{1,5})(?P<rest>.*))?$"
)
POSTCODE_PREFIX = re.compile(r"^\s*(?P<pc>[1-9]\d{3})\s*(?P<letters>[A-Za-z]{0,2})\s*$")
# Kept for callers of the first version; parse_street_query no longer uses it.
STREET_QUERY = re.compile(
    r"^\s*(?P<street>.*?[^\d\s])\s+(?P<number>\d{1,5})(?:[\s\-/]*(?P<letter>[A-Za-z])(?![A-Za-z0-9]))?"
    r"(?:[\s\-/]*(?P<addition>[A-Za-z0-9]{1,4}))?(?:[\s,]+(?P<city>[^\d].*?))?\s*$"
)
_TOKEN = re.compile(r"[A-Za-z0-9]+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation collapsed to single spaces."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def compact_suffix(letter: str = "", addition: str = "") -> str:
    """Huisletter + toevoeging as one upper-case string without separators: ("A", "2") -> "A2"."""
    return re.sub(r"[^A-Z0-9]", "", f"{letter or ''}{addition or ''}".upper())


def address_search_key(postcode: str, number: int, letter: str = "", addition: str = "") -> str:
    key = f"{(postcode or '').replace(' ', '').upper()} {number}{(letter or '').upper()}"
    if addition:
        key += f"-{addition.upper()}"
    return key


def street_search_key(street: str, number: int, letter: str = "", addition: str = "") -> str:
    return f"{fold(street)} {number}{(letter or '').lower()}{('-' + addition.lower()) if addition else ''}"[:140]


def _split_suffix(suffix: str):
    """Best guess of (huisletter, toevoeging) for display: a leading letter is the huisletter."""
    if suffix and suffix[0].isalpha() and len(suffix) <= MAX_SUFFIX:
        return suffix[0], suffix[1:]
    return "", suffix


@dataclass(frozen=True)
class ParsedAddressQuery:
    """One reading of a search text. kind: "postcode" (full postcode, maybe a number), "street" (street + number),
    "postcode_prefix" (e.g. "5038" or "5038A"), "street_prefix" (a street name being typed)."""

    kind: str
    postcode: str = ""
    street: str = ""  # folded
    number: int | None = None
    suffix: str = ""  # compact huisletter + toevoeging, upper case
    city: str = ""  # folded
    suffix_given: bool = False

    @property
    def letter(self) -> str:
        return _split_suffix(self.suffix)[0]

    @property
    def addition(self) -> str:
        return _split_suffix(self.suffix)[1]

    @property
    def normalized(self) -> str:
        """The normalised query as shown to the user and written to the audit trail."""
        if self.kind == "postcode":
            if self.number is None:
                return self.postcode
            return address_search_key(self.postcode, self.number, self.letter, self.addition)
        if self.kind == "postcode_prefix":
            return self.postcode
        if self.kind == "street":
            text = street_search_key(self.street, self.number, self.letter.lower(), self.addition.lower())
            return f"{text} {self.city}".strip()
        return self.street


def _suffix_readings(rest: str, *, allow_city: bool):
    """Readings of the text after the house number as (suffix, city), most specific first.

    "a 2 Tilburg" -> ("A2", "tilburg"), ("A", "2 tilburg")..., ("", "a 2 tilburg"). Only readings with a suffix
    of at most five characters are kept; without allow_city the whole rest must be the suffix.
    """
    rest, _comma, after_comma = (rest or "").partition(",")  # "12A, Tilburg": after a comma comes the place
    tokens = _TOKEN.findall(rest)
    readings = []
    for k in range(len(tokens), -1, -1):
        suffix = "".join(tokens[:k]).upper()
        city = fold(" ".join(tokens[k:]) + " " + after_comma)
        if len(suffix) > MAX_SUFFIX:
            continue
        if city and not allow_city:
            continue
        if city and (len(city) < 3 or not city[0].isalpha()):
            continue  # "a" or "bs" after a number is a letter or addition, never a place name
        readings.append((suffix, city))
    return readings


def parse_address_query(text: str) -> list[ParsedAddressQuery]:
    """All plausible readings of a search text, most likely first; [] when it cannot be an address."""
    text = (text or "").strip()
    if not text or len(text) > 200:
        return []
    match = POSTCODE_QUERY.match(text)
    if match:
        postcode = f"{match['pc']}{match['letters'].upper()}"
        if match["number"] is None:
            return [ParsedAddressQuery(kind="postcode", postcode=postcode)]
        number = int(match["number"])
        if number < 1:
            return []
        readings = []
        for suffix, _city in _suffix_readings(match["rest"], allow_city=True):
            # After a postcode the city adds nothing: it is accepted and ignored.
            readings.append(
                ParsedAddressQuery(
                    kind="postcode", postcode=postcode, number=number, suffix=suffix, suffix_given=bool(suffix)
                )
            )
        return readings
    match = POSTCODE_PREFIX.match(text)
    if match:
        return [ParsedAddressQuery(kind="postcode_prefix", postcode=f"{match['pc']}{match['letters'].upper()}")]
    return _parse_street(text)


def _parse_street(text: str) -> list[ParsedAddressQuery]:
    # Tokens with their positions in the original text, so that "12-2" stays recognisable.
    parts = list(re.finditer(r"[^\s,]+", text))
    readings = []
    for index, part in enumerate(parts):
        if index == 0:
            continue
        number_match = re.match(r"^(\d{1,5})(.*)$", part.group())
        if not number_match:
            continue
        street = fold(text[: part.start()])
        if not street or not any(ch.isalpha() for ch in street):
            continue
        number = int(number_match.group(1))
        if number < 1:
            continue
        rest = number_match.group(2) + " " + text[part.end():].lstrip()
        for suffix, city in _suffix_readings(rest, allow_city=True):
            readings.append(
                ParsedAddressQuery(
                    kind="street", street=street, number=number, suffix=suffix, city=city, suffix_given=bool(suffix)
                )
            )
    if not readings:
        street = fold(text)
        if len(street) >= 2 and not any(ch.isdigit() for ch in street):
            readings.append(ParsedAddressQuery(kind="street_prefix", street=street))
    return readings


def parse_postcode_query(text: str):
    """("5038AB", 12, "A", "") for a postcode query, or None when the text is not one."""
    for reading in parse_address_query(text):
        if reading.kind == "postcode" and reading.number is not None:
            return reading.postcode, reading.number, reading.letter, reading.addition
        return None
    return None


def parse_street_query(text: str):
    """(folded street, number, letter, addition, folded city or "") for "Stationsstraat 12A Tilburg", or None."""
    for reading in parse_address_query(text):
        if reading.kind == "street":
            return reading.street, reading.number, reading.letter, reading.addition, reading.city
        return None
    return None


# --- BAG extracts -------------------------------------------------------------------------------------------

BAG_COLUMNS = ("nummeraanduiding", "openbareruimte", "huisnummer", "huisletter", "huisnummertoevoeging", "postcode",
               "woonplaats")


class BagFormatError(ValueError):
    pass


def _float(value):
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def parse_bag_csv(source) -> list[dict]:
    """Rows of a `;`-separated BAG address extract (nummeraanduiding;openbareruimte;huisnummer;...) as dicts of
    Address fields. Lines starting with "#" (a source note) are skipped; postcode may be empty (not every
    nummeraanduiding has one); berths (Ligplaats) and pitches (Standplaats) are addresses like any other."""
    text = source.read() if hasattr(source, "read") else source
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    lines = [line for line in io.StringIO(text) if not line.lstrip().startswith("#") and line.strip()]
    reader = csv.DictReader(lines, delimiter=";")
    missing = [col for col in BAG_COLUMNS if col not in (reader.fieldnames or [])]
    if missing:
        raise BagFormatError(f"missing columns: {', '.join(missing)}")
    rows = []
    for line_no, row in enumerate(reader, start=2):
        try:
            number = int(row["huisnummer"])
        except (TypeError, ValueError):
            raise BagFormatError(f"row {line_no}: huisnummer {row['huisnummer']!r} is not a number") from None
        letter = (row["huisletter"] or "").strip().upper()
        addition = (row["huisnummertoevoeging"] or "").strip().upper()
        postcode = (row["postcode"] or "").replace(" ", "").upper()
        if len(letter) > 1 or len(addition) > 4 or (postcode and not re.fullmatch(r"[1-9]\d{3}[A-Z]{2}", postcode)):
            raise BagFormatError(f"row {line_no}: invalid huisletter, toevoeging or postcode")

        rows.append(
            {
                "bag_id": row["nummeraanduiding"].strip(),
                "street": row["openbareruimte"].strip(),
                "number": number,
                "letter": letter,
                "addition": addition,
                "postcode": postcode,
                "city": row["woonplaats"].strip(),
                "lon": _float(row.get("lon")),
                "lat": _float(row.get("lat")),
                "object_type": (row.get("object_type") or "").strip(),
            }
        )
    return rows
