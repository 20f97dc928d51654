"""Visible text: what a person can actually read of a value.

A purpose of zero-width spaces, byte-order marks, U+2800 (Braille blank), U+3164 (Hangul filler) or U+202E
(right-to-left override) has a length but says nothing. Purposes are cleaned of such characters before they are
checked and stored, minimum lengths count only visible characters, and the auditors' filter "zonder doel" finds the
records stored with nothing visible before this rule existed.
"""
import unicodedata

# Characters that render as nothing but are not format or control characters (Unicode category Cf/Cc are caught
# by category): fillers and blanks that look like letters or symbols to a length check.
_BLANK_LOOKALIKES = "\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0\u034f\u180e"
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_FORMAT_RANGES = "\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"

# A value with no visible character at all (used as a database regex: Python's and PostgreSQL's both read it).
INVISIBLE_ONLY_REGEX = f"^[\\s{_SPACES}{_BLANK_LOOKALIKES}{_FORMAT_RANGES}]*$"


def _invisible(char):
    return char in _BLANK_LOOKALIKES or unicodedata.category(char) in ("Cf", "Cc", "Cs", "Co", "Cn")


def visible_text(value) -> str:
    """The value without invisible characters, every run of (any kind of) space as one space, stripped."""
    chars = []
    for char in value or "":
        if char.isspace() or char in _SPACES:
            chars.append(" ")
        elif not _invisible(char):
            chars.append(char)
    return " ".join("".join(chars).split())


def visible_length(value) -> int:
    """How many characters a reader sees (spaces not counted)."""
    return len(visible_text(value).replace(" ", ""))
