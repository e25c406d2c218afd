"""Pages of the one-stop service center: desk intake of a service request (item,
resident from the registry, materials checklist) with a printable receipt carrying the
case number; the public status lookup; certificates under the seal-use list (issue,
print, void) and the director's decision on a kind on neither list.

Reads through the scoped selectors (out of scope: 404), writes through the services;
a refusal (a certificate on the negative list, a kind needing a decision) is shown with
its reason.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import security
from ..client_ip import client_ip
from ..accounts.permissions import Perm
from ..cases import selectors as case_selectors
from ..cases import services as case_services
from ..cases.forms import new_request_key, parse_ids
from ..cases.models import Case
from ..cases.views import keep_uploaded, store_photos
from ..errors import Conflict, Forbidden, NotFound, ServiceError
from ..people import rules as people_rules
from ..people import selectors as people_selectors
from ..people import services as people_services
from ..regions import selectors as region_selectors
from ..web.shortcuts import actor, apply_service_error, error_page, paginate, perm_required
from . import selectors, services
from .forms import CertificateForm, DecisionForm, IntakeForm, RevokeForm, StatusLookupForm
from .models import SealScopeItem


def _person_or_none(user, pid):
    try:
        return people_selectors.get_person(user, pid) if pid else None
    except NotFound:
        return None


# --- desk intake -------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def intake(request):
    """窗口受理: choose the service item, the applicant from the registry, tick the
    materials brought. Complete materials → 受理; otherwise the case waits for the
    missing ones, all named at once (一次性告知). The receipt carries the case number."""
    user = request.user
    if not case_selectors.can_create(user, "service_request"):
        raise PermissionDenied
    groups = selectors.items_by_area()
    if request.method == "GET":
        form = IntakeForm(groups, initial={"request_key": new_request_key(), "item": request.GET.get("item", "")})
        form.uploaded_photos = []
        item = selectors.get_service_item(request.GET.get("item", ""))
        return render(request, "servicecenter/intake.html", {"form": form, "chosen": [], "item": item,
                                                             "brought": []})
    form = IntakeForm(groups, request.POST, request.FILES)
    key = request.POST.get("request_key", "")
    done = case_selectors.case_by_request_key(user, key)
    if done is not None:
        return redirect("servicecenter:receipt", number=done.number)
    person_ids = request.POST.getlist("person")[-1:]
    brought = request.POST.getlist("materials")
    if form.is_valid():
        ids = form.uploaded_ids()
        new_ids, upload_errors = store_photos(request, form.cleaned_data["photos"])
        ids += new_ids
        keep_uploaded(form, ids)
        if upload_errors:
            for msg in upload_errors:
                form.add_error("photos", msg)
        else:
            d = form.cleaned_data
            payload = {"item": d["item"], "person": person_ids[0] if person_ids else "", "materials": brought,
                       "description": d["description"], "contact_phone": d["contact_phone"], "attachments": ids}
            try:
                case, created = case_services.create_case(actor(request), "service_request", payload,
                                                          request_key=key, channel=Case.Channel.DESK)
            except Forbidden as exc:
                return error_page(request, exc)
            except ServiceError as exc:
                apply_service_error(form, exc, IntakeForm.FIELD_MAP)
            else:
                messages.success(request, _("已登记，编号 %(number)s") % {"number": case.number})
                return redirect("servicecenter:receipt", number=case.number)
    form.uploaded_photos = case_selectors.own_unbound_attachments(user, parse_ids(form.data.get("uploaded", "")))
    chosen = [p for p in (_person_or_none(user, pid) for pid in person_ids) if p]
    return render(request, "servicecenter/intake.html", {
        "form": form, "chosen": chosen, "item": selectors.get_service_item(request.POST.get("item", "")),
        "brought": brought}, status=422)


@login_required
@require_GET
def item_info(request):
    """htmx: the chosen item's time limit, departments and materials checklist."""
    if not case_selectors.can_create(request.user, "service_request"):
        raise PermissionDenied
    item = selectors.get_service_item(request.GET.get("item", ""))
    return render(request, "servicecenter/_item_info.html", {"item": item, "brought": []})


def _community(region):
    return region.parent if region.level == "grid" and region.parent_id else region


@perm_required(Perm.VIEW_CASES)
@require_GET
def receipt(request, number):
    """受理回执 (printable): the case number the resident keeps, what was received, what
    is missing, the time limit and how to look up the status."""
    case = case_selectors.get_case(request.user, number)
    if case.type_code != "service_request":
        raise Http404
    decl = case_selectors.decl_of(case.case_type_id)
    state = decl.state(case.state)
    applicant = case.subject_person
    item = selectors.get_service_item(case.category)
    return render(request, "servicecenter/receipt.html", {
        "case": case, "state": state, "item": item, "applicant": applicant,
        "community": _community(case.region),
        "phone_masked": people_rules.mask_phone(security.decrypt(case.contact_phone_cipher)),
        "materials": case.data.get("materials") or [], "missing": case.data.get("missing_materials") or [],
        "status_url": request.build_absolute_uri(reverse("servicecenter:status")),
        "clerk": case.created_by,
    })


