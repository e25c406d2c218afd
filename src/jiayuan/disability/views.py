"""Pages of disability certificates (残疾人证): the list with filters, recording a
certificate for a person (a new one replaces the valid one), the detail with the
holder's certificate history and the change log, the audited reveal of the whole
number, the long-term care need and revocation.

Reads go through :mod:`jiayuan.disability.selectors` (scoped: out of scope is 404),
writes through :mod:`jiayuan.disability.services`; a refusal is shown on the page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ..accounts.permissions import Perm
from ..audit.selectors import history_of
from ..errors import Forbidden, ServiceError
from ..people import selectors as people_selectors
from ..regions import selectors as region_selectors
from ..web.shortcuts import actor, apply_service_error, error_page, paginate, perm_required, require_perm
from . import rules, selectors, services
from .forms import CareNeedForm, CertificateFilterForm, CertificateForm, RevokeForm
from ..web.labels import action_label
from .models import DisabilityCertificate

HISTORY_LIMIT = 100
CANDIDATE_LIMIT = 20

FIELD_LABELS = {
    "disability_type": gettext_lazy("残疾类别"),
    "grade": gettext_lazy("残疾等级"),
    "issued_on": gettext_lazy("发证日期"),
    "valid_until": gettext_lazy("有效期至"),
    "long_term_care_need": gettext_lazy("长期照护需求"),
    "status": gettext_lazy("状态"),
}


def _value(field: str, value) -> str:
    if value is None or value == "":
        return "—"
    try:
        if field == "disability_type":
            return _(rules.TYPE_NAMES[int(value)])
        if field == "grade":
            return _(rules.GRADE_NAMES[int(value)])
        if field == "status":
            return str(DisabilityCertificate.Status(value).label)
        if field == "long_term_care_need":
            return _("有") if value else _("无")
    except (KeyError, ValueError, TypeError):
        pass
    return str(value)


def describe_history(entries) -> list[dict]:
    """Rows for ``audit/_history.html``: each entry with its action and changes in words."""
    rows = []
    for e in entries:
        changes = []
        for field, pair in (e.changes or {}).items():
            before, after = (list(pair) + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            changes.append((str(FIELD_LABELS.get(field, field)), _value(field, before), _value(field, after)))
        extra = e.extra or {}
        note = extra.get("reason") or extra.get("note") or ""
        rows.append({"entry": e, "action_label": action_label(e.action), "changes": changes,
                     "note": note})
    return rows


# --- list ---------------------------------------------------------------------------------------

@perm_required(Perm.VIEW_REGISTRY)
@require_http_methods(["GET"])
def certificate_list(request):
    """Certificates in scope, 50 a page, filtered by type, grade, care need, status,
    region and holder name; ``?person=`` lists one holder's certificates (every status)."""
    user = request.user
    region_code = request.GET.get("region", "").strip()
    region = region_selectors.get_region(user, region_code) if region_code else None  # out of scope → 404
    person = None
    if request.GET.get("person"):
        person = people_selectors.get_person(user, request.GET["person"])  # out of scope → 404
    form = CertificateFilterForm(user, request.GET, region=region)
    form.is_valid()
    f = form.filters()
    if person is not None and not request.GET.get("status"):
        f.status = ""  # one holder: the whole history
    qs = selectors.search_certificates(user, f)
    page_obj = paginate(request, qs)
    rows = [(c, selectors.masked_number(c)) for c in page_obj]
    return render(request, "disability/certificate_list.html", {
        "form": form, "page_obj": page_obj, "rows": rows, "person": person,
        "can_manage": user.can(Perm.MANAGE_DISABILITY),
        "filtered": any(v for k, v in request.GET.items() if k not in ("page", "person"))})


# --- record -------------------------------------------------------------------------------------

