"""Writes of the grid module: the event-category catalog and the intake of grid events
(the ``grid_event`` case type, see ``case_types.py``). Reporting, dispatching and
closing an event are case-engine transitions (:mod:`jiayuan.cases.services`)."""

import json
from decimal import Decimal, InvalidOperation
from importlib import resources

from django.db import transaction
from django.utils.translation import gettext as _

from ..accounts.permissions import Perm
from ..audit.services import Actor, record
from ..cases import rules as case_rules
from ..cases.models import Case
from ..cases.services import CaseDraft, current_type, open_case, require, resolve_region
from ..errors import NotFound, ValidationFailed
from ..regions.models import Region
from .models import EventCategory

MAX_DESCRIPTION = 2000


def _err(name: str, code: str, message: str) -> dict:
    return {name: [{"code": code, "message": message}]}


# --- catalog ------------------------------------------------------------------------------

def _check_limits(code: str, limits: dict) -> dict:
    out = {}
    for state, value in (limits or {}).items():
        try:
            out[state] = case_rules.Limit.parse(value).as_dict()
        except (ValueError, TypeError, AttributeError):
            raise ValidationFailed(_err("limits", "category.limit", _("类别 %(code)s 的时限 %(value)s 无效") % {
                "code": code, "value": value})) from None
    return out


def upsert_event_category(actor: Actor | None, data: dict, parent: EventCategory | None = None) -> EventCategory:
    """Create or update one category from ``{"code", "name", "limits", "public", "keywords",
    "description", "sort", "active"}``. ``actor`` None is the loader of the shipped
    catalog (an actor without a user: a command or migration); a user needs
    manage_catalogs. Audited."""
    if actor is not None and actor.user is not None:
        require(actor, Perm.MANAGE_CATALOGS)
    code = str(data.get("code") or "").strip()
    name = " ".join(str(data.get("name") or "").split())
    if not code or not name:
        raise ValidationFailed(_err("code", "category.missing", _("类别须有代码和名称")))
    values = {
        "name": name[:50], "parent": parent, "limits": _check_limits(code, data.get("limits") or {}),
        "public": bool(data.get("public", False)), "keywords": str(data.get("keywords", ""))[:200],
        "description": str(data.get("description", ""))[:200], "sort": int(data.get("sort", 100)),
        "active": bool(data.get("active", True)),
    }
    with transaction.atomic():
        cat, created = EventCategory.objects.update_or_create(code=code, defaults=values)
        record(actor or Actor(None, "system"), "event_category.create" if created else "event_category.update",
               cat, object_repr=cat.name)
    return cat


def load_event_categories(actor: Actor | None = None) -> int:
    """Load the shipped catalog (grid/data/event_categories.json) idempotently. Returns
    the number of categories."""
    text = (resources.files("jiayuan.grid") / "data" / "event_categories.json").read_text(encoding="utf-8")
    n = 0
    with transaction.atomic():
        for i, top in enumerate(json.loads(text)["categories"]):
            parent = upsert_event_category(actor, {**top, "sort": top.get("sort", (i + 1) * 10)})
            n += 1
            for j, child in enumerate(top.get("children", [])):
                upsert_event_category(actor, {**child, "sort": child.get("sort", j + 1)}, parent=parent)
                n += 1
    return n


def leaf_category(code) -> EventCategory:
    """An active category without sub-categories, else ValidationFailed."""
    cat = EventCategory.objects.select_related("parent").filter(code=str(code or ""), active=True).first()
    if cat is None:
        raise ValidationFailed(_err("category", "category.unknown", _("请选择事件类别")))
    if cat.children.filter(active=True).exists():
        raise ValidationFailed(_err("category", "category.not_leaf", _("请选择“%(name)s”下的具体类别") % {
            "name": cat.name}))
    return cat


# --- intake ------------------------------------------------------------------------------------

