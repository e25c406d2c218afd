"""Scoped reads of the workforce: community workers, social workers, exams, continuing
education, training sessions, and the figures of a region (workers per 10,000 urban
residents, cadres trained, exam-preparation classes and trainees).

Scope (``view_workforce``): a worker by their community, a social worker, an exam
registration and a training session by their ``region``; out of scope is
``NotFound`` like a record that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import BigIntegerField, CharField, Count, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat, Substr

from ..accounts.permissions import Perm
from ..errors import NotFound
from ..facilities.selectors import get_region, home_region  # noqa: F401 (the one scoped region lookup of both modules)
from ..people.models import Person
from ..regions.models import Region
from . import rules
from .models import (CommunityWorker, EducationRecord, ExamRegistration, ExamResult, SocialWorker, TrainingParticipant,
                     TrainingSession)

HOURS_NOTICE_DAYS = 180
"""A social worker short of hours appears on the to-do list this many days before the period ends."""


def grade_scheme() -> dict:
    """The career-grade scheme in force: setting ``WORKFORCE_GRADE_SCHEME`` or 三岗十八级."""
    return getattr(settings, "WORKFORCE_GRADE_SCHEME", None) or rules.DEFAULT_GRADE_SCHEME


def scheme_name() -> str:
    """The scheme's name in the active language (三岗十八级 is marked for translation)."""
    from django.utils.translation import gettext

    return gettext(grade_scheme()["name"])


def _scoped(user, qs: QuerySet, field: str) -> QuerySet:
    if not user.can(Perm.VIEW_WORKFORCE):
        return qs.none()
    scope = user.scope_code
    return qs.filter(**{f"{field}__startswith": scope}) if scope else qs


def _get(qs: QuerySet, pk, code: str):
    try:
        return qs.get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, qs.model.DoesNotExist):
        raise NotFound(code) from None


# --- community workers --------------------------------------------------------------------------

def workers_for(user) -> QuerySet:
    """Community workers (every status) whose community is in the user's scope."""
    return _scoped(user, CommunityWorker.objects.select_related("person", "community", "community__parent", "user"),
                   "community__code")


def get_worker(user, pk) -> CommunityWorker:
    return _get(workers_for(user), pk, "worker.not_found")


def search_workers(user, region: str = "", post: str = "", status: str = "active", q: str = "") -> QuerySet:
    qs = workers_for(user)
    if region:
        qs = qs.filter(community__code__startswith=region)
    if post:
        qs = qs.filter(post=post)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(person__name__contains=q)
    return qs.order_by("community_id", "post", "-grade", "id")


def grade_status(worker: CommunityWorker, on: date) -> rules.GradeStatus:
    return rules.grade_status(worker.post, worker.grade, worker.grade_since, on, grade_scheme())


def grade_steps_due(user, on: date) -> QuerySet:
    """Active workers in scope with at least one grade step due on ``on`` (a full step
    period in the grade and below the post's top): one query, for ``manage_workforce``."""
    if not user.can(Perm.MANAGE_WORKFORCE):
        return CommunityWorker.objects.none()
    scheme = grade_scheme()
    cutoff = rules.add_years(on, -int(scheme["years_per_step"]))
    below_top = Q()
    for post, (_lo, hi) in scheme["posts"].items():
        below_top |= Q(post=post, grade__lt=hi)
    return (workers_for(user).filter(status=CommunityWorker.Status.ACTIVE, grade_since__lte=cutoff)
            .filter(below_top).order_by("grade_since", "id"))


# --- social workers, exams, continuing education ------------------------------------------------

def social_workers_for(user) -> QuerySet:
    return _scoped(user, SocialWorker.objects.select_related("person", "region"), "region__code")


def get_social_worker(user, pk) -> SocialWorker:
    return _get(social_workers_for(user), pk, "social_worker.not_found")


def social_worker_of(user, person: Person) -> SocialWorker | None:
    return social_workers_for(user).filter(person=person).first()


def education_period(sw: SocialWorker, on: date) -> rules.EducationPeriod:
    """Hours of the registration period that contains ``on`` (one query)."""
    records = list(sw.education.values_list("on", "hours"))
    return rules.hours_in_period(sw.level, sw.registered_on, on, records)


def hours_shortfalls(user, on: date, notice_days: int = HOURS_NOTICE_DAYS) -> list[tuple[SocialWorker, rules.EducationPeriod]]:
    """Social workers in scope whose current period ends within ``notice_days`` of
    ``on`` with hours short of 72/90, soonest end first: two queries (for
    ``manage_workforce``)."""
    if not user.can(Perm.MANAGE_WORKFORCE):
        return []
    workers = list(social_workers_for(user))
    records: dict[int, list] = {}
    for sid, d, h in EducationRecord.objects.filter(social_worker__in=[w.pk for w in workers]).values_list(
            "social_worker_id", "on", "hours"):
        records.setdefault(sid, []).append((d, h))
    horizon = on + timedelta(days=notice_days)
    out = []
    for w in workers:
        p = rules.hours_in_period(w.level, w.registered_on, on, records.get(w.pk, []))
        if p.shortfall > 0 and p.end <= horizon:
            out.append((w, p))
    return sorted(out, key=lambda t: (t[1].end, t[0].pk))


