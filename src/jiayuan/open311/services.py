"""Open311 writes: API keys for client applications, and placing and opening a public
report as a grid-event case (docs/open311.md)."""

import secrets

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from ..accounts.permissions import Perm
from ..audit.services import Actor, record
from ..cases import rules as case_rules
from ..cases.services import require
from ..grid.models import EventCategory
from ..grid.services import report_public_event
from ..regions.models import Region
from ..security import token_digest
from .models import Open311Client, Open311Submission


def create_client(actor: Actor, name: str, jurisdiction: Region | None = None) -> tuple[Open311Client, str]:
    """A new client application and its api_key (returned once, stored as a digest)."""
    if actor.user is not None:
        require(actor, Perm.MANAGE_CATALOGS)
    key = "o311_" + secrets.token_urlsafe(24)
    with transaction.atomic():
        client = Open311Client.objects.create(name=name.strip()[:100] or "client", key_digest=token_digest(key),
                                              key_prefix=key[:10], jurisdiction=jurisdiction)
        record(actor, "open311.client", client, object_repr=client.name)
    return client, key


def client_for_key(key: str) -> Open311Client | None:
    if not key:
        return None
    return Open311Client.objects.filter(key_digest=token_digest(key), active=True).select_related("jurisdiction").first()


def public_services():
    """Public, active leaf categories: the Open311 service list."""
    return (EventCategory.objects.filter(public=True, active=True, children__isnull=True)
            .select_related("parent").order_by("parent__sort", "sort", "code"))


def public_service(code: str) -> EventCategory | None:
    cat = EventCategory.objects.filter(code=code, public=True, active=True).select_related("parent").first()
    if cat is None or cat.children.exists():
        return None
    if cat.parent_id and not (cat.parent.active):
        return None
    return cat


def default_jurisdiction() -> str:
    """``OPEN311_JURISDICTION`` (a region code) or '' for the whole deployment."""
    return getattr(settings, "OPEN311_JURISDICTION", "") or ""


def grid_at(lon: float, lat: float, under: str = "") -> Region | None:
    """The grid whose GeoJSON boundary contains the point (the first by code when
    boundaries overlap), among grids under ``under``. Bounding boxes filter first."""
    qs = Region.objects.filter(level=Region.Level.GRID, boundary__isnull=False)
    if under:
        qs = qs.filter(code__startswith=under)
    for grid in qs.order_by("code").only("code", "name", "boundary", "level", "parent_id"):
        box = case_rules.geojson_bbox(grid.boundary)
        if box is None or not (box[0] <= lon <= box[2] and box[1] <= lat <= box[3]):
            continue
        if case_rules.point_in_geojson(lon, lat, grid.boundary):
            return grid
    return None


def region_from_address(address: str, under: str = "") -> Region | None:
    """A community/village (else a street/township) whose name appears in the address:
    a region code written as such, or the longest matching name; None when nothing or
    several equally long names match."""
    text = "".join((address or "").split())
    if not text:
        return None
    if text.isdigit() and len(text) in (9, 12, 15):
        return Region.objects.filter(code=text, code__startswith=under).first()
    for level in (Region.Level.VILLAGE, Region.Level.TOWNSHIP):
        qs = Region.objects.filter(level=level)
        if under:
            qs = qs.filter(code__startswith=under)
        hits = []
        for r in qs.only("code", "name", "level"):
            for name in {r.name, r.short_name}:
                if len(name) >= 2 and name in text:
                    hits.append((len(name), r))
        if hits:
            hits.sort(key=lambda h: -h[0])
            best = [h for h in hits if h[0] == hits[0][0]]
            if len({h[1].code for h in best}) == 1:
                return best[0][1]
            return None
    return None


def submit(client: Open311Client, category: EventCategory, region: Region, *, description: str, lat=None, lon=None,
           address: str = "", contact_name: str = "", contact_phone: str = "", data: dict | None = None
           ) -> tuple[Open311Submission, str]:
    """Open the case and record its token. Returns (submission, token)."""
    token = secrets.token_hex(16)
    with transaction.atomic():
        case = report_public_event(client.name, category, region, description=description or category.full_name,
                                   lat=lat, lon=lon, address=address, contact_name=contact_name,
                                   contact_phone=contact_phone, data=data)
        sub = Open311Submission.objects.create(token=token, case=case, client=client)
    return sub, token


def notice() -> str:
    return _("已收到您的反映，将按规定时限办理")
