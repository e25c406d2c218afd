"""Scoped reads of persons, households and tags. Every query for a user starts from
:func:`persons_for` / :func:`households_for`, so nothing outside the user's subtree is
ever returned: an object out of scope answers 404 like one that does not exist."""

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import security
from ..accounts.permissions import Perm
from ..errors import ValidationFailed, get_or_not_found
from . import rules
from .models import Household, Person, PersonTag, TagKind


def persons_for(user) -> QuerySet:
    """Persons in the user's scope; none for a role without view_registry."""
    if not user.can(Perm.VIEW_REGISTRY):
        return Person.objects.none()
    scope = user.scope_code
    qs = Person.objects.select_related("region", "household")
    return qs.filter(region__code__startswith=scope) if scope else qs


def households_for(user) -> QuerySet:
    if not user.can(Perm.VIEW_REGISTRY):
        return Household.objects.none()
    scope = user.scope_code
    qs = Household.objects.select_related("region", "community")
    return qs.filter(region__code__startswith=scope) if scope else qs


def get_person(user, pk) -> Person:
    """The person ``pk`` if visible to the user; NotFound otherwise."""
    return get_or_not_found(persons_for(user), pk=pk)


def get_household(user, pk) -> Household:
    return get_or_not_found(households_for(user), pk=pk)


def current_tags_q(on: date | None = None, prefix: str = "") -> Q:
    on = on or timezone.localdate()
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on}))


def birth_date_bounds(age_min: int | None, age_max: int | None, on: date) -> tuple[date | None, date | None]:
    """Birth-date range (earliest, latest inclusive) of persons aged age_min..age_max on ``on``,
    consistent with :func:`rules.age_on` (29 February birthdays count on 28 February)."""

    def latest_birth_for_age(a: int) -> date:
        # latest birth date d with age_on(d, on) >= a
        y = on.year - a
        try:
            d = on.replace(year=y)
        except ValueError:  # on is 29 Feb, y is a common year
            d = date(y, 2, 28)
        if on.month == 2 and on.day == 28 and rules.age_on(date(y, 2, 28), on) >= a:
            try:
                d2 = date(y, 2, 29)
                if rules.age_on(d2, on) >= a:
                    d = d2
            except ValueError:
                pass
        return d

    latest = latest_birth_for_age(age_min) if age_min is not None else None
    earliest = None
    if age_max is not None:
        # earliest birth date with age <= age_max: the day after the latest date of age_max + 1
        from datetime import timedelta

        earliest = latest_birth_for_age(age_max + 1) + timedelta(days=1)
    return earliest, latest


@dataclass
class PersonFilters:
    q: str = ""
    tag: str = ""
    age_min: int | None = None
    age_max: int | None = None
    sex: int | None = None
    region: str = ""            # grid/community/any region code inside scope
    residence_status: str = ""
    life_status: str = ""


def _name_fragment_q(qs: QuerySet, fragment: str) -> QuerySet:
    grams = rules.search_grams(fragment)
    if connection.vendor == "postgresql" and grams:
        # GIN index on to_tsvector('simple', name_grams) (migration 0002) finds the rows
        # holding every gram; the substring test rechecks that they are adjacent and in
        # order (the grams of 张建国 are also those of 建国张建).
        # The recheck is strpos inside a CASE, not LIKE: same test (literal, case
        # sensitive), but the planner estimates LIKE '%张%' from the name histogram and
        # multiplies that by the grams' estimate as if independent (1 row expected for
        # 7,000), then sorts or nests loops badly; a CASE it counts as 1/2, and it is
        # cheap, so it is tested before to_tsvector. See docs/performance.md.
        return qs.extra(
            where=[
                "to_tsvector('simple'::regconfig, people_person.name_grams) @@ plainto_tsquery('simple'::regconfig, %s)",
                "CASE WHEN strpos(people_person.name, %s) > 0 THEN true END",
            ],
            params=[" ".join(grams), fragment],
        )
    return qs.filter(name__contains=fragment)