def registrations_for(user) -> QuerySet:
    return _scoped(user, ExamRegistration.objects.select_related("person", "region").prefetch_related("results"),
                   "region__code")


def get_registration(user, pk) -> ExamRegistration:
    return _get(registrations_for(user), pk, "exam.not_found")


def exam_outcome(person: Person, level: str) -> rules.ExamOutcome:
    """The person's standing in the ``level`` exam from every passed result (all years)."""
    passes = list(ExamResult.objects.filter(registration__person=person, registration__level=level, passed=True)
                  .values_list("registration__year", "subject"))
    return rules.exam_outcome(level, passes)


def search_registrations(user, year: int | None = None, level: str = "", person: int | None = None) -> QuerySet:
    """Exam registrations in scope (as on the exams page), newest year first, with their
    results; narrowed to an exam ``year``, a ``level`` and a ``person`` id when given."""
    qs = registrations_for(user)
    if year is not None:
        qs = qs.filter(year=year)
    if level:
        qs = qs.filter(level=level)
    if person is not None:
        qs = qs.filter(person_id=person)
    return qs.order_by("-year", "person__name", "id")


def exam_outcomes(registrations) -> dict[tuple[int, str], rules.ExamOutcome]:
    """``{(person id, level): outcome}`` for the persons and levels of
    ``registrations``, as :func:`exam_outcome` gives for each, in one query."""
    keys = {(r.person_id, r.level) for r in registrations}
    if not keys:
        return {}
    passes: dict[tuple[int, str], list] = {k: [] for k in keys}
    rows = (ExamResult.objects.filter(passed=True, registration__person_id__in={p for p, _lv in keys},
                                      registration__level__in={lv for _p, lv in keys})
            .values_list("registration__person_id", "registration__level", "registration__year", "subject"))
    for pid, level, year, subject in rows:
        if (pid, level) in passes:
            passes[(pid, level)].append((year, subject))
    return {k: rules.exam_outcome(k[1], v) for k, v in passes.items()}


# --- training ------------------------------------------------------------------------------------

def sessions_for(user) -> QuerySet:
    return _scoped(user, TrainingSession.objects.select_related("region").annotate(
        enrolled=Count("participants", distinct=True),
        attended_count=Count("participants", filter=Q(participants__attended=True), distinct=True)), "region__code")


def get_session(user, pk) -> TrainingSession:
    return _get(sessions_for(user), pk, "training.not_found")


def participants() -> QuerySet:
    """Every ``TrainingParticipant`` (not scoped) annotated with ``unit_code`` (the
    region it counts in: the worker's community, or the region where the social worker
    is registered), ``person_key`` (the id of the person behind the row: a person who is
    both a community worker and a social worker has one key) and ``seat`` (session and
    person: one per person and class, whichever way the person was enrolled)."""
    return TrainingParticipant.objects.annotate(
        unit_code=Coalesce("worker__community_id", "social_worker__region_id", output_field=CharField()),
        person_key=Coalesce("worker__person_id", "social_worker__person_id", output_field=BigIntegerField()),
    ).annotate(seat=Concat(Cast("session_id", CharField()), Value(":"), Cast("person_key", CharField()),
                           output_field=CharField()))


def participants_in_scope(user) -> QuerySet:
    """:func:`participants` whose unit lies in the user's scope (``view_workforce``)."""
    return _scoped(user, participants(), "unit_code")


def participants_of(session: TrainingSession) -> QuerySet:
    return (participants().filter(session=session)
            .select_related("worker__person", "worker__community", "social_worker__person", "social_worker__region")
            .order_by("unit_code", "worker__person__name", "social_worker__person__name", "id"))


def enrolled_persons(session: TrainingSession) -> set[int]:
    """Ids of the persons enrolled in ``session`` (as community or social workers)."""
    return set(participants().filter(session=session).values_list("person_key", flat=True))


