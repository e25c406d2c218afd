"""Records of the workforce for the every-page crawl: two community workers of the owner
community (one with a grade step due), a social worker with hours and an exam
registration with results, and a cadre training with attendance."""

from datetime import date

from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.workforce import services

OWNER = "620702001001"


def seed(users, persons) -> None:
    township = Actor(users["township"], "command")
    today = timezone.localdate()
    people = sorted(persons.values(), key=lambda p: p.pk)
    adults = [p for p in people if p.region_id.startswith(OWNER) and p.birth_date.year < today.year - 22][:2]
    workers = []
    for i, p in enumerate(adults):
        workers.append(services.register_worker(township, p, {
            "community": OWNER, "post": "head" if i == 0 else "other", "grade": 9 if i == 0 else 3,
            "grade_since": date(today.year - (4 if i == 0 else 1), 1, 1), "started_on": date(today.year - 10, 1, 1)}))
    if not workers:
        return
    p = workers[0].person
    sw = services.record_social_worker(township, p, {"level": "assistant", "certificate_number": "ZL-CRAWL-1",
                                                     "certified_on": date(today.year - 2, 3, 1), "region": OWNER})
    services.add_hours(township, sw, date(today.year - 1, 5, 1), "24", "社会工作伦理", "甘州区民政局")
    reg = services.register_exam(township, p, "intermediate", today.year - 1)
    services.record_result(township, reg, "comprehensive", "66")
    services.record_result(township, reg, "practice", "55")
    s = services.create_session(township, {"title": "社区干部能力提升培训", "organizer": "东街街道",
                                           "kind": "cadre_training", "region": "620702001",
                                           "starts_on": date(today.year, 1, 10), "ends_on": date(today.year, 1, 12),
                                           "hours": "24"})
    services.enroll(township, s, [w.pk for w in workers])
    services.set_attendance(township, s, workers[0].pk, True)
