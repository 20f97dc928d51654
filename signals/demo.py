"""Demo signals: all six departments, addresses flagged by 4, 3 and 2 departments, one "contact before acting".

Made through the real services (officer grants with four eyes, signal_create with co-occurrence notices).
Idempotent: demo signals carry a case reference starting with "DEMO-"; when one exists nothing is added again.
Addresses are picked deterministically (by buurt code and bag_id) so the README can name them.
"""
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Count
from django.utils import timezone

from access import roles as R
from access.demo import demo_authenticators_ensure
from access.models import Authorisation, Department, User
from access.services import authorisation_approve, authorisation_request
from areas.models import Address

from .models import Signal
from .services import category_seed_defaults, signal_create

DEMO_PASSWORD = "Veilig-demo-2026"  # nosec B105  # the documented demo password; demo accounts log in only on a demo installation

# Extra demo officers for the departments that access/demo.py does not give one.
OFFICERS = {
    "burgerzaken": ("signaal-burgerzaken", "Bas", "Burger", "036 539 3101"),
    "belastingen": ("signaal-belastingen", "Bella", "Belasting", "036 539 3102"),
    "vergunningen": ("signaal-vergunningen", "Vera", "Vergunning", ""),  # no own number: department's is shown
    "oov": ("signaal-oov", "Olaf", "Openbare-Orde", "036 539 3106"),
    "toezicht-handhaving": ("handhaver", None, None, None),
    "sociale-zaken": ("sociale-zaken", None, None, None),
}

# (address index, department code, category code, months ago, contact before acting, notify on search)
PLAN = [
    # Address 0: four departments; OOV asks to be called first (a house under observation).
    (0, "oov", "high-impact-crime", 2, True, True),
    (0, "sociale-zaken", "uitkeringsfraude", 5, False, False),
    (0, "toezicht-handhaving", "woonfraude", 1, False, False),
    (0, "belastingen", "belastingen", 8, False, False),
    # Address 1: three departments.
    (1, "burgerzaken", "adresfraude", 3, False, False),
    (1, "sociale-zaken", "adresfraude", 2, False, True),
    (1, "toezicht-handhaving", "overlast", 6, False, False),
    # Address 2 and 3: two departments each.
    (2, "vergunningen", "huisvesting", 4, False, False),
    (2, "toezicht-handhaving", "woonfraude", 0, False, False),
    (3, "belastingen", "woz", 7, False, False),
    (3, "burgerzaken", "inschrijving", 1, False, False),
]
SINGLES = ["burgerzaken", "belastingen", "sociale-zaken", "vergunningen", "toezicht-handhaving", "oov"]
# Addresses in other wijken flagged by two or three departments, so the hit report's wijk and buurt filters
# have something to show: department codes per address, one address per wijk.
SPREAD = [
    ("sociale-zaken", "toezicht-handhaving"),
    ("burgerzaken", "belastingen"),
    ("toezicht-handhaving", "vergunningen"),
    ("oov", "sociale-zaken", "toezicht-handhaving"),
    ("burgerzaken", "sociale-zaken"),
    ("belastingen", "vergunningen", "burgerzaken"),
    ("toezicht-handhaving", "oov"),
    ("sociale-zaken", "belastingen"),
]


def _officer(code, department, admins):
    username, first, last, phone = OFFICERS[code]
    user = User.objects.filter(username=username).first()
    if user is None:
        if first is None:
            return None  # made by access/demo.py; absent only when that app's demo did not run
        user = User(username=username, first_name=first, last_name=last, email=f"{username}@almere.example",
                    department=department, job_title="Signaalfunctionaris", phone=phone, is_demo=True)
        user.set_password(DEMO_PASSWORD)
        user.save()
    has_grant = Authorisation.objects.open().filter(
        user=user, role=R.SIGNAL_OFFICER, scope_id=department.pk
    ).exists()
    if not has_grant and admins:
        requester, approver = admins
        grant = authorisation_request(
            requested_by=requester, user=user, role=R.SIGNAL_OFFICER, scope=department,
            purpose=f"Demo: signaalfunctionaris {department.name}",
            valid_until=timezone.localdate() + timedelta(days=300),
        )
        if grant.status == Authorisation.Status.REQUESTED:
            authorisation_approve(grant=grant, approved_by=approver, note="Demo")
        user.refresh_from_db()
    return user


def _unique_postcode_numbers():
    """(postcode, number) pairs that name exactly one address, so a demo query finds that address only."""
    return set(
        Address.objects.values("postcode", "number").annotate(n=Count("id")).filter(n=1)
        .values_list("postcode", "number")
    )