@require_http_methods(["GET"])
def status(request):
    """办理进度查询 for residents without an account: case number + the last four digits
    of the contact phone (rate-limited; state and dates only)."""
    form = StatusLookupForm(request.GET or None)
    result = None
    error = ""
    code = 200
    if request.GET and form.is_valid():
        client = client_ip(request) or "unknown"
        try:
            result = services.public_status(form.cleaned_data["number"], form.cleaned_data["phone_tail"], client)
        except ServiceError as exc:
            error, code = exc.message, exc.status
    return render(request, "servicecenter/status.html", {"form": form, "result": result, "error": error},
                  status=code)


# --- certificates ---------------------------------------------------------------------------------

@perm_required(Perm.ISSUE_CERTIFICATES)
@require_GET
def certificate_list(request):
    qs = selectors.certificates_for(request.user).select_related("issued_by").order_by("-issued_at", "-id")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(number__startswith=q)
    return render(request, "servicecenter/certificate_list.html", {
        "page_obj": paginate(request, qs), "q": q, "can_decide": request.user.can(Perm.DECIDE_CERTIFICATE_KINDS)})


def _seal_lists(user) -> dict:
    rows = list(selectors.seal_scope_for(user))
    decided = list(selectors.decisions_for(user))
    return {
        "allowed": [r for r in rows if r.list_kind == SealScopeItem.ListKind.ALLOWED],
        "forbidden": [r for r in rows if r.list_kind == SealScopeItem.ListKind.FORBIDDEN],
        "decided": decided,
    }


@perm_required(Perm.ISSUE_CERTIFICATES)
@require_http_methods(["GET", "POST"])
def certificate_new(request):
    """出具证明: resident from the registry, the kind (the seal-use list suggests the
    allowed ones), the purpose. A kind on the negative list is refused with its reason;
    a kind on neither list needs the director's recorded decision first."""
    user = request.user
    ctx = {"refusal": "", "needs_decision": "", "can_decide": user.can(Perm.DECIDE_CERTIFICATE_KINDS)}
    if request.method == "GET":
        form = CertificateForm(initial={"request_key": new_request_key(), "kind": request.GET.get("kind", "")})
        person = _person_or_none(user, request.GET.get("person"))
        return render(request, "servicecenter/certificate_form.html", {
            "form": form, "chosen": [person] if person else [], **_seal_lists(user), **ctx})
    form = CertificateForm(request.POST)
    person_ids = request.POST.getlist("person")[-1:]
    person = None
    status_code = 422
    if person_ids:
        person = people_selectors.get_person(user, person_ids[0])  # out of scope → 404
    if form.is_valid():
        d = form.cleaned_data
        if person is None:
            form.add_error("person", _("请选择居民"))
        else:
            try:
                cert = services.issue_certificate(actor(request), person, d["kind"], d["purpose"],
                                                  request_key=d["request_key"])
            except services.CertificateRefused as exc:
                ctx["refusal"] = exc.message
            except Conflict as exc:
                if exc.code == "certificate.needs_decision":
                    ctx["needs_decision"] = exc.message
                    status_code = 409
                else:
                    form.add_error(None, exc.message)
                    status_code = 409
            except Forbidden as exc:
                return error_page(request, exc)
            except ServiceError as exc:
                apply_service_error(form, exc, CertificateForm.FIELD_MAP)
            else:
                messages.success(request, _("已出具证明，编号 %(number)s") % {"number": cert.number})
                return redirect("servicecenter:certificate_detail", number=cert.number)
    return render(request, "servicecenter/certificate_form.html", {
        "form": form, "chosen": [person] if person else [], **_seal_lists(user), **ctx}, status=status_code)


def paragraphs(cert, body: str) -> list[str]:
    """The certificate's text as paragraphs for the paper layout. The templates end with
    the issuer's name and the date (``${community}`` / ``${date}``): the page prints those
    in the signature block at the right (full committee name, seal, date) instead."""
    lines = body.rstrip().split("\n")
    data = cert.data or {}
    if len(lines) >= 2 and lines[-2].strip() == data.get("community") and lines[-1].strip() == data.get("date"):
        lines = lines[:-2]
    text = "\n".join(lines).strip()
    return [p.strip() for p in text.split("\n\n") if p.strip()]


@perm_required(Perm.ISSUE_CERTIFICATES)
@require_GET
def certificate_detail(request, number):
    cert = selectors.get_certificate(request.user, number)
    return render(request, "servicecenter/certificate_detail.html", {
        "cert": cert, "revoke_form": RevokeForm(), "issued_by": cert.issued_by,
        "paragraphs": paragraphs(cert, cert.body), "issued_on": timezone.localtime(cert.issued_at).date()})


