"""``GET /api/v1/todo``: the user's to-do list (待办), every source of the registry
(:mod:`jiayuan.web.todo`) that applies to the user, each with the count of all its items
and its first ``ITEMS_PER_SOURCE`` items, overdue (or earliest due) first::

    {"sources": [{"code": "batches_review", "label": "待审核的发放批次", "count": 3,
                  "items": [{"title": "…", "url": "/assistance/batches/7/",
                             "due": "2026-12-08T17:30:00+08:00" | "2026-12-31" | null,
                             "overdue": false}]}]}

Scope and need-to-know are each source's (the module's own selectors).
"""

from ninja import Router, Schema

from . import todo

router = Router(tags=["待办"])


class TodoItemOut(Schema):
    title: str
    url: str
    due: str | None
    overdue: bool


class TodoSourceOut(Schema):
    code: str
    label: str
    count: int
    items: list[TodoItemOut]


class TodoOut(Schema):
    sources: list[TodoSourceOut]


@router.get("/todo", response=TodoOut, summary="我的待办（各模块的待办来源，超期优先）")
def my_todo(request):
    groups = todo.collect(request.auth)
    return {"sources": [
        {"code": g.source.code, "label": str(g.source.label), "count": g.count,
         "items": [{"title": it.title, "url": it.url, "due": it.due_iso(), "overdue": it.overdue} for it in g.items]}
        for g in groups]}