def demo_addresses(count=10):
    """Deterministic addresses without huisletter/toevoeging whose postcode + number is unique."""
    unique = _unique_postcode_numbers()
    picked = []
    for address in Address.objects.filter(letter="", addition="").exclude(postcode="").order_by(
        "buurt__code", "bag_id"
    ).iterator(chunk_size=500):
        if (address.postcode, address.number) in unique:
            picked.append(address)
            if len(picked) >= count:
                break
    return picked


def spread_addresses(count, exclude_wijk_id=None):
    """The first unique address (by bag_id) of each of `count` wijken, in wijk-code order."""
    picked, seen, unique = [], {exclude_wijk_id}, _unique_postcode_numbers()
    for address in Address.objects.filter(letter="", addition="").exclude(postcode="").select_related(
        "buurt"
    ).order_by("buurt__wijk__code", "bag_id").iterator(chunk_size=500):
        if address.buurt.wijk_id in seen or (address.postcode, address.number) not in unique:
            continue
        seen.add(address.buurt.wijk_id)
        picked.append(address)
        if len(picked) >= count:
            break
    return picked


def _seed_spread(officers, departments, exclude_wijk_id):
    if Signal.objects.filter(case_reference__startswith="DEMO-W").exists():
        return 0
    today = timezone.localdate()
    created = 0
    picked = spread_addresses(len(SPREAD), exclude_wijk_id)
    for number, (address, codes) in enumerate(zip(picked, SPREAD, strict=False), 1):
        for k, code in enumerate(codes):
            officer, department = officers.get(code), departments[code]
            if officer is None:
                continue
            signal = signal_create(
                user=officer,
                department=department,
                address=address,
                category=department.signal_categories.order_by("name").first(),
                details=f"Demo-toelichting wijk {number}: alleen zichtbaar voor {department.name}.",
                contact_officer=officer,
                case_reference=f"DEMO-W{number:02d}-{code[:3].upper()}",
                contact_before_acting=False,
                notify_on_search=False,
                valid_until=today + relativedelta(months=12),
            )
            signal.valid_from = today - relativedelta(months=1 + (number + k) % 9)
            signal.save(update_fields=["valid_from", "updated_at"])
            created += 1
    return created


def _query(address):
    return f"{address.postcode[:4]} {address.postcode[4:]} {address.number}"


def seed(stdout):
    departments = {d.code: d for d in Department.objects.all()}
    if len(departments) < 6 or not Address.objects.exists():
        stdout.write("Signalen: afdelingen of adressen ontbreken; geen demosignalen geladen.")
        return
    for department in departments.values():
        category_seed_defaults(department=department)
    admins = (User.objects.filter(username="beheerder").first(), User.objects.filter(username="beheerder2").first())
    admins = admins if all(admins) else None
    officers = {code: _officer(code, departments[code], admins) for code in OFFICERS if code in departments}
    demo_authenticators_ensure(officers.values())  # their second factor, as for the other demo accounts
    addresses = demo_addresses(4 + len(SINGLES))
    if len(addresses) < 4 + len(SINGLES):
        stdout.write("Signalen: te weinig adressen voor de demo.")
        return

    created = 0
    if not Signal.objects.filter(case_reference__startswith="DEMO-").exists():
        today = timezone.localdate()
        rows = PLAN + [(4 + i, code, None, i + 1, False, False) for i, code in enumerate(SINGLES)]
        for number, (index, code, category_code, months_ago, contact_first, notify) in enumerate(rows, start=1):
            officer = officers.get(code)
            if officer is None:
                continue
            department = departments[code]
            category = (
                department.signal_categories.filter(code=category_code).first()
                if category_code else department.signal_categories.order_by("name").first()
            )
            signal = signal_create(
                user=officer,
                department=department,
                address=addresses[index],
                category=category,
                details=f"Demo-toelichting {number}: alleen zichtbaar voor {department.name}.",
                contact_officer=officer,
                case_reference=f"DEMO-{code[:3].upper()}-{number:03d}",
                contact_before_acting=contact_first,
                notify_on_search=notify,
                valid_until=today + relativedelta(months=12) - timedelta(days=30 * months_ago),
            )
            if months_ago:
                signal.valid_from = today - relativedelta(months=months_ago)
                signal.save(update_fields=["valid_from", "updated_at"])
            created += 1
    created += _seed_spread(officers, departments, addresses[0].buurt.wijk_id)
    stdout.write(
        f"Signalen: {Signal.objects.count()} (nieuw: {created}). Probeer bij ‘Adres zoeken’: "
        f"{_query(addresses[0])} ({addresses[0].label}: 4 afdelingen, OOV vraagt eerst contact), "
        f"{_query(addresses[1])} ({addresses[1].label}: 3 afdelingen), "
        f"{_query(addresses[2])} ({addresses[2].label}: 2 afdelingen)."
    )