def check_ages(age_min: int | None, age_max: int | None) -> None:
    """Raise ValidationFailed (``age_min.range`` / ``age_max.range``) for an age filter
    outside 0–150 years: past it no birth date exists to compare with."""
    for name, value in (("age_min", age_min), ("age_max", age_max)):
        if value is not None and not 0 <= value <= 150:
            raise ValidationFailed({name: [{"code": f"{name}.range", "message": _("年龄应在 0 到 150 岁之间")}]})


def search_persons(user, f: PersonFilters) -> QuerySet:
    """Persons in scope matching the filters. ``q`` is classified by rules.classify_query:
    whole ID number or phone (keyed-hash lookup), last 4 or 6 of the ID, pinyin (full or
    initials, prefix: ``zjg`` finds 张建国), else a name fragment.

    Whole numbers of the other identity documents (passport, permits, 外国人永久居留身份证):
    a text with a digit that fits one or more of their formats
    (:func:`rules.document_candidates`) is looked up by the keyed hash of each fitting
    (type, number) pair — so ``H12345678`` finds the passport and the 港澳 permit of that
    number — instead of as a name fragment; an 18-character text also as a resident ID.
    Last 4/6 characters search every type alike (the tail columns are filled the same way).
    Raises ValidationFailed for ages outside 0–150 (:func:`check_ages`); every list and
    export of persons reads here."""
    check_ages(f.age_min, f.age_max)
    qs = persons_for(user)
    kind, value = rules.classify_query(f.q or "")
    documents = rules.document_candidates(f.q or "") if kind in ("id_number", "name") else []
    if documents:
        hashed = security.lookup_hasher("id_number")
        hashes = [hashed(rules.document_key(t, n)) for t, n in documents]
        if kind == "id_number":
            hashes.insert(0, hashed(value))
        qs = qs.filter(id_number_hash__in=hashes)
    elif kind == "id_number":
        qs = qs.filter(id_number_hash=security.lookup_hash("id_number", value))
    elif kind == "phone":
        qs = qs.filter(phone_hash=security.lookup_hash("phone", value))
    elif kind == "id_tail":
        qs = qs.filter(id_tail4=value) if len(value) == 4 else qs.filter(
            id_tail6_hash=security.lookup_hash("id_tail6", value))
    elif kind == "pinyin":
        qs = qs.filter(Q(name_initials__startswith=value) | Q(name_pinyin__startswith=value))
    elif kind == "name":
        qs = _name_fragment_q(qs, value)
    if f.region:
        qs = qs.filter(region__code__startswith=f.region)
    if f.tag:
        qs = qs.filter(Exists(PersonTag.objects.filter(current_tags_q(), person=OuterRef("pk"), kind_id=f.tag)))
    if f.sex in (1, 2):
        qs = qs.filter(sex=f.sex)
    if f.age_min is not None or f.age_max is not None:
        earliest, latest = birth_date_bounds(f.age_min, f.age_max, timezone.localdate())
        if latest:
            qs = qs.filter(birth_date__lte=latest)
        if earliest:
            qs = qs.filter(birth_date__gte=earliest)
    if f.residence_status:
        qs = qs.filter(residence_status=f.residence_status)
    if f.life_status:
        qs = qs.filter(life_status=f.life_status)
    return qs


def tags_of(person: Person) -> QuerySet:
    return person.tags.select_related("kind").order_by("-valid_from")


def members_of(household: Household) -> QuerySet:
    """Members, head first, then by relation code and birth date."""
    return household.members.order_by("relation_to_head", "birth_date")


@dataclass
class ScopeCounts:
    households: int
    persons: int
    tags: list[tuple[TagKind, int]]


