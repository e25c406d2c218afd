"""Writes of the unified evaluation (``run_evaluations`` for the street's steps; a
community's workers object). One transaction each, audited.

Steps of a round: :func:`create_round` with its items (draft) → :func:`open_scoring`
(the items are fixed and the computed ones are computed for every community) →
:func:`score` by evaluators with comments → :func:`publish` (every community scored;
objections open for :data:`rules.OBJECTION_DAYS` days) → :func:`object_to` by a
community → :func:`answer_objection` (an upheld objection lets the street correct that
community's score with :func:`score`, in the published round, with the reason).
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, NotFound, ValidationFailed
from ...people.rules import N_, RuleError
from ..models import EvaluationItem, EvaluationObjection, EvaluationRound, EvaluationScore
from . import rules, selectors


def _require(actor: Actor) -> None:
    if not actor.user.can(Perm.RUN_EVALUATIONS):
        raise Forbidden("permission_denied", _("综合考核由乡镇（街道）组织"))


def _one(field, code, template, params=None):
    return ValidationFailed.from_rule_errors([RuleError(code, template, params, field=field)])


@transaction.atomic
def create_round(actor: Actor, township, *, title: str, start: date | None, end: date | None,
                 items: list[tuple[str, object, str]]) -> EvaluationRound:
    """A round of the street ``township`` (in scope) for the period ``start``–``end``
    with its items (:func:`rules.check_items`: weights summing to 100). One round per
    street and period."""
    _require(actor)
    if township is None or township.level != "township" or not township.code.startswith(actor.user.scope_code):
        raise _one("township", "evaluation.township", N_("请选择您管辖范围内的乡镇（街道）"))
    errors = rules.check_items(items)
    if start is None or end is None or start > end:
        errors.append(RuleError("evaluation.period", N_("请填写考核期（起不晚于止）"), field="start"))
    if errors:
        raise ValidationFailed.from_rule_errors(errors)
    if EvaluationRound.objects.filter(township=township, period_start=start, period_end=end).exists():
        raise Conflict("evaluation.exists", _("该乡镇（街道）此考核期已有综合考核"))
    rnd = EvaluationRound.objects.create(township=township, title=(title or "").strip()[:100]
                                         or f"{township.name}{start.year}年度社区综合考核",
                                         period_start=start, period_end=end, created_by=actor.user,
                                         created_at=timezone.now())
    EvaluationItem.objects.bulk_create([EvaluationItem(round=rnd, name=n.strip(), weight=w, source=s, order=i)
                                        for i, (n, w, s) in enumerate(items)])
    record(actor, "evaluation.create", rnd, region_code=township.code, extra={"items": len(items)})
    return rnd


def _locked(rnd: EvaluationRound, actor: Actor) -> EvaluationRound:
    rnd = EvaluationRound.objects.select_for_update().select_related("township").get(pk=rnd.pk)
    if not rnd.township_id.startswith(actor.user.scope_code):
        raise NotFound("evaluation.not_found")
    return rnd


@transaction.atomic
def open_scoring(actor: Actor, rnd: EvaluationRound) -> EvaluationRound:
    """Fix the items and compute the computed ones for every community of the street
    (:func:`selectors.metric`, :func:`rules.ratio_score`; the basis kept as
    ``"numerator/denominator"``)."""
    _require(actor)
    rnd = _locked(rnd, actor)
    if rnd.state != EvaluationRound.State.DRAFT:
        raise Conflict("evaluation.state", _("考核已开始评分"))
    now = timezone.now()
    rows = []
    for item in selectors.items_of(rnd):
        if item.source == rules.SCORED:
            continue
        for c in selectors.communities_of(rnd):
            num, den = selectors.metric(item.source, c.code, rnd.period_start, rnd.period_end)
            rows.append(EvaluationScore(item=item, community=c, score=rules.ratio_score(num, den),
                                        basis=f"{num}/{den}", scored_at=now))
    EvaluationScore.objects.bulk_create(rows)
    rnd.state = EvaluationRound.State.SCORING
    rnd.save(update_fields=["state"])
    record(actor, "evaluation.open", rnd, region_code=rnd.township_id, extra={"computed": len(rows)})
    return rnd


@transaction.atomic
def score(actor: Actor, rnd: EvaluationRound, item: EvaluationItem, community, *, value, comment: str) -> EvaluationScore:
    """An evaluator's score (0–100) with a comment on a scored item, while scoring; or,
    in a published round, a correction after an upheld objection of that community."""
    _require(actor)
    rnd = _locked(rnd, actor)
    if item.round_id != rnd.pk or item.source != rules.SCORED:
        raise _one("item", "evaluation.item", N_("只能为评议打分的指标评分"))
    if community is None or community.level != "village" or not community.code.startswith(rnd.township_id):
        raise _one("community", "evaluation.community", N_("请选择本乡镇（街道）的社区（村）"))
    if rnd.state == EvaluationRound.State.PUBLISHED:
        if not EvaluationObjection.objects.filter(round=rnd, community=community, upheld=True).exists():
            raise Conflict("evaluation.published", _("考核结果已公布；异议成立后方可更正得分"))
    elif rnd.state != EvaluationRound.State.SCORING:
        raise Conflict("evaluation.state", _("考核尚未开始评分"))
    errors = rules.check_score(value, comment)
    if errors:
        raise ValidationFailed.from_rule_errors(errors)
    obj, created = EvaluationScore.objects.update_or_create(
        item=item, community=community,
        defaults={"score": value, "comment": comment.strip()[:300], "scored_by": actor.user, "scored_at": timezone.now()})
    record(actor, "evaluation.score", obj, region_code=community.code,
           extra={"item": item.name, "score": str(value), "corrected": rnd.state == EvaluationRound.State.PUBLISHED})
    return obj


@transaction.atomic
def publish(actor: Actor, rnd: EvaluationRound) -> EvaluationRound:
    """Publish the results when every community has a score on every item; objections
    are open until :data:`rules.OBJECTION_DAYS` days later."""
    _require(actor)
    rnd = _locked(rnd, actor)
    if rnd.state != EvaluationRound.State.SCORING:
        raise Conflict("evaluation.state", _("只能公布评分中的考核"))
    missing = selectors.results(rnd)["missing"]
    if missing:
        raise Conflict("evaluation.missing", _("还有 %(n)s 项得分未评定") % {"n": missing})
    today = timezone.localdate()
    rnd.state, rnd.published_on = EvaluationRound.State.PUBLISHED, today
    rnd.objections_until = today + timedelta(days=rules.OBJECTION_DAYS)
    rnd.save(update_fields=["state", "published_on", "objections_until"])
    record(actor, "evaluation.publish", rnd, region_code=rnd.township_id)
    return rnd


OBJECTION_MAX = 2000   # characters of an objection's facts and reasons
ANSWER_MAX = 1000      # characters of the street's answer (the form's bound)


@transaction.atomic
def object_to(actor: Actor, rnd: EvaluationRound, text: str) -> EvaluationObjection:
    """A community's worker objects to their community's published result, within the
    window."""
    user = actor.user
    community = user.scope_code[:12]
    if len(user.scope_code) < 12 or not user.can(Perm.MANAGE_BODIES) or not community.startswith(rnd.township_id):
        raise NotFound("evaluation.not_found")
    if not rules.may_object(rnd.state, rnd.objections_until, timezone.localdate()):
        raise Conflict("evaluation.objection_closed", _("不在异议期内"))
    if not (text or "").strip():
        raise _one("text", "evaluation.objection_text", N_("请写明异议的事实和理由"))
    if len(text.strip()) > OBJECTION_MAX:
        raise _one("text", "evaluation.objection_text", N_("异议不能超过 2000 字"))
    o = EvaluationObjection.objects.create(round=rnd, community_id=community, text=text.strip(), raised_by=user,
                                           raised_at=timezone.now())
    record(actor, "evaluation.object", o, region_code=community)
    return o


@transaction.atomic
def answer_objection(actor: Actor, objection: EvaluationObjection, *, upheld: bool, answer: str) -> EvaluationObjection:
    _require(actor)
    objection = EvaluationObjection.objects.select_for_update().select_related("round").get(pk=objection.pk)
    if not objection.round.township_id.startswith(actor.user.scope_code):
        raise NotFound("evaluation.not_found")
    if objection.answered_at is not None:
        raise Conflict("evaluation.answered", _("该异议已答复"))
    if not (answer or "").strip():
        raise _one("answer", "evaluation.answer", N_("请填写答复"))
    if len(answer.strip()) > ANSWER_MAX:
        raise _one("answer", "evaluation.answer", N_("答复不能超过 1000 字"))
    objection.upheld, objection.answer = upheld, answer.strip()
    objection.answered_by, objection.answered_at = actor.user, timezone.now()
    objection.save(update_fields=["upheld", "answer", "answered_by", "answered_at"])
    record(actor, "evaluation.answer", objection, region_code=objection.community_id, extra={"upheld": upheld})
    return objection


def export_results(actor: Actor, rnd: EvaluationRound) -> tuple[bytes, str, str, int]:
    """The round's results (read through :func:`selectors.get_round` by the caller) as a
    workbook: ``(bytes, Chinese file name, ASCII fallback, rows)`` — rank, community,
    total, and per item the score with its basis or comment. Needs ``export``
    (Forbidden otherwise); audited ``evaluation.export`` with the row count."""
    from django.utils import translation

    from .. import exports

    if not actor.user.can(Perm.EXPORT):
        raise Forbidden("permission_denied", _("您的角色不能导出数据"))
    with translation.override("zh-hans"):
        headers, rows = exports.evaluation_sheet(selectors.results(rnd))
        name, fallback = exports.file_names("综合考核结果", "evaluation", rnd.township, rnd.period_start,
                                            rnd.period_end)
        data, n = exports.workbook("综合考核结果", exports.title(rnd.title, rnd.township, rnd.period_start,
                                                           rnd.period_end, actor.user), headers, rows, text={1})
    with transaction.atomic():
        record(actor, "evaluation.export", rnd, region_code=rnd.township_id, extra={"rows": n})
    return data, name, fallback, n
