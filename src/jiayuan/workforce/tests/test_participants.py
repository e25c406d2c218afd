"""Training participants are community workers or social workers of the registry (exactly
one of the two, checked by the database too), and the training figures count persons by
the person id: a person who is both a community worker and a social worker counts once.

东街街道 by hand (sessions this year, region 东街):

- 李娜: community worker of 交通巷 *and* social worker registered in 交通巷 (one person);
- 张伟: community worker of 甘泉;
- 赵敏: social worker of a social organization, registered at 东街街道 itself.

Exam-preparation class 1: 李娜 (as worker; her social-worker id is skipped), 张伟, 赵敏 —
all attended. Class 2: 赵敏, 李娜 — attended. Cadre training 1: 李娜 as worker; cadre
training 2: 李娜 as social worker and 赵敏 — all attended.
"""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiayuan.audit.models import AuditEntry
from jiayuan.conftest import make_id_number
from jiayuan.errors import ValidationFailed
from jiayuan.regions.models import Region
from jiayuan.stats import registry
from jiayuan.stats.rules import parse_period
from jiayuan.workforce import selectors, services
from jiayuan.workforce.models import TrainingParticipant

from .conftest import DONGJIE, GANQUAN, JIAOTONGXIANG

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def session(township, kind, title, month):
    return services.create_session(township, {
        "title": title, "organizer": "甘州区民政局", "kind": kind, "region": DONGJIE,
        "starts_on": f"{YEAR}-{month:02d}-10", "ends_on": f"{YEAR}-{month:02d}-12", "hours": "16"})


@pytest.fixture
def dongjie(worker, township, make_person):
    li = worker("李娜")
    zhang = worker("张伟", community=GANQUAN)
    li_sw = services.record_social_worker(township, li.person, {
        "level": "assistant", "certificate_number": "A-0001", "certified_on": "2023-06-01", "region": JIAOTONGXIANG})
    zhao = make_person(region=JIAOTONGXIANG, name="赵敏", id_number=make_id_number(date(1990, 2, 2), 2))
    zhao_sw = services.record_social_worker(township, zhao, {
        "level": "intermediate", "certificate_number": "S-0002", "certified_on": "2022-06-01", "region": DONGJIE})
    return li, zhang, li_sw, zhao_sw


