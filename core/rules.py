"""Mark every view with the rule that admits it. access.middleware.AccessRuleMiddleware enforces the mark (through
access.permissions); unmarked views are refused. The marks are plain plumbing, so every app (audit included) can use
them without importing access.

    @require_perm("signals.search_address")
    @require_perm("access.manage_department_signals", scope="access.Department")  # on at least one department
    @login_only       # any logged-in user (home, own authorisations, logout)
    @public           # no login (login page, health check)

Class-based views set `access_rule = ("perm", "app.codename", None)` etc. DRF views declare
`required_permissions` and use access.api.PlatformPermission.
"""


def _mark(rule):
    def decorator(view):
        view.access_rule = rule
        return view

    return decorator


def require_perm(perm: str, scope: str | None = None):
    return _mark(("perm", perm, scope))


login_only = _mark(("login",))
public = _mark(("public",))


def rule_for(view_func):
    for candidate in (view_func, getattr(view_func, "view_class", None), getattr(view_func, "cls", None)):
        rule = getattr(candidate, "access_rule", None)
        if rule is not None:
            return rule
    cls = getattr(view_func, "cls", None)
    if cls is not None and getattr(cls, "required_permissions", None) is not None:
        return ("api",)
    return None
