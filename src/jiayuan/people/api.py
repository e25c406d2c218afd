"""``/api/v1/persons`` and ``/api/v1/households``. ID numbers and phones are masked;
``POST /persons/{id}/reveal`` returns them whole to a role that may see them, audited."""

from datetime import date
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Router, Schema, Status


from ..accounts.permissions import Perm
from ..api.auth import actor
from ..api.types import BoundedList, Id, Int, MAX_ITEMS, Page, PageSize, paging
from ..dbrouting import may_lag
from . import rules, selectors, services
from .models import Person

router = Router(tags=["居民与户"])

class TagOut(Schema):
    kind: str
    name: str
    valid_from: date
    valid_to: date | None


IdType = Literal["resident_id", "foreign_permanent_residence", "passport", "hk_macao_permit", "taiwan_permit"]
"""Document types (people.models.Person.IdType), for the OpenAPI enum."""


class PersonOut(Schema):
    id: int
    name: str
    id_type: IdType
    id_number: str
    phone: str
    sex: int
    birth_date: date | None
    age: int
    ethnic_group: str
    residence_status: str
    address: str
    region: str
    household: int | None
    relation_to_head: str
    life_status: str
    life_status_date: date | None
    version: int


class PersonDetailOut(PersonOut):
    tags: list[TagOut]
    note: str


class PersonPage(Schema):
    count: int
    count_exact: bool
    page: int
    page_size: int
    results: list[PersonOut]


class PersonIn(Schema):
    name: Any = None
    # Any, checked by the service (Chinese message id_type.unknown); the enum is declared.
    id_type: Any = Field(None, description="证件类型，默认 resident_id（居民身份证）",
                         json_schema_extra={"enum": list(Person.IdType.values)})
    id_number: Any = None
    sex: Any = None
    birth_date: Any = None
    ethnic_group: Any = None
    phone: Any = None
    residence_status: Any = None
    address: Any = None
    region: Any = None
    note: Any = None
    version: Int | None = None


def person_out(p: Person, today=None, *, full_birth_date: bool = False) -> dict:
    """A person as the API shows it. The birth date (characters 7–14 of the ID number)
    is given only to roles that may see whole ID numbers; the others get ``null`` and
    the age, since beside the masked ID it would give the whole number back."""
    today = today or timezone.localdate()
    return {
        "id": p.pk, "name": p.name, "id_type": p.id_type, "id_number": p.id_number_masked, "phone": p.phone_masked,
        "sex": p.sex, "birth_date": p.birth_date if full_birth_date else None,
        "age": rules.age_on(p.birth_date, today),
        "ethnic_group": p.ethnic_group, "residence_status": p.residence_status, "address": p.address,
        "region": p.region_id, "household": p.household_id, "relation_to_head": p.relation_to_head,
        "life_status": p.life_status, "life_status_date": p.life_status_date, "version": p.version,
    }


def person_detail(p: Person, user) -> dict:
    d = person_out(p, full_birth_date=user.can(Perm.VIEW_SENSITIVE))
    d["note"] = p.note
    d["tags"] = [{"kind": t.kind_id, "name": t.kind.name, "valid_from": t.valid_from, "valid_to": t.valid_to}
                 for t in selectors.tags_of(p)]
    return d


@router.get("/persons", response=PersonPage, summary="居民查询（姓名片段、拼音/首字母、身份证号或尾号、手机号）；count 最多数到 1000，超过时 count_exact 为 false")
def list_persons(request, q: str = "", tag: str = "", age_min: Int | None = None, age_max: Int | None = None,
                 sex: Int | None = None, region: str = "", residence_status: str = "", life_status: str = "",
                 page: Page = 1, page_size: PageSize = 50):
    page_size, page, start = paging(page, page_size)
    selectors.check_ages(age_min, age_max)  # before the search guard counts this request
    f = selectors.PersonFilters(q=q, tag=tag, age_min=age_min, age_max=age_max, sex=sex, region=region,
                                residence_status=residence_status, life_status=life_status)
    services.guard_identifier_search(actor(request), q)  # 429 search.rate_limited; audited
    qs = may_lag(selectors.search_persons(request.auth, f).order_by("id"))  # may lag: jiayuan/dbrouting.py
    rows = list(qs[start:start + page_size])
    today, full = timezone.localdate(), request.auth.can(Perm.VIEW_SENSITIVE)
    if page == 1 and len(rows) < page_size:
        count, exact = len(rows), True  # the whole result is on this page: no count query
    else:
        count, exact = selectors.capped_count(qs)
    return {"count": count, "count_exact": exact, "page": page, "page_size": page_size,
            "results": [person_out(p, today, full_birth_date=full) for p in rows]}


