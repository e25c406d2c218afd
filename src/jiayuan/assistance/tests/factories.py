"""Test set-up for the payment batches (and the bench).

**This module bypasses the services for set-up only.** Parameters go through
``services.parameters.set_parameters`` (the real service); enrollments are written
directly as rows (:func:`make_enrollment`, :func:`bulk_enrollments`) because what is
tested here is the batch, not enrollment, and the bench needs 200,000 of them fast. The
rows hold what ``services.enrollments.enroll`` stores (program, person, household,
region, start month, inputs, amount, status), without its eligibility checks, events
or audit. Nothing in the application imports this module.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from jiayuan.audit.services import Actor

from ..models import Enrollment, Program, ProgramParameter

SUBSISTENCE = "subsistence_allowance"
LIVING = "disability_living_allowance"
CARE = "disability_care_allowance"


def month(year: int, m: int) -> datetime.date:
    return datetime.date(year, m, 1)


def set_standard(user, region: str, effective_from: datetime.date, urban: str, rural: str = "500.00",
                 program: str = SUBSISTENCE) -> ProgramParameter:
    """低保 standards for ``region`` from ``effective_from`` through the parameters
    service (as ``user``, who needs ``manage_programs``)."""
    from ..services.parameters import set_parameters

    row, _created = set_parameters(Actor(user, "command"), program, region, effective_from,
                                   {"standard_urban": urban, "standard_rural": rural})
    return row


def set_living(user, region: str, effective_from: datetime.date, amount: str) -> ProgramParameter:
    """困难残疾人生活补贴 amount for ``region`` from ``effective_from`` (service)."""
    from ..services.parameters import set_parameters

    row, _created = set_parameters(Actor(user, "command"), LIVING, region, effective_from,
                                   {"living_amount": amount, "extend_living_to_low_income": False})
    return row


def set_care(user, region: str, effective_from: datetime.date, amount: str) -> ProgramParameter:
    """重度残疾人护理补贴 default amount for ``region`` from ``effective_from`` (service)."""
    from ..services.parameters import set_parameters

    row, _created = set_parameters(Actor(user, "command"), CARE, region, effective_from,
                                   {"care_amount_default": amount,
                                    "extend_care_to_grade_3_4_intellectual_mental": False})
    return row


def subsistence_inputs(members: int, per_capita_income: str, area: str = "urban") -> dict:
    return {"area": area, "members": members, "per_capita_income": per_capita_income}


def disability_inputs(disability_type: int = 4, grade: int = 1, household_status: str = "subsistence") -> dict:
    return {"certificate_valid": True, "disability_type": disability_type, "grade": grade,
            "household_status": household_status, "extreme_poverty": False, "long_term_care_need": True,
            "work_injury_care": False}


def make_enrollment(program: str, person, *, region: str | None = None, household=None,
                    start: datetime.date = datetime.date(2025, 1, 1), inputs: dict | None = None,
                    status: str = Enrollment.Status.ACTIVE, end: datetime.date | None = None,
                    flag: str = "", payee_account: str = "6230****1234", amount: str = "0.00") -> Enrollment:
    """One enrollment row (set-up only: bypasses services.enrollments)."""
    return Enrollment.objects.create(
        program_id=program, person=person, household=household, region_id=region or person.region_id,
        start_month=start, end_month=end, status=status, inputs=inputs or {}, amount=Decimal(amount),
        flag=flag, flag_note="已故" if flag else "", payee_account=payee_account)


def bulk_enrollments(rows, *, batch_size: int = 5000) -> int:
    """Insert enrollment rows in bulk (bench): ``rows`` yields dicts with program,
    person_id, household_id, region_id, start_month, inputs, amount. Returns the count."""
    objs = (Enrollment(program_id=r["program"], person_id=r["person_id"], household_id=r.get("household_id"),
                       region_id=r["region_id"], start_month=r["start_month"], inputs=r["inputs"],
                       amount=r.get("amount", Decimal("0.00")), payee_account=r.get("payee_account", ""))
            for r in rows)
    n = 0
    chunk = []
    for obj in objs:
        chunk.append(obj)
        if len(chunk) >= batch_size:
            Enrollment.objects.bulk_create(chunk)
            n += len(chunk)
            chunk = []
    if chunk:
        Enrollment.objects.bulk_create(chunk)
        n += len(chunk)
    return n


def restore_programs() -> None:
    """Put back the programs seeded by migration 0002 (a transactional test's flush
    empties every table)."""
    import importlib

    mod = importlib.import_module("jiayuan.assistance.migrations.0002_programs")
    for code, name, unit, dept, policy, sort in mod.PROGRAMS:
        Program.objects.update_or_create(code=code, defaults={
            "name": name, "unit": unit, "department": dept, "policy": policy, "sort": sort,
            "monthly": code != "temporary_assistance"})