def scope_counts(user, region_code: str = "") -> ScopeCounts:
    """Counts for the home page: households, persons alive, and persons per current tag,
    in the user's scope (optionally narrowed to ``region_code``)."""
    persons = persons_for(user).filter(life_status=Person.LifeStatus.ALIVE)
    households = households_for(user)
    tags = PersonTag.objects.filter(current_tags_q(), person__life_status=Person.LifeStatus.ALIVE)
    scope = user.scope_code if user.can(Perm.VIEW_REGISTRY) else "-"  # no code starts with "-": nothing
    if scope:
        tags = tags.filter(region__code__startswith=scope)
    if region_code:
        persons = persons.filter(region__code__startswith=region_code)
        households = households.filter(region__code__startswith=region_code)
        tags = tags.filter(region__code__startswith=region_code)
    per_kind = dict(tags.values("kind_id").annotate(n=Count("person_id", distinct=True)).values_list("kind_id", "n"))
    kinds = list(TagKind.objects.all())
    return ScopeCounts(households.count(), persons.count(), [(k, per_kind.get(k.code, 0)) for k in kinds])


def counts_by_child(user, region, children) -> dict[str, dict]:
    """{child_code: {"persons": n, "households": n}} for the child regions of ``region``,
    one grouped query each (region codes are paths, so a child's rows share its prefix)."""
    children = list(children)
    if not children:
        return {}
    n = len(children[0].code)
    persons = (persons_for(user).filter(region__code__startswith=region.code, life_status=Person.LifeStatus.ALIVE)
               .annotate(prefix=Substr("region_id", 1, n)).values("prefix").annotate(c=Count("id")).order_by())
    households = (households_for(user).filter(region__code__startswith=region.code)
                  .annotate(prefix=Substr("region_id", 1, n)).values("prefix").annotate(c=Count("id")).order_by())
    p = {r["prefix"]: r["c"] for r in persons}
    h = {r["prefix"]: r["c"] for r in households}
    return {c.code: {"persons": p.get(c.code, 0), "households": h.get(c.code, 0)} for c in children}


# --- reads for the pages --------------------------------------------------------------

def persons_without_household(user, under: str = "") -> QuerySet:
    """Living persons in the user's scope who belong to no household (candidates for a
    new household's head and members), newest first; ``under`` narrows to a region
    code prefix (e.g. the community of the household)."""
    qs = persons_for(user).filter(household__isnull=True, life_status=Person.LifeStatus.ALIVE)
    if under:
        qs = qs.filter(region__code__startswith=under)
    return qs.order_by("-id")


def current_tag_kinds(person_ids, batch: int = 900) -> dict[int, set[str]]:
    """{person id: codes of the tag kinds valid today} for ``person_ids`` (persons
    without a current tag are absent), in queries of ``batch`` ids. Not scoped: for
    services working on persons they already hold (an import's rows)."""
    ids = list(person_ids)
    out: dict[int, set[str]] = {}
    for i in range(0, len(ids), batch):
        for pid, kind in PersonTag.objects.filter(current_tags_q(), person_id__in=ids[i:i + batch]).values_list(
                "person_id", "kind_id"):
            out.setdefault(pid, set()).add(kind)
    return out


def with_current_tags(qs: QuerySet) -> QuerySet:
    """``qs`` of persons with ``current_tags`` (list of PersonTag valid today, kind
    loaded) prefetched, for list pages."""
    from django.db.models import Prefetch

    return qs.prefetch_related(Prefetch(
        "tags", queryset=PersonTag.objects.filter(current_tags_q()).select_related("kind").order_by("kind__sort"),
        to_attr="current_tags"))


def household_heads(households) -> dict[int, Person]:
    """{household id: head} for households from :func:`households_for`."""
    ids = [h.pk for h in households]
    return {p.household_id: p for p in Person.objects.filter(household__in=ids, relation_to_head=rules.HEAD_RELATION)}


# --- counting large results -----------------------------------------------------------

COUNT_CAP = 1000


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, exact) of ``qs``, counting at most ``cap`` + 1 rows: a broad search (a
    one-character surname matches ~70,000 persons in a county) is shown as "1000+"
    instead of paying ~150 ms to count every match (docs/performance.md)."""
    n = qs[: cap + 1].count()
    return (cap, False) if n > cap else (n, True)