@perm_required(Perm.ISSUE_CERTIFICATES)
@require_GET
def certificate_print(request, number):
    """The certificate to print: the community's name, the text with the resident's
    data from the registry (the whole ID number, read under audit, where the role may
    see it), the number and date, a place for the seal, and how to verify it."""
    user = request.user
    cert = selectors.get_certificate(user, number)
    body = cert.body
    masked = (cert.data or {}).get("id_number", "")
    if masked and user.can(Perm.VIEW_SENSITIVE) and cert.status == cert.Status.VALID:
        values = people_services.reveal_sensitive(actor(request), cert.person, ("id_number",),
                                                  purpose=_("打印证明 %(number)s") % {"number": cert.number})
        body = body.replace(masked, values["id_number"])
    return render(request, "servicecenter/certificate_print.html", {
        "cert": cert, "paragraphs": paragraphs(cert, body), "issued_on": timezone.localtime(cert.issued_at).date(),
        "verify_url": request.build_absolute_uri(reverse("servicecenter:verify")),
        "verify_link": request.build_absolute_uri(reverse("servicecenter:verify") + "?" + urlencode(
            {"number": cert.number, "code": cert.verify_code})),
    })


@perm_required(Perm.ISSUE_CERTIFICATES)
@require_POST
def certificate_revoke(request, number):
    cert = selectors.get_certificate(request.user, number)
    form = RevokeForm(request.POST)
    form.is_valid()
    try:
        services.revoke_certificate(actor(request), cert, form.cleaned_data.get("reason", ""))
    except ServiceError as exc:
        if isinstance(exc, Forbidden):
            return error_page(request, exc)
        apply_service_error(form, exc)
        return render(request, "servicecenter/certificate_detail.html", {
            "cert": cert, "revoke_form": form, "issued_by": cert.issued_by, "paragraphs": paragraphs(cert, cert.body),
            "issued_on": timezone.localtime(cert.issued_at).date()}, status=exc.status)
    messages.success(request, _("证明已作废（记录保留，核验时显示为已作废）"))
    return redirect("servicecenter:certificate_detail", number=cert.number)


@perm_required(Perm.DECIDE_CERTIFICATE_KINDS)
@require_http_methods(["GET", "POST"])
def decision_new(request):
    """社区负责人的决定: whether the community issues a kind of certificate that is on
    neither list (allowing needs a legal basis; refusing needs a reason)."""
    user = request.user
    initial = {"kind_name": request.GET.get("kind", "")}
    if user.scope and user.scope.level == "village":
        initial["community"] = user.scope_id
    form = DecisionForm(user, request.POST or None, initial=initial)
    status_code = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            community = region_selectors.get_region(user, d["community"]) if d["community"] else None
            if community is None:
                form.add_error("community", _("请选择社区（村）"))
            elif d["allowed"] not in ("yes", "no"):
                form.add_error("allowed", _("请选择同意出具或不予出具"))
            else:
                services.decide_certificate_kind(actor(request), community, d["kind_name"], d["allowed"] == "yes",
                                                 reason=d["reason"], legal_basis=d["legal_basis"],
                                                 template=d["template"])
        except Forbidden as exc:
            return error_page(request, exc)
        except NotFound:
            raise  # a community outside the scope: the 404 page
        except ServiceError as exc:
            apply_service_error(form, exc, {"kind_name": "kind_name", "legal_basis": "legal_basis",
                                            "reason": "reason", "community": "community"})
        if not form.errors:
            messages.success(request, _("已记录决定：%(name)s") % {"name": d["kind_name"]})
            return redirect("servicecenter:decision_new")
        status_code = 422
    return render(request, "servicecenter/decision_form.html", {
        "form": form, "decisions": selectors.decisions_for(user)[:100]}, status=status_code)


@require_GET
def verify(request):
    """证明核验 without an account: the number and the verification code printed on the
    certificate (the printed link fills both in) give kind, issuing community, date,
    status and the masked holder; a wrong code answers like an unknown number (404);
    no code: 422. Rate-limited per client address (429)."""
    number = request.GET.get("number", "").strip()
    code = request.GET.get("code", "").strip()
    ctx = {"number": number, "code": code, "searched": bool(number)}
    status_code = 200
    if number:
        if services.rate_hit(f"verify-ip:{client_ip(request) or 'unknown'}", 600) > 60:
            return render(request, "servicecenter/verify.html", {**ctx, "limited": True}, status=429)
        if not code:
            ctx["code_missing"] = True
            status_code = 422
        else:
            ctx["result"] = services.verify_certificate(number, code)
            status_code = 200 if ctx["result"] else 404
    return render(request, "servicecenter/verify.html", ctx, status=status_code)
