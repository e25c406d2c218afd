"""What an import's recorded issues (the pre-check report, the job's issues on its page
and in the API) may show: never a protected value, neither in 原内容 nor in 原因. A
masked ID number hides its eight birth-date digits and a phone its middle digits, so a
message that repeats them, or the birth date read from the number, would undo the mask."""

import json

from jiayuan.imports import rules

from .conftest import HEADER, idn, xlsx_bytes

BORN_1990 = idn("62070219900101001")  # born 1990-01-01 (worked out: characters 7–14)


def roster(*rows):
    return xlsx_bytes([HEADER, *rows], text_columns=(2, 5))


def test_an_invalid_phone_is_masked_in_the_value_and_in_the_reason(run):
    code, out = run("r.xlsx", roster(["王五", BORN_1990, "", "", "1389361234"]))  # ten digits: invalid
    assert code == 1
    (issue,) = out["error_rows"]
    assert issue["code"] == "phone.format"
    assert "1389361234" not in json.dumps(out, ensure_ascii=False)
    assert "**********" in issue["message"]  # the mask of a value that is not a number: all stars


def test_the_birth_date_read_from_an_id_number_is_not_repeated(run):
    future = idn("62070220991231001")  # birth date 2099-12-31: later than today
    code, out = run("r.xlsx", roster(["王五", future]))
    (issue,) = out["error_rows"]
    assert issue["code"] == "id_number.birth_date"
    text = json.dumps(out, ensure_ascii=False)
    assert future not in text and "20991231" not in text and "2099-12-31" not in text
    from jiayuan.imports.models import ImportIssue

    stored = ImportIssue.objects.get(code="id_number.birth_date")  # what the job's page shows as 原内容 and 原因
    assert stored.value == future[:6] + "********" + future[-4:]
    assert "2099" not in stored.message


def test_a_birth_date_mismatch_names_what_was_typed_not_what_the_number_holds(run):
    code, out = run("r.xlsx", roster(["王五", BORN_1990, "", "1991-05-05"]))
    (issue,) = out["error_rows"]
    assert issue["code"] == "birth_date.mismatch"
    assert "1991-05-05" in issue["message"]  # the worker's own (wrong) entry
    assert "1990-01-01" not in json.dumps(out, ensure_ascii=False) and "****-**-**" in issue["message"]


def test_an_id_number_stored_as_a_number_is_not_repeated_whole(run):
    number = idn("62070219900101001")
    code, out = run("r.xlsx", xlsx_bytes([HEADER, ["王五", int(number[:17] + "0") if number[-1] == "X" else int(number)]]))
    (issue,) = out["error_rows"]
    assert issue["code"] == "id_number.stored_as_number"
    assert number[:17] not in json.dumps(out, ensure_ascii=False)


def test_redaction_is_declared_per_code_and_leaves_other_errors_alone():
    from jiayuan.people.rules import RuleError

    err = RuleError("phone.format", "电话号码“%(value)s”格式不对", {"value": "13812345678"}, "phone")
    assert rules.redacted(err).message == "电话号码“138****5678”格式不对"
    other = RuleError("household.duplicate_in_file", "户号 %(number)s", {"number": "G-01"}, "id_number")
    assert rules.redacted(other) is other
    sci = RuleError("id_number.stored_as_number", "%(value)s", {"value": "6.20702E+17"}, "id_number")
    assert rules.redacted(sci).message == "6.20702E+17"  # six significant digits: the address code, shown anyway
