"""The ledger page (发放台账): a program, a range of benefit months and a region; one
row per child region with drill-down, the total, an xlsx export; and the 两项补贴
figure of a half year as the city reports it."""

from __future__ import annotations

import datetime

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ...accounts.permissions import Perm
from ...errors import ValidationFailed
from ...imports.export import content_disposition
from ...regions.selectors import ancestors
from ...web.shortcuts import perm_required
from ..api.batches import parse_month
from ..api.ledgers import XLSX
from ..models import Program
from ..selectors import ledgers as selectors


def _month(request, name: str, default: datetime.date) -> tuple[datetime.date, str]:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default, ""
    try:
        return parse_month(raw, name), ""
    except ValidationFailed as exc:
        return default, exc.message


@perm_required(Perm.VIEW_ASSISTANCE)
@require_GET
def ledger(request):
    user = request.user
    today = timezone.localdate()
    this_month = today.replace(day=1)
    start, err1 = _month(request, "month_from", this_month)
    end, err2 = _month(request, "month_to", start)
    errors = [e for e in (err1, err2) if e]
    if end < start:
        end = start
    program = request.GET.get("program", "")
    if program and not Program.objects.filter(code=program).exists():
        program = ""
    led = selectors.ledger(user, program=program, month_from=start, month_to=end,
                           region=request.GET.get("region", "").strip())
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(selectors.ledger_xlsx(led), content_type=XLSX)
        response["Content-Disposition"] = content_disposition(*selectors.ledger_file_names(led))
        return response
    scope = user.scope_code
    trail = [r for r in ancestors(led.region) if r.code.startswith(scope)] if scope else ancestors(led.region)
    # default: the last complete half year
    year, half = (today.year, 1) if today.month > 6 else (today.year - 1, 2)
    if request.GET.get("year", "").strip().isdigit():
        year = int(request.GET["year"])
    if request.GET.get("half") in ("1", "2"):
        half = int(request.GET["half"])
    figure = selectors.two_subsidies_figure(user, year=year, half=half, region=led.region.code)
    return render(request, "assistance/ledger.html", {
        "led": led, "trail": trail, "programs": Program.objects.order_by("sort", "code"), "program": program,
        "month_from": f"{start:%Y-%m}", "month_to": f"{end:%Y-%m}", "errors": errors, "figure": figure,
        "year": year, "half": half, "half_label": _("上") if half == 1 else _("下"),
    })


urlpatterns = [path("ledgers/", ledger, name="ledger")]
