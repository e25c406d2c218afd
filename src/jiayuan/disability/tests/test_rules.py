"""The certificate number checks, worked out by hand from DOMAIN.md "Other identifiers":
number = holder's 18-character ID number + type digit 1–7 + grade digit 1–4.

The holder used throughout is GB 11643's published example 11010519491231002X (valid
check character X), so "11010519491231002X" + "52" is 智力 (5) 二级 (2)."""

from datetime import date

import pytest

from jiayuan.conftest import make_id_number
from jiayuan.disability import rules
from jiayuan.people.rules import RuleError

HOLDER = "11010519491231002X"
OTHER = "440524188001010014"  # the other published example (born 1880, male)


def code_of(number, holder=HOLDER):
    with pytest.raises(RuleError) as exc:
        rules.check_certificate_number(number, holder, today=date(2025, 1, 1))
    assert exc.value.field == "number"
    return exc.value


def test_published_example_plus_52_is_intellectual_grade_2():
    info = rules.check_certificate_number(HOLDER + "52", HOLDER)
    assert tuple(info[:2]) == (5, 2)
    dtype, grade, number = info
    assert (dtype, grade, number) == (5, 2, "11010519491231002X52")
    assert rules.describe(dtype, grade) == "智力残疾二级"


@pytest.mark.parametrize("suffix,expected", [("11", (1, 1)), ("74", (7, 4)), ("41", (4, 1)), ("63", (6, 3))])
def test_type_and_grade_boundaries_are_read_from_digits_19_and_20(suffix, expected):
    assert tuple(rules.check_certificate_number(HOLDER + suffix, HOLDER)[:2]) == expected


def test_a_generated_id_works_too():
    idn = make_id_number(date(1990, 2, 28), 2)
    assert tuple(rules.check_certificate_number(idn + "42", idn)[:2]) == (4, 2)


@pytest.mark.parametrize("typed", [
    "11010519491231002x52",                    # lowercase x
    " 110105 19491231 002X 52 ",               # spaces
    "１１０１０５１９４９１２３１００２Ｘ５２",   # full-width digits and letter
    "110105\u200b19491231002X\ufeff52",         # invisible format characters
    "110105\u300019491231002X52\u00a0",         # ideographic space, NBSP
])
def test_typing_variants_are_normalised(typed):
    info = rules.check_certificate_number(typed, "11010519491231002x")
    assert info.number == "11010519491231002X52" and (info.disability_type, info.grade) == (5, 2)


def test_wrong_holder():
    err = code_of(OTHER + "52")
    assert err.code == "certificate.holder_mismatch"
    # both numbers are shown masked (first 6 + last 4), never whole
    assert "440524********0014" in err.message and "110105********002X" in err.message
    assert OTHER not in err.message and HOLDER not in err.message


@pytest.mark.parametrize("number,length", [(HOLDER + "5", 19), (HOLDER + "521", 21), ("110105491231002" + "52", 17)])
def test_wrong_length(number, length):
    err = code_of(number)
    assert err.code == "certificate.length" and err.params["length"] == length
    assert f"{length}位" in err.message and "20位" in err.message


def test_only_the_id_number_says_what_is_missing():
    err = code_of(HOLDER)
    assert err.code == "certificate.length" and "缺少最后的类别和等级两位" in err.message


@pytest.mark.parametrize("suffix", ["82", "02", "92", "A2"])
def test_type_out_of_1_to_7(suffix):
    err = code_of(HOLDER + suffix)
    assert err.code == "certificate.type_invalid" and err.params["char"] == suffix[0]
    assert "第19位" in err.message and "7多重" in err.message


@pytest.mark.parametrize("suffix", ["50", "55", "59"])
def test_grade_out_of_1_to_4(suffix):
    err = code_of(HOLDER + suffix)
    assert err.code == "certificate.grade_invalid" and err.params["char"] == suffix[1]
    assert "第20位" in err.message


def test_first_18_with_a_wrong_check_character():
    # 11010519491231002 → check character X (published); 1 instead is wrong.
    err = code_of("110105194912310021" + "52")
    assert err.code == "certificate.id_invalid"
    assert "校验位" in err.message and "应为 X" in err.message


def test_first_18_with_an_impossible_birth_date():
    err = code_of("110105194902300021" + "52")  # 30 February
    assert err.code == "certificate.id_invalid" and "出生日期" in err.message


def test_blank_and_numeric_values():
    assert code_of("").code == "certificate.missing"
    assert code_of(None).code == "certificate.missing"
    assert code_of(11010519491231002152).code == "certificate.stored_as_number"
    assert code_of(1.1010519491231002e19).code == "certificate.stored_as_number"


def test_build_and_mask():
    assert rules.build_certificate_number("11010519491231002x", 5, 2) == "11010519491231002X52"
    # ID part masked as the registry masks it (first 6, 8 stars, last 4), type+grade kept
    assert rules.mask_certificate_number("11010519491231002X52") == "110105********002X52"
    assert rules.mask_certificate_number("") == ""
    for dtype, grade in ((0, 1), (8, 1), (1, 0), (1, 5)):
        with pytest.raises(ValueError):
            rules.build_certificate_number(HOLDER, dtype, grade)


def test_names_match_the_model_choices():
    from jiayuan.disability.models import DisabilityGrade, DisabilityType

    assert {k: str(v) for k, v in DisabilityType.choices} == rules.TYPE_NAMES
    assert {k: str(v) for k, v in DisabilityGrade.choices} == rules.GRADE_NAMES
