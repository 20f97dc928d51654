"""Pages of the signalling tool. Thin: forms in, services/selectors out. Signal ids of other departments -> 404."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from access.denials import NotFoundOrDenied
from core.exports import csv_response
from core.rules import require_perm

from . import selectors, services
from .forms import (
    BulkCheckForm,
    CloseForm,
    ExtendForm,
    HitReportForm,
    RegisterFilterForm,
    SearchForm,
    SignalEditForm,
    SignalForm,
)
from .models import Signal

SEARCH_PERM = "signals.search_address"
BULK_PERM = "signals.bulk_check"
OFFICER_PERM = "access.manage_department_signals"
HIT_REPORT_PERM = "signals.view_hit_report"


def _apply_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _signal_denied(public_id):
    """404 for another department's signal and for a missing one alike; recorded as a denial (access.denials)."""
    return NotFoundOrDenied(object_type="signals.Signal", object_id=public_id)


def _own_signal_or_404(request, public_id) -> Signal:
    try:
        return selectors.signal_get_for_user(user=request.user, signal_id=public_id)
    except Signal.DoesNotExist:
        raise _signal_denied(public_id) from None


def _department_or_404(request, code):
    department = selectors.department_get_for_user(user=request.user, code=code)
    if department is None:
        raise NotFoundOrDenied(object_type="access.Department", object_id=code)
    return department


# ---------------------------------------------------------------------------------------------- search


@require_perm(SEARCH_PERM)
@require_http_methods(["GET", "POST"])
def search(request):
    from areas.selectors import address_get, address_search

    context = {"searched": False}
    if request.method == "POST":
        form = SearchForm(request.POST)
        if form.is_valid():
            q = form.cleaned_data["q"]
            purpose = form.cleaned_data["purpose"]
            address = None
            if form.cleaned_data.get("address_id"):
                address = address_get(address_id=form.cleaned_data["address_id"])
                if address is None:
                    form.add_error("q", _("Adres niet gevonden."))
            else:
                found = address_search(q=q, limit=10)
                if found.kind == "exact":
                    address = found.addresses[0]
                else:
                    context["lookup"] = found
                    if found.kind in ("none", "invalid"):
                        try:
                            services.address_unresolved_search_record(
                                user=request.user, query=found.normalized or q, purpose=purpose
                            )
                        except services.SearchLimitExceeded as exc:
                            context.pop("lookup")
                            context["limit_message"] = exc.message
            if address is not None:
                try:
                    hits = services.address_hit_search(
                        user=request.user, address=address, purpose=purpose
                    )
                except services.SearchLimitExceeded as exc:
                    context["limit_message"] = exc.message
                except ValidationError as exc:
                    _apply_errors(form, exc)
                else:
                    context.update(searched=True, address=address, hits=hits)
    else:
        form = SearchForm()
    context["form"] = form
    status = 429 if context.get("limit_message") else 200
    return render(request, "signals/search.html", context, status=status)


@require_perm(SEARCH_PERM)
def suggest(request):
    """As-you-type address suggestions (addresses only, never anything about signals)."""
    from areas.selectors import address_suggest

    q = (request.GET.get("q") or "")[:120]
    addresses = address_suggest(q=q, limit=10) if len(q.strip()) >= 3 else []
    return JsonResponse({"results": [{"id": a.pk, "label": a.label, "value": address_query_text(a)} for a in addresses]})


def address_query_text(address) -> str:
    """A text the address search resolves to exactly this address: "1311 AB 12A" (or street, number, city)."""
    if address.postcode:
        return f"{address.postcode[:4]} {address.postcode[4:]} {address.house_number}"
    return f"{address.street} {address.house_number} {address.city}"


# ---------------------------------------------------------------------------------------------- register


@require_perm(OFFICER_PERM, scope="access.Department")
def register(request):
    departments = list(selectors.departments_for_user(user=request.user))
    if len(departments) == 1:
        return redirect("signals:register_department", department=departments[0].code)
    return render(request, "signals/register_departments.html", {"departments": departments})


