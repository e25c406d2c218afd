"""Photos of a visit: taken on the phone form, validated by decoding, served only to who
may read the child's file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiayuan.children.models import VisitPhoto

from .conftest import png_bytes

pytestmark = pytest.mark.django_db


def visit(client, pk, *files):
    return client.post(f"/children/{pk}/visit/", {
        "visited_on": "2026-03-01", "place": "家中", "findings": "正常", "risk": "yellow", "reason": "外出务工父母少联系",
        "photos": list(files)})


def test_a_visit_with_a_photo_stores_it_and_shows_it_to_the_team_only(page_client, child_file, colleague, media_root):
    r = visit(page_client("community"), child_file.pk, SimpleUploadedFile("a.png", png_bytes(), "image/png"))
    assert r.status_code == 302
    photo = VisitPhoto.objects.get(visit__file=child_file)
    assert (photo.image_format, photo.width, photo.height) == ("PNG", 4, 3)
    url = f"/children/{child_file.pk}/photo/{photo.pk}/"
    assert url in page_client("community").get(f"/children/{child_file.pk}/").content.decode()
    assert page_client("org").get(url).status_code == 200
    assert page_client("colleague").get(url).status_code == 404
    assert page_client("outsider").get(url).status_code == 404


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_recorded(page_client, child_file, media_root):
    r = visit(page_client("community"), child_file.pk, SimpleUploadedFile("a.jpg", b"not an image", "image/jpeg"))
    assert r.status_code == 422
    assert child_file.visits.count() == 0 and VisitPhoto.objects.count() == 0
