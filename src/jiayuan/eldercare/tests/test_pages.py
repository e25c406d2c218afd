"""Pages: the form scores live (htmx → same rule), recording, detail, list, export,
the person page's section."""

from urllib.parse import unquote

import pytest

from jiayuan.eldercare.models import CapacityAssessment

from .conftest import MILD_67

pytestmark = pytest.mark.django_db


def form_data(elder, users, items=MILD_67, **extra):
    data = {"person": elder.pk, "reason": "first", "assessed_on": "2026-03-01",
            "assessor_1": users["community"].pk, "assessor_2": users["township"].pk, "diagnoses": "",
            **{f"item_{k}": v for k, v in items.items()}}
    data.update(extra)
    return data


def test_the_live_score_uses_the_rule(page_client, elder, users):
    c = page_client("community")
    r = c.post("/eldercare/assessments/score/", form_data(elder, users, diagnoses="F03", risk_fall="2"),
               HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'data-testid="score-total">67<' in html and 'data-level="moderate"' in html  # one level only (default)


def test_a_half_filled_form_shows_the_sum_so_far_and_what_is_left(page_client, elder, users):
    items = {k: v for k, v in MILD_67.items() if k not in ("memory", "stairs")}
    r = page_client("community").post("/eldercare/assessments/score/", form_data(elder, users, items=items))
    html = r.content.decode()
    assert 'data-testid="score-total">61<' in html  # 67 − memory 4 − stairs 2 (not yet given)
    assert "还有 2 项未评分：上下楼梯、记忆" in html


def test_recording_from_the_form_and_seeing_it_on_the_person_page(page_client, elder, users):
    c = page_client("community")
    assert c.get(f"/eldercare/assessments/new/?person={elder.pk}").status_code == 200
    r = c.post(f"/eldercare/assessments/new/?person={elder.pk}", form_data(elder, users))
    assert r.status_code == 302, r.content.decode()[:2000]
    a = CapacityAssessment.objects.get()
    assert (a.total, a.level) == (67, "mild")
    detail = c.get(r["Location"]).content.decode()
    assert "轻度失能" in detail
    person_page = c.get(f"/persons/{elder.pk}/").content.decode()
    assert 'data-testid="eldercare-section"' in person_page and "2027-03-01" in person_page


def test_an_out_of_range_item_is_shown_on_its_field(page_client, elder, users):
    r = page_client("community").post(f"/eldercare/assessments/new/?person={elder.pk}",
                                      form_data(elder, users, items={**MILD_67, "stairs": 4}))
    assert r.status_code == 422
    assert 'data-field-error="item_stairs"' in r.content.decode()
    assert not CapacityAssessment.objects.exists()


def test_the_list_and_its_export_with_a_chinese_file_name(page_client, elder, users, assess):
    assess(elder)
    c = page_client("community")
    assert "王桂兰" in c.get("/eldercare/").content.decode()
    r = c.get("/eldercare/assessments/export/")
    assert r.status_code == 200
    assert "交通巷社区-老年人能力评估-" in unquote(r["Content-Disposition"]) and r["X-Export-Rows"] == "1"
    assert page_client("peer").get("/eldercare/").content.decode().count("王桂兰") == 0
    assert page_client("grid_member").get("/eldercare/").status_code == 403
