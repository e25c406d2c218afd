"""Demo data of the workforce (``demo-setup``): three community workers in each of 东街街道's
five communities (正职, 副职, 其他; some with a grade step due), social-work qualifications
with continuing-education hours (two short of their hours with the period ending within
months), exam registrations with results over two years, and two training sessions —
a cadre training and an exam-preparation class — with attendance. Idempotent: nothing is
added when 东街街道 has workers."""

from datetime import date, timedelta

from django.utils import timezone

from ..audit.services import Actor
from ..people.models import Person
from ..regions.models import Region
from . import services
from .models import CommunityWorker

DONGJIE = "620702001"
# post, grade, years in the grade (steps due: one for every 3 full years), years of service
POSTS = [("head", 9, 4, 14), ("deputy", 6, 2, 9), ("other", 2, 7, 8)]


def _user(ctx, username: str, role: str, scope: str, full_name: str):
    """The demo account made by demo-setup itself (not listed again), or made here."""
    from ..accounts.models import User

    return User.objects.filter(username=username).first() or ctx.account(username, role, scope, full_name)


def seed_demo(ctx) -> str | None:
    if CommunityWorker.objects.filter(community__code__startswith=DONGJIE).exists():
        return None
    street = Actor(_user(ctx, "dongjie", "township_officer", DONGJIE, "东街街道干部"), "command", {"demo": True})
    county = Actor(_user(ctx, "ganzhou", "county_officer", "620702", "甘州区民政局干部"), "command", {"demo": True})
    today = timezone.localdate()
    workers = []
    for c in Region.objects.filter(parent_id=DONGJIE, kind="community").order_by("code"):
        people = list(Person.objects.filter(region__code__startswith=c.code, life_status="alive",
                                            birth_date__gte=date(today.year - 55, 1, 1),
                                            birth_date__lte=date(today.year - 25, 1, 1)).order_by("id")[:len(POSTS)])
        for p, (post, grade, in_grade, service) in zip(people, POSTS):
            workers.append(services.register_worker(street, p, {
                "community": c.code, "post": post, "grade": grade,
                "grade_since": date(today.year - in_grade, 3, 1), "started_on": date(today.year - service, 3, 1)}))
    if not workers:
        return None
    # qualifications: the heads and deputies; registration dates so that two periods end within months
    qualified = [w for w in workers if w.post in ("head", "deputy")]
    for i, w in enumerate(qualified):
        level = "intermediate" if i % 3 == 0 else "assistant"
        registered = (today - timedelta(days=3 * 365 - 60)) if i < 2 else date(today.year - 1, 7, 1)
        sw = services.record_social_worker(street, w.person, {
            "level": level, "certificate_number": f"{'S' if level == 'intermediate' else 'Z'}{registered:%Y}62070{i:03d}",
            "certified_on": registered, "registered_on": registered, "region": w.community_id})
        hours = ["24", "16"] if i < 2 else ["30", "24", "20"]
        for k, h in enumerate(hours):
            day = min(today, registered + timedelta(days=90 + 200 * k))
            services.add_hours(street, sw, day, h, ["社会工作伦理与价值观", "个案管理实务", "社区治理专题"][k],
                               "甘州区民政局")
    # exams: three workers of the 其他 post sat the 社会工作师 exam last year and this year
    others = [w for w in workers if w.post == "other"][:3]
    scores = [(("comprehensive", "68"), ("practice", "57"), ("law_policy", "61")),
              (("comprehensive", "52"), ("practice", "63"), ("law_policy", "66")),
              (("comprehensive", "71"), ("practice", "64"), ("law_policy", "60"))]
    for w, marks in zip(others, scores):
        reg = services.register_exam(street, w.person, "intermediate", today.year - 1, w.community_id)
        for subject, score in marks:
            services.record_result(street, reg, subject, score)
    if others:
        reg = services.register_exam(street, others[0].person, "intermediate", today.year, others[0].community_id)
        services.record_result(street, reg, "practice", "65")
    # two training sessions of this year
    start = date(today.year, 4, 15) if today >= date(today.year, 4, 20) else date(today.year - 1, 4, 15)
    cadre = services.create_session(county, {"title": "甘州区社区干部能力提升培训班", "organizer": "甘州区民政局",
                                             "kind": "cadre_training", "region": DONGJIE, "starts_on": start,
                                             "ends_on": start + timedelta(days=2), "hours": "24"})
    services.enroll(county, cadre, [w.pk for w in workers])
    for w in workers[:-2]:
        services.set_attendance(county, cadre, w.pk, True)
    exam_start = start + timedelta(days=30)
    prep = services.create_session(county, {"title": "社会工作者职业资格考前辅导班", "organizer": "甘州区民政局",
                                            "kind": "exam_preparation", "region": DONGJIE, "starts_on": exam_start,
                                            "ends_on": exam_start + timedelta(days=6), "hours": "40"})
    services.enroll(county, prep, [w.pk for w in workers if w.post != "head"])
    for w in [w for w in workers if w.post != "head"][:-1]:
        services.set_attendance(county, prep, w.pk, True)
    return (f"演示社区工作者队伍已生成：{len(workers)} 名社区工作者，{len(qualified)} 名持证社会工作者，"
            f"2 个培训班")