@router.get("/persons/{int:person_id}", response=PersonDetailOut, summary="居民详情（证件号、手机号脱敏）")
def get_person(request, person_id: Id):
    return person_detail(selectors.get_person(request.auth, person_id), request.auth)


@router.post("/persons", response={201: PersonDetailOut}, summary="登记居民")
def create_person(request, body: PersonIn):
    data = body.dict(exclude_unset=True)
    data.pop("version", None)
    return Status(201, person_detail(services.create_person(actor(request), data), request.auth))


@router.patch("/persons/{int:person_id}", response=PersonDetailOut, summary="修改居民信息（可带 version 防止覆盖他人修改）")
def update_person(request, person_id: Id, body: PersonIn):
    person = selectors.get_person(request.auth, person_id)
    data = body.dict(exclude_unset=True)
    version = data.pop("version", None)
    return person_detail(services.update_person(actor(request), person, data, expected_version=version), request.auth)


class PersonRevealOut(Schema):
    id_number: str
    phone: str


class PersonRevealIn(Schema):
    purpose: str = ""


@router.post("/persons/{int:person_id}/reveal", response=PersonRevealOut, summary="查看完整证件号和手机号（记入审计）")
def reveal(request, person_id: Id, body: PersonRevealIn | None = None):
    person = selectors.get_person(request.auth, person_id)
    values = services.reveal_sensitive(actor(request), person, purpose=(body.purpose if body else ""))
    return {"id_number": values["id_number"], "phone": values["phone"]}


class HouseholdMemberOut(Schema):
    id: int
    name: str
    relation_to_head: str
    relation_name: str
    id_number: str
    sex: int
    birth_date: date | None
    age: int


class HouseholdOut(Schema):
    id: int
    number: str
    region: str
    community: str
    address: str
    version: int
    members: list[HouseholdMemberOut]


class HouseholdMemberIn(Schema):
    person: Id
    relation_to_head: str


class HouseholdIn(Schema):
    number: str
    region: str
    address: str = ""
    head: Id
    members: BoundedList[HouseholdMemberIn, MAX_ITEMS] = []


class HouseholdUpdateIn(Schema):
    number: str | None = None
    address: str | None = None
    version: Int | None = None


def household_out(hh, user) -> dict:
    full, today = user.can(Perm.VIEW_SENSITIVE), timezone.localdate()
    return {
        "id": hh.pk, "number": hh.number, "region": hh.region_id, "community": hh.community_id,
        "address": hh.address, "version": hh.version,
        "members": [{"id": m.pk, "name": m.name, "relation_to_head": m.relation_to_head,
                     "relation_name": m.relation_name, "id_number": m.id_number_masked, "sex": m.sex,
                     "birth_date": m.birth_date if full else None, "age": rules.age_on(m.birth_date, today)}
                    for m in selectors.members_of(hh)],
    }


class HouseholdPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[HouseholdOut]


@router.get("/households", response=HouseholdPage, summary="户列表")
def list_households(request, region: str = "", number: str = "", page: Page = 1, page_size: PageSize = 50):
    page_size, page, start = paging(page, page_size)
    qs = selectors.households_for(request.auth).order_by("id")
    if region:
        qs = qs.filter(region__code__startswith=region)
    if number:
        qs = qs.filter(number=number)
    rows = list(qs.prefetch_related("members")[start:start + page_size])
    return {"count": qs.count(), "page": page, "page_size": page_size, "results": [household_out(h, request.auth) for h in rows]}


@router.get("/households/{int:household_id}", response=HouseholdOut, summary="户详情及成员")
def get_household(request, household_id: Id):
    return household_out(selectors.get_household(request.auth, household_id), request.auth)


@router.post("/households", response={201: HouseholdOut}, summary="建户（指定户主与成员）")
def create_household(request, body: HouseholdIn):
    user = request.auth
    head = selectors.get_person(user, body.head)
    members = [(selectors.get_person(user, m.person), m.relation_to_head) for m in body.members]
    hh = services.create_household(actor(request), {"number": body.number, "region": body.region,
                                                     "address": body.address}, head, members)
    return Status(201, household_out(hh, request.auth))


@router.patch("/households/{int:household_id}", response=HouseholdOut, summary="修改户号或住址")
def update_household(request, household_id: Id, body: HouseholdUpdateIn):
    hh = selectors.get_household(request.auth, household_id)
    data = body.dict(exclude_unset=True)
    version = data.pop("version", None)
    return household_out(services.update_household(actor(request), hh, data, expected_version=version), request.auth)
