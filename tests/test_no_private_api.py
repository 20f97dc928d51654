"""No code of this project touches a name that Django, a database driver or another library keeps private.

Every .py file of the project (not .venv, node_modules, migrations, var) is parsed with `ast` and these fail:

1. Importing a private name or module of a library (any module outside this project):
       from django.db.models.query import _get_queryset     from celery._state import get_current_app
       import psycopg2._psycopg                               from _pytest.fixtures import FixtureRequest
2. Reading or writing an underscore attribute that a library defines, on anything but `self`/`cls`, also through
   getattr/setattr/hasattr: `request._request` (DRF), `pattern._route` (Django's URL patterns),
   `queryset._result_cache`, `caches._settings`, `session._session_key`, `store._get_session_from_db()`.
   "A library defines it" means the name occurs in the source of Django, DRF, psycopg2/psycopg, guardian, auditlog,
   axes, celery, kombu or redis; the project's own underscore names (e.g. `user._platform_perm_snapshot`) are
   unique to it and pass. Allowed because documented: `Model._meta` (Options API), `Model._state`,
   `Model._default_manager` / `_base_manager`, and namedtuple's `_replace`, `_asdict`, `_fields`, `_make`.
3. In a class derived from a library class: overriding or using a private member of the library,
       class SessionStore(DatabaseSessionStore):
           def _get_session_from_db(self): ...          # overrides a private method
           ... self._session_key = None ...             # writes a private attribute
4. Django's query compiler and driver internals, however public they look: the attributes `get_compiler`,
   `sql_with_params`, `mogrify`, `apply_converters`, `get_converters`, `get_db_converters`, `get_related_populators`,
   `klass_info`, `combined_queries`; `connection.ops` / `connections[alias].ops` (DatabaseOperations is
   undocumented); imports from `django.db.models.sql` (Query and its compilers) and `django.db.backends.<vendor>`.

Plain SQL is allowed (cursor.execute with parameters, as areas/signals selectors do): that is public DB-API and
Django's documented `connection.cursor()`. test_the_checker_catches_what_it_says proves the rules on examples.
"""
import ast
import importlib
import inspect
import re
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", "venv", "node_modules", "migrations", "var", "__pycache__"}
LIBRARIES = ("django", "rest_framework", "psycopg2", "psycopg", "guardian", "auditlog", "axes", "celery", "kombu",
             "redis")
DOCUMENTED = {"_meta", "_state", "_default_manager", "_base_manager", "_replace", "_asdict", "_fields", "_make"}
INTERNALS = {"get_compiler", "sql_with_params", "mogrify", "apply_converters", "get_converters", "get_db_converters",
             "get_related_populators", "klass_info", "combined_queries"}
INTERNAL_MODULES = ("django.db.models.sql", "django.db.backends.")
PUBLIC_MODULES = ("django.db.backends.signals",)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


@cache
def library_private_names() -> frozenset[str]:
    """Every underscore identifier that occurs in the libraries' own source (a generous notion of 'theirs')."""
    names: set[str] = set()
    pattern = re.compile(rb"(?<![\w])_[A-Za-z]\w*")
    for library in LIBRARIES:
        try:
            module = importlib.import_module(library)
        except ImportError:  # e.g. psycopg (3) where psycopg2 is installed
            continue
        for path in Path(module.__file__).parent.rglob("*.py"):
            names.update(match.decode() for match in pattern.findall(path.read_bytes()))
    return frozenset(name for name in names if _private(name))


