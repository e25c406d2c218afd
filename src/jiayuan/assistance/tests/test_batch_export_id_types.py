"""The payment file masks the numbers of identity documents other than the resident ID
card by their own rule (issue 10): an 11-character 港澳 permit number keeps only its last
4 characters, not the 6 + 4 of an 18-character ID number (which would leave one hidden)."""

import io

import openpyxl

from jiayuan import security
from jiayuan.assistance.services import batches as svc
from jiayuan.people.models import Person

from .test_batches import MARCH, act, ganzhou, household_of, program, two_households  # noqa: F401 (fixtures)


def test_export_masks_a_permit_number_by_its_type(users, program, ganzhou, two_households):  # noqa: F811
    ea, _eb = two_households
    Person.objects.filter(pk=ea.person_id).update(
        id_type="hk_macao_permit", id_number_cipher=security.encrypt("H1234567801"),
        id_number_hash=security.lookup_hash("id_number", "hk_macao_permit:H1234567801"))
    batch = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)
    batch = svc.review_batch(act(users["county"]), batch, version=batch.version)
    batch = svc.approve_batch(act(users["city"]), batch, version=batch.version)
    f = svc.export_batch(act(users["county"]), batch, version=batch.version)
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(f.chunks))).active.iter_rows(values_only=True))
    a_row = next(r for r in rows[1:] if r[1] == "李秀英")
    assert a_row[2] == "*******7801"
