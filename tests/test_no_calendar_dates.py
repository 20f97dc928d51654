"""No test depends on the day it runs: a hard-coded date ("2027-01-01", datetime(2026, 3, 10)) is in the future when
written and in the past a year later, so a test that used one as "a valid end date" or "a moment before now" starts
failing (or silently testing something else) as the calendar moves. Tests compute dates from today, and freeze time
with time_machine where they need a particular moment."""
import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ISO_DATE = re.compile(r"\b(19|20)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")
DATE_CONSTRUCTORS = {"date", "datetime"}


def calendar_dates(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and ISO_DATE.search(node.value):
            yield node.lineno, node.value
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            first = node.args[0]
            if name in DATE_CONSTRUCTORS and isinstance(first, ast.Constant) and isinstance(first.value, int):
                yield node.lineno, ast.unparse(node)


def test_no_test_hard_codes_a_calendar_date():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__).resolve():
            continue
        for line, text in calendar_dates(ast.parse(path.read_text(), filename=str(path))):
            found.append(f"{path.relative_to(TESTS)}:{line}: {text}")
    assert not found, "hard-coded calendar dates (compute them from timezone.localdate()):\n" + "\n".join(found)


def test_the_check_recognises_both_forms():
    sample = ast.parse('x = "2027-01-01"\ny = datetime(2026, 3, 10, 10, 0)\nz = "Zaak 2026-001"\nw = date(y, 1, 2)')
    assert [line for line, _ in calendar_dates(sample)] == [1, 2]