def parse_point(lat, lon) -> tuple[Decimal | None, Decimal | None]:
    """(lat, lon) as Decimals of 6 places, both or neither; ValidationFailed otherwise."""
    if lat in (None, "") and lon in (None, ""):
        return None, None
    try:
        la, lo = Decimal(str(lat)), Decimal(str(lon))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_err("location", "location.invalid", _("位置须为纬度和经度两个数字"))) from None
    if not (la.is_finite() and lo.is_finite()
            and Decimal(-90) <= la <= Decimal(90) and Decimal(-180) <= lo <= Decimal(180)):
        raise ValidationFailed(_err("location", "location.range", _("纬度须在 −90 到 90 之间，经度须在 −180 到 180 之间")))
    q = Decimal("0.000001")
    return la.quantize(q), lo.quantize(q)


def event_intake(actor: Actor, payload: dict) -> CaseDraft:
    """Check a grid-event report for :func:`jiayuan.cases.services.create_case`.

    ``payload``: ``region`` (a grid or community in scope; a grid member's own grid by
    default), ``category`` (a leaf category code), ``description`` (required),
    ``title``, ``lat``/``lon`` (optional point), ``address``, ``persons`` (ids of
    persons involved, in scope), ``attachments`` (ids of the reporter's uploads),
    ``on_spot`` (solved on the spot: closed at once, needs a photo) with ``on_spot_note``.
    """
    from ..people.selectors import get_person

    user = actor.user
    errors = {}
    code = payload.get("region") or (user.scope_id if user and user.role == "grid_member" else "")
    region = None
    try:
        region = resolve_region(actor, code, (Region.Level.GRID, Region.Level.VILLAGE))
    except ValidationFailed as exc:
        errors.update(exc.fields)
    category = None
    try:
        category = leaf_category(payload.get("category"))
    except ValidationFailed as exc:
        errors.update(exc.fields)
    description = str(payload.get("description") or "").strip()
    if not description:
        errors.update(_err("description", "description.required", _("请描述事件情况")))
    elif len(description) > MAX_DESCRIPTION:
        errors.update(_err("description", "description.too_long", _("描述不能超过 %(n)s 个字") % {"n": MAX_DESCRIPTION}))
    lat = lon = None
    try:
        lat, lon = parse_point(payload.get("lat"), payload.get("lon"))
    except ValidationFailed as exc:
        errors.update(exc.fields)
    persons = []
    for pid in payload.get("persons") or []:
        try:
            persons.append(get_person(user, pid))
        except NotFound:
            errors.update(_err("persons", "person.not_found", _("涉及人员不存在或不在您的管辖范围内")))
    attachments = list(payload.get("attachments") or [])
    on_spot = payload.get("on_spot") in (True, "true", "1", 1, "on")
    if on_spot and not attachments:
        errors.update(_err("attachments", "attachments.required", _("就地解决的事件须上传至少 1 张现场照片")))
    if errors:
        raise ValidationFailed(errors)
    title = str(payload.get("title") or "").strip()[:200] or category.full_name
    draft = CaseDraft(
        region=region, title=title, description=description, category=category.code, lat=lat, lon=lon,
        address=str(payload.get("address") or "").strip()[:200], parties=[(p, "involved") for p in persons],
        limits=category.effective_limits(), data={"category_name": category.full_name, "on_spot": on_spot},
        attachments=[] if on_spot else attachments,
    )
    if on_spot:
        draft.followups = [{"action": "resolve_on_spot", "attachments": attachments,
                            "comment": str(payload.get("on_spot_note") or "").strip() or description}]
    return draft


def report_public_event(source: str, category: EventCategory, region: Region, *, description: str,
                        lat=None, lon=None, address: str = "", contact_name: str = "", contact_phone: str = "",
                        data: dict | None = None) -> Case:
    """A resident's report through a public channel (Open311): a public category, placed
    in ``region`` by the caller, opened in state reported with no acting user
    (audit source ``api``, ``source`` names the client)."""
    actor = Actor(None, "api", extra={"client": source})
    draft = CaseDraft(region=region, title=category.full_name, description=description, category=category.code,
                      lat=lat, lon=lon, address=address, contact_name=contact_name, contact_phone=contact_phone,
                      limits=category.effective_limits(), is_public=True,
                      data={"category_name": category.full_name, **(data or {})})
    return open_case(actor, current_type("grid_event"), draft, channel=Case.Channel.OPEN311)
