"""Reads of the unified evaluation: rounds in scope, the computed items' numbers and the
rows behind them, results (totals and ranking), and the work waiting (scores to give,
objections to answer).

Who reads what: ``run_evaluations`` holders (township and county officers) read and
run the rounds of the streets in their scope; a community's workers read the
*published* rounds of their street (every community's results: publication is the
point) and object to their own; nobody else reads any.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...accounts.permissions import Perm
from ...assistance.models import AssistanceApplication
from ...assistance.selectors.applications import applications_for
from ...children.models import ChildFile, ChildFileClosure, ChildVisit
from ...children.selectors import files_for, risk_grades
from ...cases.models import Case, CaseEvent
from ...cases.selectors import cases_for
from ...errors import NotFound
from ...people.models import Person
from ...people.selectors import persons_for
from ...regions.models import Region
from ..models import (EvaluationItem, EvaluationObjection, EvaluationRound, EvaluationScore, MediationAgreement,
                      MediationFollowUp)
from . import rules


def may_run(user) -> bool:
    return user.is_authenticated and user.can(Perm.RUN_EVALUATIONS)


def rounds_for(user) -> QuerySet:
    """Rounds the user reads: every round of a street in scope for those who run them;
    the published rounds of their own street for a community's workers; none else."""
    qs = EvaluationRound.objects.select_related("township")
    if not user.is_authenticated:
        return qs.none()
    if may_run(user):
        return qs if user.is_superuser else qs.filter(township__code__startswith=user.scope_code)
    if user.can(Perm.MANAGE_BODIES) and len(user.scope_code) >= 12:  # a community's workers
        return qs.filter(state=EvaluationRound.State.PUBLISHED, township_id=user.scope_code[:9])
    return qs.none()


