"""``/api/v1/evaluations`` — the unified evaluation of communities: rounds the caller
reads (:func:`selectors.rounds_for`) and a round's results (totals, ranks, each score
with its basis or comment); the street's steps (create, open scoring, score, publish,
answer objections) and a community's objections, through :mod:`.services` only."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Router, Schema
from ninja.responses import Status

from ...api.auth import actor
from ...api.types import MAX_ITEMS, BoundedList, Id
from ...errors import NotFound, ValidationFailed
from ...people.rules import N_, RuleError
from ...regions.models import Region
from ..models import EvaluationItem
from . import rules, selectors, services

router = Router(tags=["综合考核"])


class EvaluationRoundRow(Schema):
    id: int
    title: str
    township: str
    period_start: date
    period_end: date
    state: str


class EvaluationItemOut(Schema):
    id: int
    name: str
    weight: Decimal
    source: str


class EvaluationScoreOut(Schema):
    item: int
    score: Decimal | None
    basis: str
    comment: str


class EvaluationResultRow(Schema):
    community: str
    name: str
    total: Decimal
    rank: int
    scores: list[EvaluationScoreOut]


class EvaluationOut(EvaluationRoundRow):
    published_on: date | None
    objections_until: date | None
    items: list[EvaluationItemOut]
    results: list[EvaluationResultRow]


def _row(r) -> dict:
    return {"id": r.pk, "title": r.title, "township": r.township_id, "period_start": r.period_start,
            "period_end": r.period_end, "state": r.state}


@router.get("/evaluations", response=list[EvaluationRoundRow], summary="综合考核（可查看的，最新在前，最多 200 个）")
def list_rounds(request):
    return [_row(r) for r in selectors.rounds_for(request.auth).order_by("-period_end", "-id")[:200]]


@router.get("/evaluations/{evaluation_id}", response=EvaluationOut, summary="综合考核结果：总分、名次、各项得分及依据")
def detail(request, evaluation_id: Id):
    return _round_out(selectors.get_round(request.auth, evaluation_id))


# --- writes: through the services only (422 naming the field, 403, 404 out of scope, 409 wrong state)

class EvaluationItemIn(Schema):
    name: str
    weight: Decimal
    source: str = rules.SCORED


class EvaluationRoundIn(Schema):
    township: str
    title: str = ""
    start: date
    end: date
    items: BoundedList[EvaluationItemIn, MAX_ITEMS]


class EvaluationScoreIn(Schema):
    item: Id
    community: str
    score: Decimal
    comment: str


class EvaluationObjectionIn(Schema):
    text: str


class EvaluationAnswerIn(Schema):
    upheld: bool
    answer: str


class EvaluationObjectionOut(Schema):
    id: int
    community: str
    text: str
    raised_at: datetime
    upheld: bool | None
    answer: str
    answered_at: datetime | None


def _round_out(rnd) -> dict:
    res = selectors.results(rnd)
    return {**_row(rnd), "published_on": rnd.published_on, "objections_until": rnd.objections_until,
            "items": [{"id": i.pk, "name": i.name, "weight": i.weight, "source": i.source} for i in res["items"]],
            "results": [{"community": r["community"].code, "name": r["community"].name, "total": r["total"],
                         "rank": r["rank"],
                         "scores": [{"item": i.pk, "score": s.score if s else None, "basis": s.basis if s else "",
                                     "comment": s.comment if s else ""} for i, s in zip(res["items"], r["scores"])]}
                        for r in res["rows"]]}


def _objection_out(o) -> dict:
    return {"id": o.pk, "community": o.community_id, "text": o.text, "raised_at": o.raised_at, "upheld": o.upheld,
            "answer": o.answer, "answered_at": o.answered_at}


@router.post("/evaluations", response={201: EvaluationOut},
             summary="设立综合考核（乡镇街道；各项权重之和须为 100 分；评分方式 scored 或计算指标代码）")
def create(request, body: EvaluationRoundIn):
    township = Region.objects.filter(code=body.township.strip() or "-", level="township").first()
    rnd = services.create_round(actor(request), township, title=body.title, start=body.start, end=body.end,
                                items=[(i.name, i.weight, i.source) for i in body.items])
    return Status(201, _round_out(selectors.get_round(request.auth, rnd.pk)))


@router.post("/evaluations/{evaluation_id}/open", response=EvaluationOut,
             summary="开始评分（指标固定，计算指标按平台记录计算并保留依据）")
def open_scoring(request, evaluation_id: Id):
    rnd = services.open_scoring(actor(request), selectors.get_round(request.auth, evaluation_id))
    return _round_out(rnd)


@router.post("/evaluations/{evaluation_id}/scores", response={201: EvaluationScoreOut},
             summary="评议打分（0–100 分并附评语；公布后仅在异议成立时更正）")
def give_score(request, evaluation_id: Id, body: EvaluationScoreIn):
    rnd = selectors.get_round(request.auth, evaluation_id)
    item = EvaluationItem.objects.filter(round=rnd, pk=body.item).first()
    if item is None:
        raise ValidationFailed.from_rule_errors([RuleError("evaluation.item", N_("只能为评议打分的指标评分"),
                                                           field="item")])
    community = Region.objects.filter(code=body.community.strip() or "-").first()
    s = services.score(actor(request), rnd, item, community, value=body.score, comment=body.comment)
    s.refresh_from_db(fields=["score"])  # as stored: two decimals
    return Status(201, {"item": item.pk, "score": s.score, "basis": s.basis, "comment": s.comment})


@router.post("/evaluations/{evaluation_id}/publish", response=EvaluationOut,
             summary="公布考核结果（每个社区每项均已评分；异议期 7 日）")
def publish(request, evaluation_id: Id):
    return _round_out(services.publish(actor(request), selectors.get_round(request.auth, evaluation_id)))


@router.get("/evaluations/{evaluation_id}/objections", response=list[EvaluationObjectionOut],
            summary="考核异议（组织方：全部；社区：本社区的）")
def objections(request, evaluation_id: Id):
    rnd = selectors.get_round(request.auth, evaluation_id)
    return [_objection_out(o) for o in selectors.objections_of(rnd, request.auth)]


@router.post("/evaluations/{evaluation_id}/objections", response={201: EvaluationObjectionOut},
             summary="社区对本社区已公布的考核结果提出异议（异议期内）")
def object_to(request, evaluation_id: Id, body: EvaluationObjectionIn):
    rnd = selectors.get_round(request.auth, evaluation_id)
    return Status(201, _objection_out(services.object_to(actor(request), rnd, body.text)))


@router.post("/evaluations/{evaluation_id}/objections/{objection_id}/answer", response=EvaluationObjectionOut,
             summary="答复异议（异议成立的，可更正该社区得分）")
def answer(request, evaluation_id: Id, objection_id: Id, body: EvaluationAnswerIn):
    rnd = selectors.get_round(request.auth, evaluation_id)
    o = selectors.objections_of(rnd, request.auth).filter(pk=objection_id).first()
    if o is None:
        raise NotFound("evaluation.objection_not_found")
    return _objection_out(services.answer_objection(actor(request), o, upheld=body.upheld, answer=body.answer))
