"""Every text of the shipped catalogs is marked for translation (servicecenter.labels), so
that the English UI shows them in English; an entry added to a JSON file without its
label fails here."""

import json
from pathlib import Path

from jiayuan.servicecenter import labels

DATA = Path(__file__).resolve().parents[1] / "data"


def _load(name):
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def test_every_certificate_kind_and_its_basis_is_marked():
    seal = _load("seal_scope")
    items = [i for key in ("forbidden", "allowed", "local") for i in seal.get(key, [])]
    assert {i["name"] for i in items} <= set(labels.SEAL_SCOPE_NAMES)
    assert {i["legal_basis"] for i in items if i.get("legal_basis")} <= set(labels.LEGAL_BASES)
    assert seal["national_forbidden_reason"] in labels.LEGAL_BASES


def test_every_access_list_item_and_its_basis_is_marked():
    items = _load("access_list")["items"]
    assert {i["name"] for i in items} <= set(labels.ACCESS_LIST_NAMES)
    assert {i["legal_basis"] for i in items if i.get("legal_basis")} <= set(labels.LEGAL_BASES)


def test_every_service_item_department_material_and_basis_is_marked():
    items = _load("service_items")["items"]
    assert {i["department_names"] for i in items} <= set(labels.DEPARTMENT_NAMES)
    assert {m for i in items for m in i.get("materials", [])} <= set(labels.MATERIALS)
    assert {i["legal_basis"] for i in items if i.get("legal_basis")} <= set(labels.LEGAL_BASES)


def test_the_english_catalog_translates_them(settings):
    from django.utils import translation

    with translation.override("en"):
        assert translation.gettext("亲属关系证明") == "Certificate of kinship"
        assert translation.gettext("《人民调解法》") == "People's Mediation Law"
        assert translation.gettext("县（区）民政局") == "County (district) civil affairs bureau"