def test_the_figures_count_persons_whichever_way_they_were_enrolled(dongjie, township, users):
    li, zhang, li_sw, zhao_sw = dongjie
    exam1 = session(township, "exam_preparation", "考前辅导一班", 3)
    exam2 = session(township, "exam_preparation", "考前辅导二班", 4)
    cadre1 = session(township, "cadre_training", "社区干部培训一期", 5)
    cadre2 = session(township, "cadre_training", "社区干部培训二期", 6)
    # 李娜 named both ways: enrolled once, as the community worker
    assert services.enroll(township, exam1, [li.pk, zhang.pk], [li_sw.pk, zhao_sw.pk]) == 3
    assert services.enroll(township, exam1, [], [li_sw.pk]) == 0          # already in, as a worker
    assert services.enroll(township, exam2, [li.pk], [zhao_sw.pk]) == 2
    assert services.enroll(township, cadre1, [li.pk]) == 1
    assert services.enroll(township, cadre2, [], [li_sw.pk, zhao_sw.pk]) == 2
    for s, workers, social in ((exam1, [li, zhang], [zhao_sw]), (exam2, [li], [zhao_sw]), (cadre1, [li], []),
                               (cadre2, [], [li_sw, zhao_sw])):
        for w in workers:
            services.set_attendance(township, s, w.pk, True)
        for sw in social:
            services.set_attendance(township, s, None, True, social_worker_id=sw.pk)
    entry = AuditEntry.objects.filter(action="training.enroll", object_id=str(exam1.pk)).earliest("id")
    assert entry.extra == {"workers": [li.pk, zhang.pk], "social_workers": [zhao_sw.pk]}

    def figures(code):
        return selectors.figures(users["township"], Region.objects.get(code=code), date(YEAR, 1, 1),
                                 date(YEAR, 12, 31))

    f = figures(DONGJIE)
    # classes: 2; trainees per class: class 1 {李娜, 张伟, 赵敏} = 3, class 2 {赵敏, 李娜} = 2 → 5 person-times;
    # distinct persons {李娜, 张伟, 赵敏} = 3
    assert (f.exam_classes, f.exam_trainees, f.exam_trainee_persons) == (2, 5, 3)
    # cadres: {李娜 (as worker in 1, as social worker in 2), 赵敏} = 2 persons in 2 sessions
    assert (f.cadres_trained, f.cadre_sessions) == (2, 2)
    # 交通巷: 李娜 only (赵敏 is registered at the street, not in 交通巷): 2 classes, 1 trainee per class
    g = figures(JIAOTONGXIANG)
    assert (g.exam_classes, g.exam_trainees, g.exam_trainee_persons, g.cadres_trained) == (2, 2, 1, 1)
    h = figures(GANQUAN)
    assert (h.exam_classes, h.exam_trainees, h.cadres_trained) == (1, 1, 0)

    # the indicators give the same numbers, for the street and for each community in one go
    period = parse_period(str(YEAR))
    street = Region.objects.get(code=DONGJIE)
    assert [registry.value(c, street, period) for c in ("workforce.cadres_trained", "workforce.exam_classes",
                                                         "workforce.exam_trainees")] == [2, 2, 5]
    children = list(Region.objects.filter(code__in=[JIAOTONGXIANG, GANQUAN]).order_by("code"))
    rule = registry.rule_of("workforce.exam_trainees")
    assert rule.by_child(street, period, children) == {JIAOTONGXIANG: 2, GANQUAN: 1}
    rule = registry.rule_of("workforce.cadres_trained")
    assert rule.by_child(street, period, children) == {JIAOTONGXIANG: 1, GANQUAN: 0}
    # the rows behind the values: one per person (cadres), one per person and class (trainees)
    rows = registry.rule_of("workforce.cadres_trained").rows(users["township"], street, period)
    assert sorted(r.person.name for r in rows.queryset) == sorted(["李娜", "赵敏"])
    rows = registry.rule_of("workforce.exam_trainees").rows(users["township"], street, period)
    assert rows.queryset.count() == 5


def test_a_participant_is_exactly_one_of_the_two_and_once_per_session(dongjie, township):
    li, zhang, li_sw, zhao_sw = dongjie
    s = session(township, "exam_preparation", "考前辅导", 3)
    for kwargs in ({}, {"worker": li, "social_worker": zhao_sw}):
        with pytest.raises(IntegrityError), transaction.atomic():
            TrainingParticipant.objects.create(session=s, **kwargs)
    TrainingParticipant.objects.create(session=s, social_worker=zhao_sw)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingParticipant.objects.create(session=s, social_worker=zhao_sw)
    TrainingParticipant.objects.create(session=s, worker=zhang)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingParticipant.objects.create(session=s, worker=zhang)


def test_a_social_worker_of_another_region_is_refused(dongjie, township, make_person):
    li, zhang, li_sw, zhao_sw = dongjie
    s = services.create_session(township, {"title": "甘泉培训", "organizer": "甘泉社区", "kind": "other",
                                           "region": GANQUAN, "starts_on": f"{YEAR}-01-01",
                                           "ends_on": f"{YEAR}-01-01", "hours": "2"})
    with pytest.raises(ValidationFailed) as e:
        services.enroll(township, s, [], [li_sw.pk])       # registered in 交通巷
    assert e.value.code == "social_workers.not_found"
    with pytest.raises(ValidationFailed) as e:
        services.enroll(township, s, [], [])
    assert e.value.code == "workers.count"
    with pytest.raises(ValidationFailed) as e:
        services.enroll(township, s, ["x"], [])
    assert e.value.code == "workers.format"
    with pytest.raises(ValidationFailed) as e:
        services.set_attendance(township, s, None, True)
    assert e.value.code == "worker.missing"
    assert not s.participants.exists()