def get_round(user, pk) -> EvaluationRound:
    try:
        return rounds_for(user).get(pk=int(pk))
    except (EvaluationRound.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("evaluation.not_found") from None


def communities_of(rnd: EvaluationRound) -> QuerySet:
    """The communities and villages of the round's street (every one is evaluated)."""
    return Region.objects.filter(level="village", code__startswith=rnd.township_id).order_by("code")


def items_of(rnd: EvaluationRound) -> list[EvaluationItem]:
    return list(EvaluationItem.objects.filter(round=rnd).order_by("order", "id"))


# --- computed items: the number and the rows behind it ---------------------------------------

@dataclass
class MetricRows:
    queryset: QuerySet
    columns: list  # [(label, callable row -> value)]
    link: object   # row -> url


def _late() -> Exists:
    return Exists(CaseEvent.objects.filter(case=OuterRef("pk"), kind__in=(CaseEvent.Kind.WARN, CaseEvent.Kind.ESCALATE)))


def _closed(qs, code: str, start: date, end: date):
    return qs.filter(region__code__startswith=code, is_open=False, closed_at__date__range=(start, end))


def _performed() -> Exists:
    return Exists(MediationFollowUp.objects.filter(file=OuterRef("file"), performance="full"))


def _agreements(code: str, start: date, end: date):
    return MediationAgreement.objects.filter(file__case__region__code__startswith=code,
                                             performance_deadline__range=(start, end))


def _decided(qs, code: str, start: date, end: date):
    return (qs.filter(region__code__startswith=code, decided_at__isnull=False,
                      decided_at__date__range=(start, end)).select_related("case").order_by("decided_at", "pk"))


def decided_in_time(app: AssistanceApplication) -> bool:
    """The application was decided on or before the last day of its process (30 working
    days after acceptance, 45 when extended: ``case.data["process_due"]``, set at
    acceptance by the assistance app). Without a process deadline (never accepted) it
    is not in time."""
    due = (app.case.data or {}).get("process_due")
    return bool(due) and timezone.localtime(app.decided_at).date() <= date.fromisoformat(due)


def _child_files(qs, code: str, end: date):
    return (qs.filter(region__code__startswith=code, opened_on__lte=end)
            .prefetch_related(Prefetch("visits", ChildVisit.objects.order_by("visited_on", "pk")),
                              Prefetch("closures", ChildFileClosure.objects.all()))
            .order_by("person__name", "pk"))


def file_visits(f: ChildFile, start: date, end: date, months: dict | None = None) -> tuple[int, int]:
    """``(due, done)`` of a child's file in the period (:func:`rules.visits_due`; the
    end no later than today; visits and closures prefetched)."""
    months = months if months is not None else {g["code"]: g["months"] for g in risk_grades()}
    visits = list(f.visits.all())
    first = visits[0].risk_before if visits else f.risk
    return rules.visits_due(f.opened_on, first, [(v.visited_on, v.risk_after) for v in visits], months, start,
                            min(end, timezone.localdate()),
                            [(c.closed_on, c.reopened_on) for c in f.closures.all()])


def metric(code: str, community: str, start: date, end: date) -> tuple[int, int]:
    """``(numerator, denominator)`` of a computed item for a community and period:

    - ``cases_on_time``: cases of the community closed in the period (any case type)
      that were never warned or escalated as overdue / all closed in the period;
    - ``mediation_performed``: mediation agreements whose performance deadline falls in
      the period with a follow-up finding them fully performed / all those agreements;
    - ``registry_households``: living residents of the community in a household / all
      living residents (the registry's state now: a stock);
    - ``assistance_in_time``: assistance applications of the community decided
      (approved or refused) in the period on or before their process deadline (30
      working days after acceptance, 45 when extended; 社会救助暂行办法, 民发〔2021〕57号) /
      all decided in the period (:func:`decided_in_time`);
    - ``visits_done``: children's visits (儿童主任 and care teams, by risk grade) of the
      community's files falling due in the period, up to today, made by their due date /
      all falling due (:func:`file_visits`, :func:`rules.visits_due`).
    """
    if code == "cases_on_time":
        closed = _closed(Case.objects.all(), community, start, end)
        return closed.exclude(_late()).count(), closed.count()
    if code == "mediation_performed":
        agreements = _agreements(community, start, end)
        return agreements.filter(_performed()).count(), agreements.count()
    if code == "registry_households":
        alive = Person.objects.filter(region__code__startswith=community, life_status=Person.LifeStatus.ALIVE)
        return alive.filter(household__isnull=False).count(), alive.count()
    if code == "assistance_in_time":
        decided = list(_decided(AssistanceApplication.objects.all(), community, start, end))
        return sum(1 for a in decided if decided_in_time(a)), len(decided)
    if code == "visits_done":
        months = {g["code"]: g["months"] for g in risk_grades()}
        counts = [file_visits(f, start, end, months) for f in _child_files(ChildFile.objects.all(), community, end)]
        return sum(d for _, d in counts), sum(n for n, _ in counts)
    raise KeyError(code)


def metric_rows(user, code: str, community: str, start: date, end: date) -> MetricRows:
    """The records behind a computed number, read through their own module's scoped
    selector (a reader who may not read them gets fewer rows or none)."""
    if code == "cases_on_time":
        qs = _closed(cases_for(user), community, start, end).annotate(late=_late()).order_by("closed_at")
        return MetricRows(qs, [(_("编号"), lambda c: c.number), (_("标题"), lambda c: c.title),
                               (_("办结时间"), lambda c: c.closed_at), (_("按期"), lambda c: not c.late)],
                          lambda c: reverse("cases:case_detail", args=[c.number]))
    if code == "mediation_performed":
        qs = (_agreements(community, start, end).filter(file__case__in=cases_for(user)).annotate(done=_performed())
              .select_related("file__case").order_by("performance_deadline"))
        return MetricRows(qs, [(_("编号"), lambda a: a.file.case.number), (_("履行期限"), lambda a: a.performance_deadline),
                               (_("已全部履行"), lambda a: a.done)],
                          lambda a: reverse("governance:mediation_detail", args=[a.file.case.number]))
    if code == "registry_households":
        qs = persons_for(user).filter(region__code__startswith=community, life_status=Person.LifeStatus.ALIVE,
                                      household__isnull=True).order_by("id")
        return MetricRows(qs, [(_("姓名"), lambda p: p.name), (_("未入户"), lambda p: True)],
                          lambda p: reverse("web:person_detail", args=[p.pk]))
    if code == "assistance_in_time":
        qs = _decided(applications_for(user), community, start, end)
        return MetricRows(qs, [(_("编号"), lambda a: a.case.number), (_("决定"), lambda a: a.get_decision_display()),
                               (_("决定时间"), lambda a: timezone.localtime(a.decided_at)),
                               (_("办理期限"), lambda a: (a.case.data or {}).get("process_due")),
                               (_("按时"), decided_in_time)],
                          lambda a: reverse("assistance:application_detail", args=[a.case.number]))
    if code == "visits_done":
        qs = _child_files(files_for(user), community, end)
        return MetricRows(qs, [(_("姓名"), lambda f: f.person.name),
                               (_("应探访次数"), lambda f: file_visits(f, start, end)[0]),
                               (_("按期探访次数"), lambda f: file_visits(f, start, end)[1])],
                          lambda f: reverse("children:file_detail", args=[f.pk]))
    raise KeyError(code)


# --- results ----------------------------------------------------------------------------------

def results(rnd: EvaluationRound) -> dict:
    """The round's table: ``items``; ``rows`` = one per community ``{community, scores:
    [EvaluationScore | None per item], total, rank}`` ordered by rank then code;
    totals by :func:`rules.total`, ranks by :func:`rules.rank`. Three queries."""
    items = items_of(rnd)
    communities = list(communities_of(rnd))
    scores = {(s.item_id, s.community_id): s for s in EvaluationScore.objects.filter(item__round=rnd)}
    rows = []
    for c in communities:
        got = [scores.get((i.pk, c.code)) for i in items]
        rows.append({"community": c, "scores": got,
                     "total": rules.total([(i.weight, s.score if s else None) for i, s in zip(items, got)])})
    ranks = rules.rank({r["community"].code: r["total"] for r in rows})
    for r in rows:
        r["rank"] = ranks[r["community"].code]
    rows.sort(key=lambda r: (r["rank"], r["community"].code))
    return {"items": items, "rows": rows,
            "missing": sum(1 for r in rows for s in r["scores"] if s is None)}


def objections_of(rnd: EvaluationRound, user) -> QuerySet:
    """Objections of the round: all for those who run it; a community's own otherwise."""
    qs = EvaluationObjection.objects.filter(round=rnd).select_related("community", "raised_by", "answered_by")
    if may_run(user):
        return qs
    return qs.filter(community_id=user.scope_code[:12])


def rounds_to_score(user) -> list[EvaluationRound]:
    """Rounds in scoring in the user's scope (``run_evaluations``) where some community
    still lacks a score on some item (rounds are few: each is checked through
    :func:`results`), oldest period first."""
    if not may_run(user):
        return []
    return [r for r in rounds_for(user).filter(state=EvaluationRound.State.SCORING).order_by("period_end", "id")
            if results(r)["missing"]]


def objections_to_answer(user) -> QuerySet:
    if not may_run(user):
        return EvaluationObjection.objects.none()
    qs = EvaluationObjection.objects.filter(answered_at__isnull=True).select_related("round", "community")
    if not user.is_superuser:
        qs = qs.filter(round__township__code__startswith=user.scope_code)
    return qs.order_by("raised_at")

