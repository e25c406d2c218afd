"""``/api/v1/grid/event-categories``: the grid-event catalog with its time limits.
Reporting and handling events go through ``/api/v1/cases`` (type ``grid_event``)."""

from ninja import Router, Schema

from .models import EventCategory

router = Router(tags=["网格事件"])


class CategoryOut(Schema):
    code: str
    name: str
    description: str
    keywords: str
    public: bool
    limits: dict
    children: list["CategoryOut"] = []


CategoryOut.model_rebuild()


def _out(cat: EventCategory, children: list) -> dict:
    return {"code": cat.code, "name": cat.name, "description": cat.description, "keywords": cat.keywords,
            "public": cat.public, "limits": cat.effective_limits(), "children": children}


@router.get("/grid/event-categories", response=list[CategoryOut], summary="事件类别目录（含各环节时限）")
def event_categories(request):
    rows = list(EventCategory.objects.filter(active=True).select_related("parent").order_by("sort", "code"))
    kids: dict[str, list] = {}
    for c in rows:
        if c.parent_id:
            kids.setdefault(c.parent_id, []).append(_out(c, []))
    return [_out(c, kids.get(c.code, [])) for c in rows if not c.parent_id]