def test_api_and_page_enroll_and_mark_social_workers(dongjie, township, api_client, page_client):
    li, zhang, li_sw, zhao_sw = dongjie
    c = api_client("township")
    r = c.post("/api/v1/workforce/training", {"title": "考前辅导", "organizer": "甘州区民政局",
                                              "kind": "exam_preparation", "region": DONGJIE,
                                              "starts_on": f"{YEAR}-03-01", "ends_on": f"{YEAR}-03-05",
                                              "hours": "30"}, content_type="application/json")
    sid = r.json()["id"]
    r = c.post(f"/api/v1/workforce/training/{sid}/participants", {"social_workers": [zhao_sw.pk, li_sw.pk],
                                                                  "workers": [li.pk]},
               content_type="application/json")
    assert r.status_code == 200, r.content
    got = {(p["worker"], p["social_worker"], p["person"], p["community"]) for p in r.json()["participants"]}
    assert got == {(li.pk, None, li.person_id, JIAOTONGXIANG), (None, zhao_sw.pk, zhao_sw.person_id, DONGJIE)}
    r = c.post(f"/api/v1/workforce/training/{sid}/attendance", {"social_worker": zhao_sw.pk, "attended": True},
               content_type="application/json")
    assert r.status_code == 200 and r.json()["attended"] == 1
    r = c.post(f"/api/v1/workforce/training/{sid}/attendance", {"attended": True}, content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["fields"]["worker"][0]["code"] == "worker.missing"
    # the page: the picker offers the social workers not yet enrolled; marking by social worker id
    p = page_client("township")
    s2 = session(township, "cadre_training", "社区干部培训", 5)
    page = p.get(f"/workforce/training/{s2.pk}/").content.decode()
    assert 'name="social_workers"' in page and "赵敏" in page
    assert p.post(f"/workforce/training/{s2.pk}/enroll/", {"social_workers": [zhao_sw.pk]}).status_code == 302
    assert p.post(f"/workforce/training/{s2.pk}/attendance/", {"social_worker": zhao_sw.pk,
                                                               "attended": "1"}).status_code == 302
    page = p.get(f"/workforce/training/{s2.pk}/").content.decode()
    assert "已参训 1 / 报名 1" in page and "社会工作者" in page


def test_attending_a_continuing_education_class_is_the_social_workers_hours(dongjie, township):
    """New-user test: 吕林欢 attended a 16-hour 继续教育 class and still showed 40/90 hours.
    Attendance of a continuing-education class is now the social worker's hours (one
    record of the class's hours on its last day, tied to the class); unmarking takes it
    back; a community worker who is also a social worker (李娜) is credited as that social
    worker; one who is not (张伟) and other kinds of class credit nothing."""
    from decimal import Decimal

    from jiayuan.workforce.models import EducationRecord

    li, zhang, li_sw, zhao_sw = dongjie
    ce = session(township, "continuing_education", "社会工作者继续教育专题班", 2)      # 16 hours, ends the 12th
    cadre = session(township, "cadre_training", "社区干部培训", 2)
    services.enroll(township, ce, [li.pk, zhang.pk], [zhao_sw.pk])
    services.enroll(township, cadre, [], [zhao_sw.pk])
    services.set_attendance(township, ce, li.pk, True)
    services.set_attendance(township, ce, zhang.pk, True)
    services.set_attendance(township, ce, None, True, social_worker_id=zhao_sw.pk)
    services.set_attendance(township, cadre, None, True, social_worker_id=zhao_sw.pk)
    got = sorted(EducationRecord.objects.values_list("social_worker__person__name", "hours", "on", "training__title"))
    assert got == [("李娜", Decimal("16.0"), date(YEAR, 2, 12), "社会工作者继续教育专题班"),
                   ("赵敏", Decimal("16.0"), date(YEAR, 2, 12), "社会工作者继续教育专题班")]
    services.set_attendance(township, ce, li.pk, True)                 # again: not twice
    services.set_attendance(township, ce, None, False, social_worker_id=zhao_sw.pk)
    assert list(EducationRecord.objects.values_list("social_worker__person__name", flat=True)) == ["李娜"]
