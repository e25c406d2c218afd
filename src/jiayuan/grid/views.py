"""Pages of the grid module: the event report form, made for a grid member's phone
(category chips, camera upload, the browser's location, persons involved from the
registry, 就地解决 with a photo). Reporting opens a ``grid_event`` case through the
engine (:func:`jiayuan.cases.services.create_case`); the case page takes it from there.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..cases import selectors as case_selectors
from ..cases import services as case_services
from ..cases.forms import new_request_key, parse_ids
from ..cases.models import Case
from ..cases.views import keep_uploaded, store_photos
from ..errors import Forbidden, NotFound, ServiceError
from ..people import selectors as people_selectors
from ..web.shortcuts import actor, apply_service_error, error_page
from . import selectors
from .forms import ReportForm


def _chosen_persons(user, ids) -> list:
    out = []
    for pid in dict.fromkeys(ids):
        try:
            out.append(people_selectors.get_person(user, pid))
        except NotFound:
            continue  # the intake says what is wrong with it
    return out


@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    """上报事件. GET: the form (a grid member reports in their own grid). POST: photos
    are stored first (and kept if the form comes back with errors), then the case is
    opened with the form token, so a double submit opens one case."""
    user = request.user
    if not case_selectors.can_create(user, "grid_event"):
        raise PermissionDenied
    tree = selectors.category_tree()
    if request.method == "GET":
        initial = {"request_key": new_request_key()}
        if user.role == "grid_member":
            initial["region"] = user.scope_id
        form = ReportForm(user, tree, initial=initial)
        form.uploaded_photos = []
        return render(request, "grid/report.html", {"form": form, "chosen": [], "tree_json": form.tree_json()})

    form = ReportForm(user, tree, request.POST, request.FILES)
    key = request.POST.get("request_key", "")
    done = case_selectors.case_by_request_key(user, key)
    if done is not None:  # a double submit: the first one opened the case
        return redirect("cases:case_detail", number=done.number)
    person_ids = request.POST.getlist("persons")
    status = 422
    if form.is_valid():
        ids = form.uploaded_ids()
        new_ids, upload_errors = store_photos(request, form.cleaned_data["photos"])
        ids += new_ids
        keep_uploaded(form, ids)
        if upload_errors:
            for msg in upload_errors:
                form.add_error("photos", msg)
        else:
            data = form.cleaned_data
            if user.role == "grid_member" and not data["region"]:
                data["region"] = user.scope_id
            try:
                case, created = case_services.create_case(actor(request), "grid_event", form.payload(person_ids, ids),
                                                          request_key=key, channel=Case.Channel.FIELD)
            except Forbidden as exc:
                return error_page(request, exc)
            except ServiceError as exc:
                apply_service_error(form, exc, ReportForm.FIELD_MAP)
            else:
                decl = case_selectors.decl_of(case.case_type_id)
                messages.success(request, _("已上报，编号 %(number)s，现为“%(state)s”") % {
                    "number": case.number, "state": decl.state(case.state).name})
                return redirect("cases:case_detail", number=case.number)
    # redisplay: the chosen category's group, the chosen persons, the photos kept
    cat = request.POST.get("category", "")
    if cat and not request.POST.get("top"):
        data = form.data.copy()
        data["top"] = next((top.code for top, kids in tree if top.code == cat or any(c.code == cat for c in kids)), "")
        form.data = data
    form.uploaded_photos = case_selectors.own_unbound_attachments(user, parse_ids(form.data.get("uploaded", "")))
    return render(request, "grid/report.html", {
        "form": form, "chosen": _chosen_persons(user, person_ids), "tree_json": form.tree_json(),
    }, status=status)
