"""The event report page (phone form): category chips, camera upload, location, persons
involved from the registry, 就地解决 with a photo, photos kept when the form comes back,
one case per form token."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jiayuan.cases.models import Attachment, Case, CaseParty
from jiayuan.conftest import GRID
from jiayuan.tests.helpers import png_bytes

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def client_for(more_users):
    def make(who: str) -> Client:
        c = Client()
        c.force_login(more_users[who])
        return c

    return make


def photo_file(name="scene.jpg"):
    return SimpleUploadedFile(name, png_bytes((64, 48), fmt="JPEG"), content_type="image/jpeg")


def form(**extra):
    data = {"request_key": "rk-1", "category": "sanitation.garbage", "description": "小区门口垃圾堆放三天未清运",
            "lat": "", "lon": "", "address": "12号楼门口"}
    data.update(extra)
    return data


@pytest.mark.parametrize("who", ["grid_member", "community", "director", "township", "county", "city", "admin"])
def test_report_form_opens_for_roles_that_report(client_for, who):
    r = client_for(who).get("/grid/report/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert 'data-geolocate' in html and 'name="request_key"' in html
    assert "安全隐患" in html and "消防隐患" in html


@pytest.mark.parametrize("who", ["dept", "auditor", "org"])
def test_report_form_is_refused_to_other_roles(client_for, who, depts):
    c = client_for(who)
    assert c.get("/grid/report/").status_code == 403
    assert c.post("/grid/report/", form()).status_code == 403


def test_grid_member_reports_with_a_photo_location_and_a_person(client_for, make_person):
    p = make_person(region=GRID, name="王芳")
    c = client_for("grid_member")
    html = c.get("/grid/report/").content.decode()
    assert "交通巷社区 · 第一网格" in html and 'name="region" value="620702001001001"' in html
    r = c.post("/grid/report/", form(lat="38.932512", lon="100.451234", persons=[p.pk], photos=[photo_file()]))
    assert r.status_code == 302
    case = Case.objects.get()
    assert r["Location"] == f"/cases/{case.number}/"
    assert case.state == "reported" and case.region_id == GRID and case.channel == "field"
    assert str(case.lat) == "38.932512" and case.address == "12号楼门口"
    assert CaseParty.objects.filter(case=case, person=p).exists()
    assert Attachment.objects.filter(case=case).count() == 1
    page = c.get(r["Location"])
    assert "已上报，编号" in text_of(page)


def test_double_submit_opens_one_case(client_for):
    c = client_for("grid_member")
    first = c.post("/grid/report/", form(request_key="same", photos=[photo_file()]))
    second = c.post("/grid/report/", form(request_key="same", photos=[photo_file()]))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1
    assert Attachment.objects.count() == 1  # the repeat stored no second photo


def test_errors_are_shown_under_the_fields_and_the_photo_is_kept(client_for):
    c = client_for("grid_member")
    r = c.post("/grid/report/", form(category="safety", description="", photos=[photo_file()]))
    assert r.status_code == 422
    html = r.content.decode()
    assert 'data-field-error="category"' in html and "请选择“安全隐患”下的具体类别" in html
    assert 'data-field-error="description"' in html and "请描述事件情况" in html
    att = Attachment.objects.get()
    assert att.case_id is None
    assert f'name="uploaded" value="{att.pk}"' in html and f"/cases/photos/{att.pk}/thumb/" in html
    # the category chip stays chosen
    assert re.search(r'value="safety" autocomplete="off" checked', html)
    # second try with the kept photo: no new upload needed
    r = c.post("/grid/report/", form(uploaded=str(att.pk)))
    assert r.status_code == 302
    att.refresh_from_db()
    assert att.case_id == Case.objects.get().pk


def test_a_bad_location_and_an_out_of_scope_person_are_refused(client_for, make_person):
    other = make_person(region="620702001005", name="李四")
    c = client_for("grid_member")
    r = c.post("/grid/report/", form(lat="123", lon="100"))
    assert r.status_code == 422 and 'data-field-error="location"' in r.content.decode()
    r = c.post("/grid/report/", form(persons=[other.pk]))
    assert r.status_code == 422 and "涉及人员不存在或不在您的管辖范围内" in text_of(r)
    assert Case.objects.count() == 0


def test_a_grid_member_cannot_report_into_another_grid(client_for):
    r = client_for("grid_member").post("/grid/report/", form(region="620702001005001"))
    assert r.status_code == 422 and "不在您的管辖范围内" in text_of(r)
    assert Case.objects.count() == 0


def test_solved_on_the_spot_needs_a_photo_and_closes_at_once(client_for):
    c = client_for("grid_member")
    r = c.post("/grid/report/", form(on_spot="on", on_spot_note="已劝导清理"))
    assert r.status_code == 422 and "就地解决的事件须上传至少 1 张现场照片" in text_of(r)
    r = c.post("/grid/report/", form(on_spot="on", on_spot_note="已劝导清理", request_key="rk-2",
                                     photos=[photo_file()]))
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.state == "closed" and not case.is_open
    assert case.events.filter(action="resolve_on_spot", comment="已劝导清理").exists()


def test_a_community_worker_chooses_the_grid(client_for):
    c = client_for("community")
    html = c.get("/grid/report/").content.decode()
    assert '<select name="region"' in html and "620702001001001" in html and "620702001005" not in html
    r = c.post("/grid/report/", form(region=GRID))
    assert r.status_code == 302
    assert Case.objects.get().region_id == GRID