def _resolve(dotted: str):
    """The object a dotted path names (a class of a library), or None."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for part in parts[cut:]:
                obj = getattr(obj, part)
        except AttributeError:
            return None
        return obj
    return None


@cache
def library_members(dotted: str) -> frozenset[str]:
    """The private members of a library class: its attributes and every `self._x` its library classes use."""
    klass = _resolve(dotted)
    if not isinstance(klass, type):
        return frozenset()
    names = {name for name in dir(klass) if _private(name)}
    for base in klass.__mro__:
        if base.__module__.split(".")[0] in LIBRARIES:
            try:
                source = inspect.getsource(base)
            except (OSError, TypeError):
                continue
            names.update(re.findall(r"\bself\.(_[A-Za-z]\w*)", source))
    return frozenset(name for name in names if _private(name) and name not in DOCUMENTED)


def project_packages() -> set[str]:
    return {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()} | \
        {p.stem for p in ROOT.glob("*.py")}


def project_files():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if not any(part in SKIP_DIRS or part.startswith(".") for part in parts):
            yield path


class Checker(ast.NodeVisitor):
    def __init__(self, own_packages: set[str], library_names: frozenset[str]):
        self.own = own_packages
        self.theirs = library_names
        self.problems: list[tuple[int, str]] = []
        self.imported: dict[str, str] = {}  # local name -> module it came from
        self.own_classes: set[str] = set()
        self.classes: list[frozenset[str]] = []  # per enclosing class: the private members of its library bases

    def check(self, source: str) -> list[tuple[int, str]]:
        tree = ast.parse(source)
        self.own_classes = {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
        self.visit(tree)
        return self.problems

    def _say(self, node, text):
        self.problems.append((node.lineno, text))

    def _foreign(self, module: str) -> bool:
        return bool(module) and module.split(".")[0] not in self.own

    def _library_private(self, name: str) -> bool:
        return _private(name) and name not in DOCUMENTED and name in self.theirs

    # 1 and 4: imports
    def _check_module(self, node, module: str, names=()):
        if not self._foreign(module):
            return
        if any(_private(part) for part in module.split(".")):
            self._say(node, f"imports the private module {module}")
        for name in names:
            if _private(name):
                self._say(node, f"imports the private name {name} from {module}")
            if name in INTERNALS:
                self._say(node, f"imports the internal {name} from {module}")
        if module.startswith(INTERNAL_MODULES) and not module.startswith(PUBLIC_MODULES) or module == "django.db.models.sql":
            self._say(node, f"imports Django's internal {module}")

    def visit_Import(self, node):
        for alias in node.names:
            self._check_module(node, alias.name)
            self.imported[(alias.asname or alias.name).split(".")[0]] = alias.name
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if node.level == 0 and node.module:
            self._check_module(node, node.module, [alias.name for alias in node.names])
            for alias in node.names:
                self.imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        self.generic_visit(node)

    # 3: classes derived from library classes
    def _dotted(self, expr) -> str:
        """The full dotted name of a base-class expression (`admin.ModelAdmin` -> django.contrib.admin.ModelAdmin)."""
        names = []
        while isinstance(expr, ast.Attribute):
            names.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name) or expr.id not in self.imported:
            return ""
        return ".".join([self.imported[expr.id], *reversed(names)])

    def visit_ClassDef(self, node):
        members = frozenset()
        for base in node.bases:
            dotted = self._dotted(base)
            if dotted.split(".")[0] in LIBRARIES:
                members |= library_members(dotted)
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name in members:
                self._say(item, f"overrides the private method {item.name} of a library class")
        self.classes.append(members)
        self.generic_visit(node)
        self.classes.pop()

    # 2, 3 and 4: attributes
    def _check_attribute(self, node, receiver, name: str):
        if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
            if self.classes and name in self.classes[-1]:
                self._say(node, f"uses the private member {name} of a library base class")
        elif isinstance(receiver, ast.Name) and receiver.id in self.own_classes:
            pass  # a class of this module
        elif self._library_private(name):
            self._say(node, f"uses the private attribute {name} of a library object")
        if name in INTERNALS:
            self._say(node, f"uses the internal {name}")
        if name == "ops" and "connection" in ast.unparse(receiver):
            self._say(node, "uses connection.ops (Django's undocumented DatabaseOperations)")

    def visit_Attribute(self, node):
        self._check_attribute(node, node.value, node.attr)
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("getattr", "setattr", "hasattr", "delattr") and len(node.args) > 1:
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                self._check_attribute(node, node.args[0], name.value)
        self.generic_visit(node)


def check(source: str) -> list[tuple[int, str]]:
    return Checker(project_packages(), library_private_names()).check(source)


def test_the_project_uses_no_private_names_of_libraries():
    found = []
    for path in project_files():
        for line, text in check(path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(ROOT)}:{line}: {text}")
    assert found == [], "\n".join(found)


CAUGHT = [
    "from django.db.models.query import _get_queryset",
    "from celery._state import get_current_app",
    "import psycopg2._psycopg",
    "from _pytest.fixtures import FixtureRequest",
    "from django.db.models.sql.compiler import SQLCompiler",
    "from django.db.models.sql import Query",
    "from django.db.backends.postgresql.operations import DatabaseOperations",
    "def f(request):\n    return request._request",
    "def f(pattern):\n    return getattr(pattern, '_route', None)",
    "def f(qs):\n    return qs._result_cache",
    "from django.core.cache import caches\ncaches._settings = {}",
    "def f(store):\n    return store._get_session_from_db()",
    "from django.contrib.sessions.backends.db import SessionStore as Db\n"
    "class S(Db):\n    def _get_session_from_db(self):\n        return None",
    "from django.contrib.sessions.backends.db import SessionStore\n"
    "class S(SessionStore):\n    def load(self):\n        self._session_key = None",
    "from django.db.models.query import get_related_populators",
    "def f(qs):\n    return qs.query.get_compiler(using='default').as_sql()",
    "def f(qs):\n    return qs.query.sql_with_params()",
    "def f(cursor):\n    return cursor.mogrify('%s', [1])",
    "from django.db import connection\nq = connection.ops.quote_name('x')",
    "from django.db import connections\nq = connections['default'].ops.quote_name('x')",
]
ALLOWED = [
    "def f(model):\n    return model._meta.get_field('id'), model._default_manager.all()",
    "def f(obj):\n    return obj._state.adding",
    "from urllib.parse import urlsplit\nu = urlsplit('redis://h/0')._replace(path='/2')",
    "def f(user):\n    user._platform_perm_snapshot = 1\n    return getattr(user, '_platform_perm_snapshot', None)",
    "class Own:\n    def _load(self):\n        self._rows = []\n        return self._rows",
    "from django.db import connection\nwith connection.cursor() as c:\n    c.execute('SELECT 1 WHERE 1 = %s', [1])",
    "from django.db.backends.signals import connection_created",
    "from areas.selectors import _base",  # the project's own private helpers
]


@pytest.mark.parametrize("source", CAUGHT)
def test_the_checker_catches_what_it_says(source):
    assert check(source), source


@pytest.mark.parametrize("source", ALLOWED)
def test_the_checker_allows_public_and_own_names(source):
    assert check(source) == [], source


def test_the_library_names_are_read_from_the_installed_libraries():
    names = library_private_names()
    assert {"_request", "_result_cache", "_get_session_from_db", "_route"} <= names
    assert "_platform_perm_snapshot" not in names
    assert sys.modules["django"] is not None


# The hot-path machinery this test was written against (removed in commit 8e15349): all of it is caught.
REMOVED = {"veiligheid/prepared.py": {"get_compiler", "mogrify", "apply_converters", "get_converters",
                                      "get_related_populators", "klass_info", "connection.ops", "django.db.models.sql"},
           "veiligheid/sessions.py": {"_get_session_from_db", "_session_key"}}


@pytest.mark.parametrize("path", sorted(REMOVED))
def test_the_removed_hot_path_machinery_would_be_caught(path):
    import subprocess

    try:
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"8e15349^:{path}"], capture_output=True, text=True,
                                check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("needs the git history of the project")
    found = " ".join(text for _line, text in check(source))
    assert all(what in found for what in REMOVED[path]), found
