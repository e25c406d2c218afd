"""``/api/v1/evaluations`` — the unified evaluation of communities: rounds the caller
reads (:func:`selectors.rounds_for`) and a round's results (totals, ranks, each score
with its basis or comment)."""

from datetime import date
from decimal import Decimal

from ninja import Router, Schema

from ...api.types import Id
from . import selectors

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
    rnd = selectors.get_round(request.auth, evaluation_id)
    res = selectors.results(rnd)
    return {**_row(rnd), "published_on": rnd.published_on, "objections_until": rnd.objections_until,
            "items": [{"id": i.pk, "name": i.name, "weight": i.weight, "source": i.source} for i in res["items"]],
            "results": [{"community": r["community"].code, "name": r["community"].name, "total": r["total"],
                         "rank": r["rank"],
                         "scores": [{"item": i.pk, "score": s.score if s else None, "basis": s.basis if s else "",
                                     "comment": s.comment if s else ""} for i, s in zip(res["items"], r["scores"])]}
                        for r in res["rows"]]}
