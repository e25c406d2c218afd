"""Open311 GeoReport v2 at ``/open311/v2/`` (docs/open311.md).

Every endpoint answers ``.json`` or ``.xml``. Errors are HTTP 4xx with the spec's list
of ``{code, description}`` (``<errors><error>…`` in XML). Services are the public grid-
event categories; a request is a grid-event case, its ``service_request_id`` the case
number; only requests submitted through Open311 are listed.
"""

import json
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ..cases.models import Case
from ..cases.selectors import decl_of
from ..errors import ServiceError
from ..grid.models import EventCategory
from ..regions.models import Region
from . import rules, services
from .models import Open311Submission

MAX_REQUESTS = 1000
DEFAULT_DAYS = 90


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def _respond(fmt: str, data, status: int = 200, *, root: str = "", item: str = "", children=None) -> HttpResponse:
    if fmt == "xml":
        body = rules.to_xml(root, item, data, children) if item else rules.to_xml(root, None, data, children)
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    rows = [{"code": status, "description": description}]
    if fmt == "xml":
        return HttpResponse(rules.to_xml("errors", "error", rows), status=status,
                            content_type="text/xml; charset=utf-8")
    return HttpResponse(json.dumps(rows, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


def endpoint(*methods: str):
    """An Open311 view: allowed methods (405 otherwise), no CSRF (api_key instead), and
    Open311Error / ServiceError turned into the spec's error list."""

    def deco(view):
        @csrf_exempt
        def wrapper(request, *args, fmt: str = "json", **kwargs):
            if request.method not in methods:
                resp = _error(fmt, 405, f"method {request.method} is not allowed here")
                resp["Allow"] = ", ".join(methods)
                return resp
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return _error(fmt, exc.status, exc.description)
            except ServiceError as exc:
                return _error(fmt, 400 if exc.status >= 500 else exc.status, exc.message)

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return wrapper

    return deco


def _check_jurisdiction(request) -> str:
    jid = (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or "").strip()
    if not jid:
        return ""
    if not jid.isdigit() or not Region.objects.filter(code=jid).exists():
        raise Open311Error(404, f"jurisdiction_id provided was not found: {jid}")
    return jid


def _service_row(cat: EventCategory) -> dict:
    return {"service_code": cat.code, "service_name": cat.name, "description": cat.description or cat.full_name,
            "metadata": False, "type": "realtime",
            "keywords": ",".join(cat.keywords.split()), "group": cat.parent.name if cat.parent_id else ""}


@endpoint("GET")
def services_list(request, fmt: str = "json"):
    """GET services.{fmt}: the public service list."""
    _check_jurisdiction(request)
    rows = [_service_row(c) for c in services.public_services()]
    return _respond(fmt, rows, root="services", item="service")


@endpoint("GET")
def service_definition(request, code: str, fmt: str = "json"):
    """GET services/{code}.{fmt}: attributes of one service (none of ours needs extra
    attributes, so the list is empty and ``metadata`` false in the service list)."""
    _check_jurisdiction(request)
    cat = services.public_service(code)
    if cat is None:
        raise Open311Error(404, f"service_code provided was not found: {code}")
    data = {"service_code": cat.code, "attributes": []}
    return _respond(fmt, data, root="service_definition", children={"attributes": "attribute"})


def _request_row(case: Case, tz) -> dict:
    decl = decl_of(case.case_type_id)
    state = decl.state(case.state)
    return {
        "service_request_id": case.number,
        "status": "open" if case.is_open else "closed",
        "status_notes": state.public_name or state.name,
        "service_name": (case.data or {}).get("category_name", "") or case.title,
        "service_code": case.category,
        "description": case.description,
        "agency_responsible": case.department.name if case.department_id else "",
        "service_notice": "",
        "requested_datetime": rules.format_datetime(case.created_at, tz),
        "updated_datetime": rules.format_datetime(case.updated_at, tz),
        "expected_datetime": rules.format_datetime(case.due_at, tz) if case.is_open else None,
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": float(case.lat) if case.lat is not None else None,
        "long": float(case.lon) if case.lon is not None else None,
        "media_url": (case.data or {}).get("media_url", ""),
    }


def _public_cases():
    return Case.objects.filter(is_public=True, type_code="grid_event").select_related("department", "case_type")


def _date_param(request, name: str, tz):
    value = request.GET.get(name)
    if value is None or value == "":
        return None
    try:
        return rules.parse_iso_datetime(value, tz)
    except ValueError:
        raise Open311Error(400, f"{name} is not a valid ISO 8601 date/time: {value}") from None


def _list_requests(request, fmt: str):
    tz = timezone.get_current_timezone()
    jid = _check_jurisdiction(request)
    qs = _public_cases()
    if jid:
        qs = qs.filter(region__code__startswith=jid)
    ids = [i.strip() for i in (request.GET.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        qs = qs.filter(number__in=ids)
    else:
        codes = [c.strip() for c in (request.GET.get("service_code") or "").split(",") if c.strip()]
        for code in codes:
            if services.public_service(code) is None:
                raise Open311Error(404, f"service_code provided was not found: {code}")
        if codes:
            qs = qs.filter(category__in=codes)
        start = _date_param(request, "start_date", tz)
        end = _date_param(request, "end_date", tz)
        if start and end and start > end:
            raise Open311Error(400, "start_date is after end_date")
        if start is None and end is None:
            start = timezone.now() - timedelta(days=DEFAULT_DAYS)
        if start is not None:
            qs = qs.filter(created_at__gte=start)
        if end is not None:
            qs = qs.filter(created_at__lte=end)
        statuses = [s.strip() for s in (request.GET.get("status") or "").split(",") if s.strip()]
        for s in statuses:
            if s not in ("open", "closed"):
                raise Open311Error(400, f"status must be open or closed: {s}")
        if statuses and len(set(statuses)) == 1:
            qs = qs.filter(is_open=statuses[0] == "open")
    rows = [_request_row(c, tz) for c in qs.order_by("-created_at", "-id")[:MAX_REQUESTS]]
    return _respond(fmt, rows, root="service_requests", item="request")


def _post_value(request, name: str) -> str:
    data = getattr(request, "_open311_data", None)
    if data is None:
        data = request.POST
        if request.content_type == "application/json":
            try:
                data = json.loads(request.body or b"{}")
            except ValueError:
                raise Open311Error(400, "request body is not valid JSON") from None
            if not isinstance(data, dict):
                raise Open311Error(400, "request body must be a JSON object")
        request._open311_data = data
    value = data.get(name)
    return "" if value is None else str(value).strip()


def _create_request(request, fmt: str):
    client = services.client_for_key(_post_value(request, "api_key") or request.GET.get("api_key", ""))
    if client is None:
        raise Open311Error(403, "api_key was not provided or is invalid")
    jid = _post_value(request, "jurisdiction_id")
    if jid and (not jid.isdigit() or not Region.objects.filter(code=jid).exists()):
        raise Open311Error(404, f"jurisdiction_id provided was not found: {jid}")
    code = _post_value(request, "service_code")
    if not code:
        raise Open311Error(400, "service_code was not provided")
    category = services.public_service(code)
    if category is None:
        raise Open311Error(404, f"service_code provided was not found: {code}")
    lat_s, lon_s = _post_value(request, "lat"), _post_value(request, "long")
    address = _post_value(request, "address_string")
    address_id = _post_value(request, "address_id")
    if not (lat_s and lon_s) and not address and not address_id:
        raise Open311Error(400, "lat/long, address_string or address_id was not provided")
    lat = lon = None
    if lat_s or lon_s:
        try:
            lat, lon = Decimal(lat_s), Decimal(lon_s)
        except (InvalidOperation, ValueError):
            raise Open311Error(400, "lat/long provided was not valid") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise Open311Error(400, "lat/long provided was not valid")
        lat, lon = lat.quantize(Decimal("0.000001")), lon.quantize(Decimal("0.000001"))
    under = (client.jurisdiction_id or "") or services.default_jurisdiction()
    if jid and under and not jid.startswith(under):
        raise Open311Error(403, "jurisdiction_id is outside this api_key's jurisdiction")
    under = jid or under
    region = None
    if lat is not None:
        region = services.grid_at(float(lon), float(lat), under)
    if region is None and (address or address_id):
        region = services.region_from_address(address_id or address, under)
    if region is None and jid and len(jid) >= 9:
        region = Region.objects.get(code=jid)
    if region is None:
        raise Open311Error(400, "lat/long, address_string or address_id provided was not valid: "
                                "the location is not inside any grid or community we serve")
    description = _post_value(request, "description")
    if len(description) > 4000:
        raise Open311Error(400, "description is longer than 4000 characters")
    name = " ".join(p for p in (_post_value(request, "last_name"), _post_value(request, "first_name")) if p)
    phone = _post_value(request, "phone")
    if phone:
        from ..people import rules as people_rules

        try:
            phone = people_rules.normalize_phone(phone)
        except people_rules.RuleError:
            raise Open311Error(400, "phone provided was not valid") from None
    data = {k: v for k in ("media_url", "email", "device_id", "account_id") if (v := _post_value(request, k))}
    if data.get("media_url", "") and not data["media_url"].startswith(("http://", "https://")):
        raise Open311Error(400, "media_url must be an http(s) URL")
    sub, token = services.submit(client, category, region, description=description, lat=lat, lon=lon,
                                 address=address[:200], contact_name=name[:50], contact_phone=phone, data=data)
    row = {"service_request_id": sub.case.number, "token": token, "service_notice": services.notice(),
           "account_id": None}
    return _respond(fmt, [row], 201, root="service_requests", item="request")


@endpoint("GET", "POST")
def requests_view(request, fmt: str = "json"):
    """GET requests.{fmt}: search; POST requests.{fmt}: submit (api_key)."""
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)


@endpoint("GET")
def request_detail(request, request_id: str, fmt: str = "json"):
    """GET requests/{id}.{fmt}: one request (as a list of one, as the spec does)."""
    _check_jurisdiction(request)
    case = _public_cases().filter(number=request_id).first()
    if case is None:
        raise Open311Error(404, f"service_request_id provided was not found: {request_id}")
    tz = timezone.get_current_timezone()
    return _respond(fmt, [_request_row(case, tz)], root="service_requests", item="request")


@endpoint("GET")
def token_view(request, token: str, fmt: str = "json"):
    """GET tokens/{token}.{fmt}: the service_request_id a token became."""
    sub = Open311Submission.objects.select_related("case").filter(token=token).first()
    if sub is None:
        raise Open311Error(404, f"token provided was not found: {token}")
    return _respond(fmt, [{"service_request_id": sub.case.number, "token": token}],
                    root="service_requests", item="request")
