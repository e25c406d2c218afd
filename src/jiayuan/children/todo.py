"""To-do sources of children's care, for the 儿童主任 who owes the work: visits overdue or
falling due within :data:`selectors.UPCOMING_DAYS` days, and files flagged for review
after a fact changed. Scoped and need-to-know through :func:`selectors.files_for`."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _lazy

from ..web.todo import TodoItem, TodoSource, register
from . import labels, selectors

from ..accounts.permissions import Perm

# Roles that may hold the duty of 儿童主任 (from the role alone, no query); care-team
# members with an account (often social organisations' staff) owe visits too.
DIRECTOR_ROLES = ("community_worker", "community_director", "township_officer")
VISITOR_ROLES = DIRECTOR_ROLES + ("org_staff",)


def _visit_items(user, limit: int) -> list[TodoItem]:
    today = selectors.today()
    out = []
    for f in selectors.visits_owed(user, today)[:limit]:
        out.append(TodoItem(
            title=f.person.name, url=reverse("children:visit_new", args=[f.pk]), due=f.next_visit_due,
            overdue=f.next_visit_due < today, region=f.region_id,
            detail=f"{labels.grade_name(f.risk)} · {f.region.short_name}"))
    return out


def _review_items(user, limit: int) -> list[TodoItem]:
    out = []
    for f in selectors.files_to_review(user)[:limit]:
        out.append(TodoItem(title=f.person.name, url=reverse("children:file_detail", args=[f.pk]),
                            region=f.region_id, detail="；".join(labels.review_text(f.review_reasons))))
    return out


register(TodoSource(
    code="children_visits", label=_lazy("待探访的儿童"), icon="bi-house-heart", order=80,
    applies=lambda user: user.is_superuser or user.role in VISITOR_ROLES,
    count=lambda user: selectors.visits_owed(user).count(),
    items=_visit_items,
    url=lambda user: reverse("children:file_list") + "?overdue=on",
    description=_lazy("探访已逾期或将在两周内到期"),
))

def _missing_items(user, limit: int) -> list[TodoItem]:
    return [TodoItem(title=r.short_name, url=reverse("children:duties") + f"?region={r.code[:9]}", region=r.code)
            for r in selectors.villages_without_director(user)[:limit]]


register(TodoSource(
    code="children_directors_missing", label=_lazy("缺儿童主任的村（社区）"), icon="bi-person-plus", order=82,
    applies=lambda user: user.can(Perm.MANAGE_CHILDREN_DUTIES),
    count=lambda user: selectors.villages_without_director(user).count(),
    items=_missing_items,
    url="children:duties",
))

register(TodoSource(
    code="children_review", label=_lazy("类别待复核的儿童档案"), icon="bi-exclamation-diamond", order=81,
    applies=lambda user: user.is_superuser or user.role in DIRECTOR_ROLES,
    count=lambda user: selectors.files_to_review(user).count(),
    items=_review_items,
    url=lambda user: reverse("children:file_list") + "?flagged=on",
))