@perm_required(Perm.MANAGE_DISABILITY)
@require_http_methods(["GET", "POST"])
def certificate_new(request):
    """登记残疾人证 for a person of the registry: ``?person=`` (from the person's page or
    the search on this page). The number is checked against the person's ID number; a
    valid certificate of the person is replaced (the page says so before submitting)."""
    user = request.user
    pid = request.POST.get("person") or request.GET.get("person")
    if not pid:
        q = request.GET.get("q", "").strip()
        candidates = []
        if q:
            candidates = list(people_selectors.search_persons(
                user, people_selectors.PersonFilters(q=q)).order_by("id")[:CANDIDATE_LIMIT])
        return render(request, "disability/choose_person.html", {"q": q, "candidates": candidates})
    person = people_selectors.get_person(user, pid)  # out of scope → 404
    current = selectors.valid_certificate(person)
    status_code = 200
    if request.method == "GET":
        form = CertificateForm(initial={"replaces": current.pk if current else 0,
                                        "replaces_version": current.version if current else None})
    else:
        form = CertificateForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                cert = services.record_certificate(
                    actor(request), person, d["number"], d["issued_on"], d["valid_until"],
                    bool(d["long_term_care_need"]), d["note"],
                    replaces=d["replaces"] if d["replaces"] is not None else None,
                    replaces_version=d["replaces_version"])
            except Forbidden as exc:
                return error_page(request, exc)
            except ServiceError as exc:
                apply_service_error(form, exc, CertificateForm.FIELD_MAP)
                status_code = exc.status
            else:
                messages.success(request, _("已登记残疾人证：%(name)s，%(desc)s") % {
                    "name": person.name, "desc": cert.get_disability_type_display() + cert.get_grade_display()})
                return redirect("disability:certificate_detail", pk=cert.pk)
        else:
            status_code = 422
    return render(request, "disability/certificate_form.html", {
        "form": form, "person": person, "current": current}, status=status_code)


# --- detail ------------------------------------------------------------------------------------

def _detail_context(request, cert: DisabilityCertificate, **extra) -> dict:
    user = request.user
    return {
        "cert": cert,
        "masked": selectors.masked_number(cert),
        "revealed": extra.pop("revealed", ""),
        "can_manage": user.can(Perm.MANAGE_DISABILITY),
        "can_reveal": user.can(Perm.VIEW_SENSITIVE),
        "others": list(selectors.certificates_of(cert.person)),
        "history": describe_history(history_of(cert)[:HISTORY_LIMIT]),
        "revoke_form": extra.pop("revoke_form", None) or RevokeForm(initial={"version": cert.version}),
        "care_form": extra.pop("care_form", None) or CareNeedForm(initial={
            "long_term_care_need": "yes" if cert.long_term_care_need else "no", "version": cert.version}),
        **extra,
    }


@login_required
@require_http_methods(["GET"])
def certificate_detail(request, pk):
    cert = selectors.get_certificate(request.user, pk)
    require_perm(request.user, Perm.VIEW_REGISTRY)
    return render(request, "disability/certificate_detail.html", _detail_context(request, cert))


def _is_partial(request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


@login_required
@require_POST
def certificate_reveal(request, pk):
    """Show the whole number (POST, audited as a read of the holder's ID number). htmx
    swaps the masked block; without htmx the detail page is shown with it."""
    cert = selectors.get_certificate(request.user, pk)
    require_perm(request.user, Perm.VIEW_REGISTRY)
    try:
        number = services.reveal_number(actor(request), cert, purpose=request.POST.get("purpose", "")[:100])
    except ServiceError as exc:
        if _is_partial(request):
            return render(request, "disability/_number.html", {
                "cert": cert, "masked": selectors.masked_number(cert), "error": exc.message, "can_reveal": False},
                status=exc.status)
        return error_page(request, exc)
    if _is_partial(request):
        return render(request, "disability/_number.html", {"cert": cert, "revealed": number})
    return render(request, "disability/certificate_detail.html", _detail_context(request, cert, revealed=number))


@login_required
@require_POST
def certificate_care_need(request, pk):
    cert = selectors.get_certificate(request.user, pk)
    require_perm(request.user, Perm.MANAGE_DISABILITY)
    form = CareNeedForm(request.POST)
    form.is_valid()
    d = form.cleaned_data
    need = d.get("long_term_care_need")
    if need is None:
        form.add_error("long_term_care_need", _("请选择有或无"))
        return render(request, "disability/certificate_detail.html", _detail_context(request, cert, care_form=form),
                      status=422)
    try:
        services.set_care_need(actor(request), cert, need, version=d.get("version"), note=d.get("note", ""))
    except Forbidden as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return render(request, "disability/certificate_detail.html", _detail_context(request, cert, care_form=form),
                      status=exc.status)
    messages.success(request, _("已更新长期照护需求"))
    return redirect("disability:certificate_detail", pk=cert.pk)


@login_required
@require_POST
def certificate_revoke(request, pk):
    cert = selectors.get_certificate(request.user, pk)
    require_perm(request.user, Perm.MANAGE_DISABILITY)
    form = RevokeForm(request.POST)
    form.is_valid()
    try:
        services.revoke_certificate(actor(request), cert, form.cleaned_data.get("reason", ""),
                                    version=form.cleaned_data.get("version"))
    except Forbidden as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return render(request, "disability/certificate_detail.html",
                      _detail_context(request, cert, revoke_form=form), status=exc.status)
    messages.success(request, _("残疾人证已注销（记录保留）"))
    return redirect("disability:certificate_detail", pk=cert.pk)
