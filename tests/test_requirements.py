"""The production requirements hold what the platform runs on, nothing else: test and lint tools live in
requirements-dev.txt, and every pin kept only for another package ("via X") really is needed by X."""
import re
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)(?:\s+#\s*via\s+(?P<via>.+))?$")

# Tools used only by the test suite, lint or development; none of them may reach a production install.
TEST_TOOLS = {
    "pytest", "pytest-django", "pytest-env", "hypothesis", "ruff", "time-machine", "factory-boy", "faker",
    "iniconfig", "pluggy", "pygments", "sortedcontainers", "python-dotenv", "coverage", "playwright",
}


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(filename):
    """{canonical name: (line, [via parents])} of one requirements file; `-r` includes are not followed."""
    pins = {}
    for raw in (ROOT / filename).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("-r "):
            continue
        match = PIN.match(line)
        assert match, f"{filename}: not an exact pin: {line!r}"
        via = [canonical(v) for v in re.split(r"[,\s]+", match["via"] or "") if v]
        pins[canonical(match["name"])] = (line, via)
    return pins


def required_names(package):
    """Canonical names of what an installed package requires (markers for other platforms ignored)."""
    try:
        reqs = requires(package) or []
    except PackageNotFoundError:
        pytest.fail(f"{package} is pinned but not installed (run make install-dev)")
    names = set()
    for req in reqs:
        spec, _, marker = req.partition(";")
        if "extra" in marker:
            continue
        names.add(canonical(re.split(r"[\s<>=!~(\[]", spec.strip(), maxsplit=1)[0]))
    return names


def test_runtime_requirements_hold_no_test_tools():
    runtime = read_pins("requirements.txt")
    assert not TEST_TOOLS & set(runtime), sorted(TEST_TOOLS & set(runtime))


def test_dev_requirements_add_the_test_tools_on_top_of_runtime():
    text = (ROOT / "requirements-dev.txt").read_text()
    assert "-r requirements.txt" in text.splitlines()
    dev = read_pins("requirements-dev.txt")
    for tool in ("pytest", "pytest-django", "pytest-env", "hypothesis", "ruff", "time-machine"):
        assert tool in dev, tool
    assert not set(dev) & set(read_pins("requirements.txt")), "a package is pinned twice"


@pytest.mark.parametrize("filename", ["requirements.txt", "requirements-dev.txt"])
def test_every_indirect_pin_is_needed_by_what_it_names(filename):
    pinned = {**read_pins("requirements.txt"), **read_pins(filename)}
    for name, (line, via) in read_pins(filename).items():
        for parent in via:
            assert parent in pinned, f"{line}: {parent} is not pinned"
            assert name in required_names(parent), f"{line}: {parent} does not require {name}"


# Direct runtime pins that no module imports by name, and why they are needed all the same.
USED_WITHOUT_IMPORT = {
    "psycopg2-binary": "the driver behind django.db.backends.postgresql (DATABASE_URL=postgres://...)",
    "redis": "the client behind Celery's redis:// broker and result backend",
    "gunicorn": "the production web server (README, make bench)",
}


def project_sources():
    skip = {".venv", "node_modules", "tests", "var", ".git"}
    for path in ROOT.rglob("*.py"):
        if not skip & set(path.relative_to(ROOT).parts):
            yield path.read_text(errors="replace")


def test_every_direct_runtime_pin_is_used_by_the_platform():
    """A runtime pin without a "via" is one the platform itself uses: its module is imported or named (settings'
    INSTALLED_APPS, MIDDLEWARE) in the non-test code, or it is one of the few used without an import."""
    from importlib.metadata import packages_distributions

    modules_of = {}
    for module, dists in packages_distributions().items():
        for dist in dists:
            modules_of.setdefault(canonical(dist), set()).add(module)
    source = "\n".join(project_sources())
    for name, (line, via) in read_pins("requirements.txt").items():
        if via or name in USED_WITHOUT_IMPORT:
            continue
        modules = modules_of.get(name, set())
        assert modules, f"{line}: not installed"
        assert any(re.search(rf"\b{re.escape(m)}\b", source) for m in modules), f"{line}: nothing uses it"