@require_perm(OFFICER_PERM, scope="access.Department")
def register_department(request, department):
    department = _department_or_404(request, department)
    form = RegisterFilterForm(request.GET or None, department=department)
    status, q, category = "active", "", None
    if form.is_valid():
        status = form.cleaned_data.get("status") or "active"
        q = form.cleaned_data.get("q") or ""
        category = form.cleaned_data.get("category")
    signals = selectors.signal_filter(
        selectors.signal_list_for_user(user=request.user).filter(department=department),
        status=status, q=q, category=category,
    ).order_by(*(form.ordering() or RegisterFilterForm.SORT_FIELDS["-valid_from"]))
    page = Paginator(signals, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "signals/register.html",
        {"department": department, "page": page, "form": form, "query": _query_without_page(request)},
    )


@require_perm(OFFICER_PERM, scope="access.Department")
@require_http_methods(["GET", "POST"])
def signal_create_view(request, department):
    department = _department_or_404(request, department)
    initial = {"valid_until": services.default_valid_until(), "contact_officer": request.user.pk}
    form = SignalForm(request.POST or None, department=department, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            signal = services.signal_create(
                user=request.user,
                department=department,
                address=form.resolved_address,
                category=data["category"],
                details=data["details"],
                contact_officer=data["contact_officer"],
                case_reference=data["case_reference"],
                contact_before_acting=data["contact_before_acting"],
                notify_on_search=data["notify_on_search"],
                valid_until=data["valid_until"],
            )
        except PermissionDenied:
            raise NotFoundOrDenied(object_type="access.Department", object_id=department.code) from None
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Het signaal is geplaatst."))
            return redirect("signals:detail", public_id=signal.public_id)
    return render(
        request,
        "signals/signal_form.html",
        {"form": form, "department": department, "title": _("Nieuw signaal")},
    )


@require_perm(OFFICER_PERM, scope="access.Department")
def signal_detail(request, public_id):
    signal = _own_signal_or_404(request, public_id)
    if not signal.is_erased:
        services.signal_view_record(user=request.user, signal=signal)
    return render(request, "signals/signal_detail.html", {"signal": signal, "department": signal.department})


@require_perm(OFFICER_PERM, scope="access.Department")
@require_http_methods(["GET", "POST"])
def signal_edit(request, public_id):
    signal = _own_signal_or_404(request, public_id)
    initial = {
        "category": signal.category_id,
        "details": signal.details,
        "contact_officer": signal.contact_officer_id,
        "case_reference": signal.case_reference,
        "contact_before_acting": signal.contact_before_acting,
        "notify_on_search": signal.notify_on_search,
    }
    form = SignalEditForm(request.POST or None, department=signal.department, initial=initial)
    if request.method == "GET" and not signal.is_erased:
        services.signal_view_record(user=request.user, signal=signal)
    if request.method == "POST" and form.is_valid():
        try:
            services.signal_update(user=request.user, signal=signal, **form.cleaned_data)
        except Signal.DoesNotExist:
            raise _signal_denied(public_id) from None
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Het signaal is gewijzigd."))
            return redirect("signals:detail", public_id=signal.public_id)
    return render(
        request,
        "signals/signal_form.html",
        {"form": form, "department": signal.department, "signal": signal, "title": _("Signaal wijzigen")},
    )


@require_perm(OFFICER_PERM, scope="access.Department")
@require_http_methods(["GET", "POST"])
def signal_extend_view(request, public_id):
    signal = _own_signal_or_404(request, public_id)
    form = ExtendForm(request.POST or None, initial={"valid_until": services.default_valid_until()})
    if request.method == "POST" and form.is_valid():
        try:
            services.signal_extend(
                user=request.user, signal=signal, valid_until=form.cleaned_data["valid_until"]
            )
        except Signal.DoesNotExist:
            raise _signal_denied(public_id) from None
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Het signaal is verlengd."))
            return redirect("signals:detail", public_id=signal.public_id)
    return render(
        request,
        "signals/signal_action.html",
        {"form": form, "signal": signal, "title": _("Signaal verlengen"), "button": _("Verlengen")},
    )


@require_perm(OFFICER_PERM, scope="access.Department")
@require_http_methods(["GET", "POST"])
def signal_close_view(request, public_id):
    signal = _own_signal_or_404(request, public_id)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.signal_close(user=request.user, signal=signal, reason=form.cleaned_data["reason"])
        except Signal.DoesNotExist:
            raise _signal_denied(public_id) from None
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Het signaal is beëindigd."))
            return redirect("signals:register_department", department=signal.department.code)
    return render(
        request,
        "signals/signal_action.html",
        {"form": form, "signal": signal, "title": _("Signaal beëindigen"), "button": _("Beëindigen")},
    )


# ---------------------------------------------------------------------------------------------- hit report


def _hit_report(request, fmt, per_page=None):
    """(form, filters, rows, page); filters is None when the filter is invalid (a threshold below two, an unknown
    wijk): then the caller shows only the error, never a report, and nothing was listed or recorded."""
    form = HitReportForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None, [], None
    filters = form.filters()
    rows = selectors.hit_report(**filters)
    page = Paginator(rows, per_page).get_page(request.GET.get("page")) if per_page else None
    services.hit_report_record(user=request.user, filters=filters, count=len(rows), fmt=fmt, rows=page.object_list if page is not None else rows)
    return form, filters, rows, page


@require_perm(HIT_REPORT_PERM)
def hit_report_view(request):
    form, filters, rows, page = _hit_report(request, "page", per_page=200)
    return render(
        request,
        "signals/hit_report.html",
        {"form": form, "filters": filters, "rows": page.object_list if page else [], "total": len(rows), "page": page,
         "query": _query_without_page(request)},
        status=400 if filters is None else 200,
    )


@require_perm(HIT_REPORT_PERM)
def hit_report_print(request):
    form, filters, rows, _page = _hit_report(request, "print")
    return render(
        request,
        "signals/hit_report_print.html",
        {"form": form, "filters": filters, "rows": rows, "total": len(rows), "printed_at": timezone.localtime()},
        status=400 if filters is None else 200,
    )


@require_perm(HIT_REPORT_PERM)
def hit_report_csv(request):
    form, filters, rows, _page = _hit_report(request, "csv")
    if filters is None:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return HttpResponseBadRequest("\n".join(errors), content_type="text/plain; charset=utf-8")
    return csv_response(
        filename="uitdraai-signalen.csv",
        header=[_("Adres"), _("Postcode"), _("Buurt"), _("Wijk"), _("Aantal afdelingen"), _("Afdelingen")],
        rows=((row.address_label, row.postcode, row.buurt_name, row.wijk_name, row.department_count,
               ", ".join(row.departments)) for row in rows),
    )


# ---------------------------------------------------------------------------------------------- bulk check


@require_perm(BULK_PERM)
@require_http_methods(["GET", "POST"])
def bulk_check_view(request):
    form = BulkCheckForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "GET":
        context["addresses_left"] = selectors.bulk_addresses_left(user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            rows = services.bulk_check(
                user=request.user,
                content=form.cleaned_data["file"],
                purpose=form.cleaned_data["purpose"],
            )
        except services.SearchLimitExceeded as exc:
            context["limit_message"] = exc.message
            return render(request, "signals/bulk_check.html", context, status=429)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if request.POST.get("format") == "csv":
                return csv_response(
                    filename="bulkcontrole-signalen.csv",
                    header=[_("Regel"), _("Invoer"), _("Adres"), _("Aantal afdelingen"), _("Afdelingen"),
                            _("Melding")],
                    rows=((row.line, row.text, row.address.label if row.address else "",
                           row.department_count if row.address else "", ", ".join(row.departments), row.message)
                          for row in rows),
                )
            context.update(
                rows=rows,
                found=sum(1 for r in rows if r.address),
                with_hits=sum(1 for r in rows if r.departments),
                problems=sum(1 for r in rows if not r.address),
            )
    return render(request, "signals/bulk_check.html", context)


# ---------------------------------------------------------------------------------------------- notifications


@require_perm(OFFICER_PERM, scope="access.Department")
@require_http_methods(["GET", "POST"])
def notifications(request):
    """Notifications go to contact officers, so the page is theirs (a lapsed officer no longer sees them)."""
    if request.method == "POST":
        note_id = request.POST.get("notification")
        if note_id == "all":
            services.notification_mark_read(user=request.user, notification_id=None)
        else:
            try:
                note_id = int(note_id)
            except (TypeError, ValueError):
                raise NotFoundOrDenied(object_type="signals.Notification", object_id=note_id) from None
            if not selectors.notification_list_for_user(user=request.user).filter(pk=note_id).exists():
                raise NotFoundOrDenied(object_type="signals.Notification", object_id=note_id)
            services.notification_mark_read(user=request.user, notification_id=note_id)
        return redirect("signals:notifications")
    page = Paginator(selectors.notification_list_for_user(user=request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "signals/notifications.html",
        {"page": page, "unread": selectors.notification_unread_count(user=request.user)},
    )