@dataclass
class WorkforceFigures:
    """Figures of a region for a period (dates inclusive): ``workers`` active in urban
    communities, ``urban_residents`` (alive persons of the registry living in urban
    communities), ``per_10k`` (against 18), ``cadres_trained`` (distinct persons who
    attended a cadre training), ``exam_classes`` and ``exam_trainees`` (persons per
    exam-preparation class, summed: person-times) and ``exam_trainee_persons``
    (distinct persons), and ``social_workers`` by level. Trainees are community workers
    and social workers of the registry, told apart by the person: one person counts
    once per class and once in the distinct counts."""

    region: Region
    start: date
    end: date
    workers: int
    urban_residents: int
    per_10k: Decimal | None
    target: Decimal
    cadres_trained: int
    cadre_sessions: int
    exam_classes: int
    exam_trainees: int
    exam_trainee_persons: int
    social_workers: dict


def attendance(code: str, start: date, end: date) -> QuerySet:
    """Attendances (:func:`participants` with ``attended``) of sessions that started in
    ``start``–``end`` (inclusive) by community workers whose community, or social
    workers whose registration region, lies under the region ``code`` (not scoped:
    callers pass a region they reached through a scoped read). Count persons by
    ``person_key`` and person-times by ``seat``, never rows. The one source of the
    training figures: :func:`figures` and the indicators ``workforce.*``
    (:mod:`jiayuan.workforce.indicators`)."""
    return participants().filter(
        Q(worker__community__code__startswith=code) | Q(social_worker__region__code__startswith=code),
        attended=True, session__starts_on__gte=start, session__starts_on__lte=end)


def figures(user, region: Region, start: date, end: date) -> WorkforceFigures:
    """The workforce figures of ``region`` (from a scoped read) for ``start``–``end``:
    the training counts come from the attendance of sessions that started in the
    period, attributed to the region of each participant (a community worker's community,
    a social worker's registration region) and counted by person."""
    if not user.can(Perm.VIEW_WORKFORCE) or not region.code.startswith(user.scope_code):
        raise NotFound("region.not_found")
    code = region.code
    urban = list(Region.objects.filter(level=Region.Level.VILLAGE, kind=Region.Kind.COMMUNITY,
                                       code__startswith=code).values_list("code", flat=True))
    workers = CommunityWorker.objects.filter(status=CommunityWorker.Status.ACTIVE, community_id__in=urban).count()
    residents = (Person.objects.filter(life_status=Person.LifeStatus.ALIVE, region__code__startswith=code)
                 .annotate(unit=Substr("region", 1, 12)).filter(unit__in=urban).count()) if urban else 0
    attended = attendance(code, start, end)
    cadre = attended.filter(session__kind=TrainingSession.Kind.CADRE_TRAINING)
    exam = attended.filter(session__kind=TrainingSession.Kind.EXAM_PREPARATION)
    levels = dict(SocialWorker.objects.filter(region__code__startswith=code).values("level")
                  .annotate(n=Count("id")).values_list("level", "n").order_by())
    return WorkforceFigures(
        region=region, start=start, end=end, workers=workers, urban_residents=residents,
        per_10k=rules.per_10k(workers, residents), target=rules.STAFFING_TARGET,
        cadres_trained=cadre.values("person_key").distinct().count(),
        cadre_sessions=cadre.values("session_id").distinct().count(),
        exam_classes=exam.values("session_id").distinct().count(), exam_trainees=exam.values("seat").distinct().count(),
        exam_trainee_persons=exam.values("person_key").distinct().count(),
        social_workers={lv: levels.get(lv, 0) for lv in rules.LEVELS},
    )


def urban_communities(code: str) -> QuerySet:
    """Codes of the urban communities (居委会) under the region ``code``."""
    return Region.objects.filter(level=Region.Level.VILLAGE, kind=Region.Kind.COMMUNITY,
                                 code__startswith=code).values_list("code", flat=True)


def workers_in_post(code: str, on: date) -> QuerySet:
    """Community workers in post on ``on`` (started by then, not left by then) in the urban
    communities under ``code`` (not scoped: callers pass a region they reached through a
    scoped read): the numerator of the staffing indicator
    (:mod:`jiayuan.workforce.indicators`)."""
    return (CommunityWorker.objects.filter(community__code__startswith=code, community__level=Region.Level.VILLAGE,
                                           community__kind=Region.Kind.COMMUNITY, started_on__lte=on)
            .filter(Q(status=CommunityWorker.Status.ACTIVE) | Q(left_on__gt=on)))


def urban_residents(code: str) -> QuerySet:
    """Alive persons of the registry living in the urban communities under ``code``
    (a grid counts in its community), annotated ``unit`` (the community's code): the
    denominator of the staffing indicator."""
    return (Person.objects.filter(life_status=Person.LifeStatus.ALIVE, region__code__startswith=code)
            .annotate(unit=Substr("region", 1, 12)).filter(unit__in=urban_communities(code)))


def children_of(region: Region) -> QuerySet:
    """The regions directly under ``region`` (a region from a scoped read), grids left out."""
    return Region.objects.filter(parent=region).exclude(level=Region.Level.GRID).order_by("code")
