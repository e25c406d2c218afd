"""Tests of jiayuan.people.rules (pure: no Django, no database).

Expected values were worked out by hand; the arithmetic of the check characters is
shown where it matters. Weights (GB 11643-1999): 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2;
S mod 11 = 0..10 maps to 1 0 X 9 8 7 6 5 4 3 2.
"""

import datetime
import pickle
from decimal import Decimal

import pytest

from jiayuan.people import rules
from jiayuan.people.rules import (
    ETHNIC_GROUPS,
    HEAD_RELATION,
    RELATIONS,
    SEX_NAMES,
    IdNumberInfo,
    RuleError,
    age_on,
    check_consistency,
    classify_query,
    id_check_char,
    mask_id_number,
    mask_phone,
    name_grams,
    name_pinyin,
    normalize_id_number,
    normalize_name,
    normalize_phone,
    normalize_text,
    parse_ethnic_group,
    parse_id_number,
    parse_relation,
    parse_sex,
    search_grams,
)

D = datetime.date
TODAY = D(2025, 6, 1)

# 11010519491231002X (published example, GB 11643-1999):
#   digits   1  1  0  1  0  5  1  9  4  9  1  2  3  1  0  0  2
#   weights  7  9 10  5  8  4  2  1  6  3  7  9 10  5  8  4  2
#   products 7  9  0  5  0 20  2  9 24 27  7 18 30  5  0  0  4
#   S = 167; 167 mod 11 = 2 (165 = 15*11); map[2] = X
PUBLISHED_F = "11010519491231002X"
# 440524188001010014 (published example):
#   digits   4  4  0  5  2  4  1  8  8  0  0  1  0  1  0  0  1
#   products 28 36 0 25 16 16  2  8 48  0  0  9  0  5  0  0  2
#   S = 195; 195 mod 11 = 8 (187 = 17*11); map[8] = 4
PUBLISHED_M = "440524188001010014"
# 11010520200101001?:
#   digits   1  1  0  1  0  5  2  0  2  0  0  1  0  1  0  0  1
#   products 7  9  0  5  0 20  4  0 12  0  0  9  0  5  0  0  2
#   S = 73; 73 mod 11 = 7; map[7] = 5
BORN_2020 = "110105202001010015"
# 62070219900101123?:
#   digits   6  2  0  7  0  2  1  9  9  0  0  1  0  1  1  2  3
#   products 42 18 0 35  0  8  2  9 54  0  0  9  0  5  8  8  6
#   S = 204; 204 mod 11 = 6 (198 = 18*11); map[6] = 6
ZHANGYE_M = "620702199001011236"


def raises(code, fn, *args, **kwargs) -> RuleError:
    with pytest.raises(RuleError) as exc:
        fn(*args, **kwargs)
    assert exc.value.code == code, exc.value.code
    return exc.value


# ------------------------------------------------------------------ RuleError


def test_rule_error_message_and_attributes():
    err = RuleError("x.y", "第%(n)d位应为 %(c)s", {"n": 18, "c": "X"}, field="id_number")
    assert isinstance(err, ValueError)
    assert err.message == "第18位应为 X"
    assert str(err) == "第18位应为 X"
    assert err.field == "id_number"
    assert err.params == {"n": 18, "c": "X"}


def test_rule_error_without_params():
    err = RuleError("a.b", "请填写")
    assert err.message == "请填写"
    assert err.params == {}
    assert err.field is None


def test_rule_error_pickles():
    err = RuleError("x.y", "值 %(v)s", {"v": "1"}, "name")
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.code, copy.message, copy.field) == ("x.y", "值 1", "name")


def test_n_marker_is_identity():
    assert rules.N_("模板") == "模板"


# ------------------------------------------------------------- normalize_text


def test_normalize_text_strips_spaces_and_invisible_chars():
    assert normalize_text("\u3000 \u00a0张\u200b三\ufeff\u00ad\u2060 \n") == "张三"


def test_normalize_text_fullwidth_to_halfwidth_keeps_case_and_inner_space():
    assert normalize_text("ＡＢｃ　１２３") == "ABc 123"


def test_normalize_text_none():
    assert normalize_text(None) == ""


# ---------------------------------------------------------------- check char


def test_id_check_char_published_examples():
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44052418800101001") == "4"
    assert id_check_char("11010520200101001") == "5"
    assert id_check_char("62070219900101123") == "6"


def test_id_check_char_rejects_bad_input():
    with pytest.raises(ValueError):
        id_check_char("1101051949123100")
    with pytest.raises(ValueError):
        id_check_char("1101051949123100X")


# --------------------------------------------------------------- ID numbers


def test_published_female_example():
    info = parse_id_number(PUBLISHED_F, today=TODAY)
    assert info == IdNumberInfo(
        number="11010519491231002X",
        area_code="110105",
        birth_date=D(1949, 12, 31),
        sex=2,
        converted_from_15=False,
    )


def test_published_male_example_born_1880():
    info = parse_id_number(PUBLISHED_M, today=TODAY)
    assert info.birth_date == D(1880, 1, 1)
    assert info.sex == 1
    assert info.area_code == "440524"


def test_zhangye_example_male():
    info = parse_id_number(ZHANGYE_M, today=TODAY)
    assert (info.area_code, info.birth_date, info.sex) == ("620702", D(1990, 1, 1), 1)


def test_info_is_frozen():
    info = parse_id_number(PUBLISHED_F, today=TODAY)
    with pytest.raises(AttributeError):
        info.sex = 1


def test_15_digit_conversion():
    assert normalize_id_number("110105491231002") == "11010519491231002X"
    info = parse_id_number("110105491231002", today=TODAY)
    assert info.number == "11010519491231002X"
    assert info.converted_from_15 is True
    assert info.birth_date == D(1949, 12, 31)
    assert info.sex == 2


def test_lowercase_x_is_uppercased():
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    assert parse_id_number("11010519491231002x", today=TODAY).number == PUBLISHED_F


def test_fullwidth_ideographic_space_nbsp_zero_width():
    raw = "\u3000１１０１０５\u200b１９４９１２３１\u00a0００２ｘ\ufeff "
    assert normalize_id_number(raw) == PUBLISHED_F
    assert parse_id_number(raw, today=TODAY).number == PUBLISHED_F


def test_inner_spaces_removed():
    assert normalize_id_number("110105 19491231 002X") == PUBLISHED_F


def test_wrong_checksum_names_the_right_character():
    err = raises("id_number.checksum", parse_id_number, "110105194912310025", today=TODAY)
    assert err.field == "id_number"
    assert err.params == {"given": "5", "expected": "X"}
    assert err.message == "公民身份号码校验位错误：第18位应为 X，实为 5，请核对号码"


def test_wrong_checksum_digit_expected():
    err = raises("id_number.checksum", parse_id_number, "44052418800101001X", today=TODAY)
    assert err.params == {"given": "X", "expected": "4"}


# The fast check of bulk imports against the normal one: valid numbers (X check
# characters, the earliest and latest birth dates allowed) give the same info; invalid
# ones (check character, impossible or out-of-range dates, province) and forms it leaves
# to parse_id_number (15 digits, full width, spaces, numbers) give None.
PLAIN_CASES = [
    (PUBLISHED_F, True),
    (PUBLISHED_F.lower(), True),  # 18th character x, as typed
    (PUBLISHED_M, True),  # born 1880-01-01: the earliest date allowed
    (ZHANGYE_M, True),
    (BORN_2020, True),
    ("110105194912310025", False),  # check character 5, X expected
    ("44052418800101001X", False),  # check character X, 4 expected
    ("110105194902300012", False),  # 1949-02-30 is no date
    ("110105194913010014", False),  # month 13
    ("110105187912310011", False),  # 1879-12-31: before 1880
    ("110105202506020017", False),  # 2025-06-02: after TODAY
    ("990105194912310027", False),  # 99 is no province
    ("11010519491231002", False),  # 17 characters
    ("1101051949123100X2", False),  # X inside
    ("110105491231002", False),  # 15 digits: valid, left to parse_id_number
    ("１１０１０５１９４９１２３１００２Ｘ", False),  # full width: valid, left to parse_id_number
    (" 11010519491231002X", False),  # a space: valid, left to parse_id_number
    (110105194912310025, False),
    (None, False),
]


@pytest.mark.parametrize("births", [None, {}])
def test_plain_id_number_check_agrees_with_parse_id_number(births):
    for _ in range(2):  # the second time from the cache of birth dates
        for value, plain in PLAIN_CASES:
            fast = rules.parse_plain_id_number(value, TODAY, births)
            try:
                slow = parse_id_number(value, today=TODAY)
            except (RuleError, TypeError):
                slow = None
            if plain:
                assert fast is not None and fast == slow, value
            else:
                assert fast is None, value
    assert rules.parse_plain_id_number(BORN_2020, D(2019, 12, 31)) is None  # born after that day
    assert rules.parse_plain_id_number(PUBLISHED_F, TODAY).sex == 2 and \
        rules.parse_plain_id_number(PUBLISHED_M, TODAY).birth_date == D(1880, 1, 1)


def test_plain_mobile_is_what_normalize_phone_leaves_unchanged():
    for value in ("13812345678", "19912345678"):
        assert rules.is_plain_mobile(value) and normalize_phone(value) == value
    # Valid, but normalize_phone changes them: not plain.
    for value in ("138 1234 5678", "１３８１２３４５６７８", "+8613812345678", 13812345678):
        assert not rules.is_plain_mobile(value) and normalize_phone(value) != value
    for value in ("12345678901", "1381234567", "138123456789", "0936-8212345", ""):  # no mobile
        assert not rules.is_plain_mobile(value)


def test_normalize_does_not_check_checksum():
    # normalisation is format-only; validation is parse_id_number's job
    assert normalize_id_number("110105194912310025") == "110105194912310025"


@pytest.mark.parametrize(
    "value",
    [110105194912310025, 1.10105194912310e17, Decimal("110105194912310025"), True, 0],
)
def test_stored_as_number(value):
    err = raises("id_number.stored_as_number", parse_id_number, value, today=TODAY)
    assert err.field == "id_number"
    assert "文本" in err.message
    assert "重新录入" in err.message


def test_stored_as_number_float_shows_lost_digits():
    err = raises("id_number.stored_as_number", normalize_id_number, 110105194912310025.0)
    # a float keeps ~15-17 significant digits: the last ones are gone
    assert err.params["value"] != "110105194912310025"


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000\u200b"])
def test_missing(value):
    err = raises("id_number.missing", parse_id_number, value, today=TODAY)
    assert err.field == "id_number"


@pytest.mark.parametrize(
    "value, length",
    [("1101051949123100", 16), ("11010519491231002X1", 19), ("123", 3)],
)
def test_format_wrong_length(value, length):
    err = raises("id_number.format", parse_id_number, value, today=TODAY)
    assert err.params["length"] == length
    assert str(length) in err.message
    assert "18位" in err.message


def test_format_bad_character_in_18():
    err = raises("id_number.format", parse_id_number, "1101051949123100AX", today=TODAY)
    assert err.params["position"] == 17
    assert err.params["char"] == "A"


def test_format_x_not_last():
    err = raises("id_number.format", parse_id_number, "X10105194912310020", today=TODAY)
    assert err.params["position"] == 1


def test_format_bad_check_char():
    err = raises("id_number.format", parse_id_number, "11010519491231002Y", today=TODAY)
    assert err.params["position"] == 18


def test_format_15_with_x():
    err = raises("id_number.format", parse_id_number, "11010549123100X", today=TODAY)
    assert err.params["position"] == 15


def test_birth_date_not_a_date():
    # 1949-02-30 does not exist (checked before the check character)
    err = raises("id_number.birth_date", parse_id_number, "110105194902300021", today=TODAY)
    assert err.field == "id_number"
    assert err.params["raw"] == "19490230"
    assert "19490230" in err.message


def test_birth_date_not_a_date_15():
    err = raises("id_number.birth_date", parse_id_number, "110105490230002", today=TODAY)
    assert err.params["raw"] == "490230"


def test_birth_date_month_13():
    raises("id_number.birth_date", parse_id_number, "110105194913010021", today=TODAY)


def test_birth_date_in_future():
    err = raises("id_number.birth_date", parse_id_number, BORN_2020, today=D(2019, 12, 31))
    assert err.params["birth_date"] == "2020-01-01"
    assert "2019-12-31" in err.message


def test_birth_date_today_is_fine():
    info = parse_id_number(BORN_2020, today=D(2020, 1, 1))
    assert info.birth_date == D(2020, 1, 1)
    assert info.sex == 1


def test_birth_date_default_today():
    assert parse_id_number(PUBLISHED_F).birth_date == D(1949, 12, 31)


def test_birth_date_before_1880():
    err = raises("id_number.birth_date", parse_id_number, "440524187912310011", today=TODAY)
    assert "1880" in err.message


def test_other_script_digits_rejected():
    # Arabic-Indic digits are Unicode digits (\d) but NFKC keeps them: not an ID
    raises("id_number.format", normalize_id_number, "\u0661" * 18)
    raises("phone.format", normalize_phone, "\u0661\u0663" + "\u0668" * 9)


def test_non_string_type_error():
    with pytest.raises(TypeError):
        normalize_id_number(["110105491231002"])


# -------------------------------------------------------------- consistency


def test_consistency_ok():
    info = parse_id_number(PUBLISHED_F, today=TODAY)
    assert check_consistency(info, sex=2, birth_date=D(1949, 12, 31)) == []
    assert check_consistency(info) == []
    assert check_consistency(info, sex=9) == []  # unstated never conflicts


def test_sex_mismatch():
    info = parse_id_number(PUBLISHED_F, today=TODAY)
    [err] = check_consistency(info, sex=1)
    assert err.code == "sex.mismatch"
    assert err.field == "sex"
    assert err.params == {"given": "男", "expected": "女"}
    assert "男" in err.message and "女" in err.message


def test_sex_mismatch_accepts_words():
    info = parse_id_number(PUBLISHED_M, today=TODAY)
    [err] = check_consistency(info, sex="女")
    assert err.code == "sex.mismatch"


def test_birth_date_mismatch():
    info = parse_id_number(PUBLISHED_F, today=TODAY)
    errors = check_consistency(info, sex=1, birth_date=D(1949, 12, 30))
    assert [e.code for e in errors] == ["sex.mismatch", "birth_date.mismatch"]
    err = errors[1]
    assert err.field == "birth_date"
    assert err.params == {"given": "1949-12-30", "expected": "1949-12-31"}
    assert "1949-12-30" in err.message and "1949-12-31" in err.message


# ---------------------------------------------------------------------- sex


@pytest.mark.parametrize(
    "value, expected",
    [
        (1, 1), (2, 2), (0, 0), (9, 9), (1.0, 1),
        ("1", 1), ("2", 2), ("0", 0), ("9", 9),
        ("男", 1), ("女", 2), ("男性", 1), ("女性", 2),
        ("M", 1), ("F", 2), ("m", 1), ("f", 2), ("Ｍ", 1),
        ("未知", 0), ("未说明", 9), ("未知的性别", 0), ("未说明的性别", 9),
        (" 男 ", 1), (None, None), ("", None), ("  ", None),
    ],
)
def test_parse_sex(value, expected):
    assert parse_sex(value) == expected


@pytest.mark.parametrize("value", [3, "3", "男女", "X", True, 1.5])
def test_parse_sex_unknown(value):
    err = raises("sex.unknown", parse_sex, value)
    assert err.field == "sex"


def test_sex_names():
    assert SEX_NAMES == {0: "未知的性别", 1: "男", 2: "女", 9: "未说明的性别"}


# -------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "dot",
    ["\u2022", "\u30fb", "\uff0e", "\uff65", ".", "\u2027", "\u2219", "\u00b7", "\u22c5", "\u0387"],
)
def test_name_middle_dot_variants(dot):
    assert normalize_name(f"买买提{dot}艾力") == "买买提\u00b7艾力"


def test_name_dot_with_spaces_around():
    assert normalize_name("买买提 • 艾力") == "买买提·艾力"


def test_name_rare_character_kept():
    assert normalize_name("\U00020BB7田") == "\U00020BB7田"
    assert normalize_name("张\U00020BB7") == "张\U00020BB7"


def test_name_six_characters_and_long_names():
    assert normalize_name("欧阳娜娜娜娜") == "欧阳娜娜娜娜"
    long = "阿" * 50
    assert normalize_name(long) == long


def test_name_too_long():
    err = raises("name.too_long", normalize_name, "阿" * 51)
    assert err.field == "name"


def test_name_whitespace_collapsed():
    assert normalize_name("  Maria \u3000  Lopez ") == "Maria Lopez"
    assert normalize_name("\u3000张三\u200b") == "张三"


def test_name_fullwidth_letters():
    assert normalize_name("ＭＡＲＩＡ") == "MARIA"


def test_name_hyphen_allowed():
    assert normalize_name("Jean-Pierre") == "Jean-Pierre"


@pytest.mark.parametrize("value", [None, "", "  ", "\u200b"])
def test_name_missing(value):
    err = raises("name.missing", normalize_name, value)
    assert err.field == "name"


@pytest.mark.parametrize("value, char", [("张3", "3"), ("张３", "3"), ("王小二2号", "2")])
def test_name_digit_rejected(value, char):
    err = raises("name.invalid", normalize_name, value)
    assert err.field == "name"
    assert err.params["char"] == char
    assert char in err.message


@pytest.mark.parametrize(
    "value, label",
    [("张\x00三", "U+0000"), ("张\t三", "U+0009"), ("张\n三", "U+000A"), ("张\x7f", "U+007F")],
)
def test_name_control_char_rejected(value, label):
    err = raises("name.invalid", normalize_name, value)
    assert err.params["char"] == label
    assert label in err.message


@pytest.mark.parametrize(
    "value, char",
    [("张,三", ","), ("张三!", "!"), ("张@三", "@"), ("O'Brien", "'"), ("张三😀", "😀")],
)
def test_name_punctuation_rejected(value, char):
    err = raises("name.invalid", normalize_name, value)
    assert err.params["char"] == char


@pytest.mark.parametrize("value", ["买买提··艾力", "·艾力", "艾力·", "Jean--Pierre", "-张"])
def test_name_separator_misplaced(value):
    raises("name.invalid", normalize_name, value)


# ------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "value, expected",
    [
        ("13812345678", "13812345678"),
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        (Decimal("13812345678"), "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("(+86)13812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("0936-8212345", "0936-8212345"),
        ("(0936)8212345", "0936-8212345"),
        ("（０９３６）８２１２３４５", "0936-8212345"),
        ("09368212345", "0936-8212345"),
        ("0936 8212345", "0936-8212345"),
        ("010-62345678", "010-62345678"),
        ("01062345678", "010-62345678"),
        ("021-62345678", "021-62345678"),
        ("0931-88212345", "0931-88212345"),
        ("+86 936 8212345", "0936-8212345"),
        ("", ""),
        ("  ", ""),
        (None, ""),
    ],
)
def test_normalize_phone(value, expected):
    assert normalize_phone(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "12812345678",    # 12x is not a mobile prefix
        "1381234567",     # 10 digits
        "138123456789",   # 12 digits
        "8212345",        # no area code
        "0936-821234",    # 6-digit local number
        "0936-821234567",  # 9-digit local number
        "0936-0212345",   # local numbers do not start with 0
        "abc",
        "138a2345678",
        9368212345,       # numeric cell lost the leading 0 of a landline
        13812345678.5,
        True,
    ],
)
def test_normalize_phone_errors(value):
    err = raises("phone.format", normalize_phone, value)
    assert err.field == "phone"
    assert "13812345678" in err.message and "0936-8212345" in err.message


# ---------------------------------------------------------------------- age


@pytest.mark.parametrize(
    "born, on, expected",
    [
        (D(1990, 6, 15), D(2020, 6, 14), 29),  # day before the birthday
        (D(1990, 6, 15), D(2020, 6, 15), 30),  # on the birthday
        (D(1990, 6, 15), D(2020, 6, 16), 30),
        (D(1990, 6, 15), D(1990, 6, 15), 0),   # day of birth
        (D(1990, 12, 31), D(1991, 1, 1), 0),
        (D(1990, 1, 1), D(1990, 12, 31), 0),
        (D(2000, 2, 29), D(2001, 2, 27), 0),
        (D(2000, 2, 29), D(2001, 2, 28), 1),   # month-end rule in a common year
        (D(2000, 2, 29), D(2001, 3, 1), 1),
        (D(2000, 2, 29), D(2004, 2, 28), 3),   # leap year: birthday is 29 Feb
        (D(2000, 2, 29), D(2004, 2, 29), 4),
        (D(2000, 2, 29), D(2100, 2, 28), 100),  # 2100 is not a leap year
        (D(2000, 2, 28), D(2001, 2, 28), 1),
        (D(1999, 3, 1), D(2000, 2, 29), 0),
        (D(1999, 3, 1), D(2000, 3, 1), 1),
    ],
)
def test_age_on(born, on, expected):
    assert age_on(born, on) == expected


def test_age_on_rejects_datetimes_and_reversed_dates():
    with pytest.raises(TypeError):
        age_on(datetime.datetime(2000, 1, 1), D(2020, 1, 1))
    with pytest.raises(TypeError):
        age_on(D(2000, 1, 1), datetime.datetime(2020, 1, 1))
    with pytest.raises(ValueError):
        age_on(D(2000, 1, 2), D(2000, 1, 1))


# ------------------------------------------------------------ ethnic groups


def test_ethnic_table():
    assert len(ETHNIC_GROUPS) == 56
    assert list(ETHNIC_GROUPS) == [f"{i:02d}" for i in range(1, 57)]
    assert len(set(ETHNIC_GROUPS.values())) == 56
    assert all(name.endswith("族") for name in ETHNIC_GROUPS.values())
    assert ETHNIC_GROUPS["01"] == "汉族"
    assert ETHNIC_GROUPS["04"] == "藏族"
    assert ETHNIC_GROUPS["36"] == "毛南族"
    assert ETHNIC_GROUPS["46"] == "德昂族"
    assert ETHNIC_GROUPS["48"] == "裕固族"
    assert ETHNIC_GROUPS["56"] == "基诺族"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("01", "01"), ("1", "01"), (1, "01"), (1.0, "01"), ("汉族", "01"), ("汉", "01"),
        ("藏", "04"), ("藏族", "04"), ("维吾尔", "05"), ("蒙古族", "02"),
        ("毛难族", "36"), ("毛难", "36"), ("毛南族", "36"), ("崩龙族", "46"),
        ("裕固族", "48"), ("裕固", "48"), (48, "48"), ("土族", "30"), ("土家族", "15"),
        ("５６", "56"), (" 汉 族 ", "01"),
        (None, None), ("", None), ("  ", None),
    ],
)
def test_parse_ethnic_group(value, expected):
    assert parse_ethnic_group(value) == expected


@pytest.mark.parametrize("value", ["57", "00", 0, 57, "Han", "汉人", "族", True, 1.5])
def test_parse_ethnic_group_unknown(value):
    err = raises("ethnic_group.unknown", parse_ethnic_group, value)
    assert err.field == "ethnic_group"


# ---------------------------------------------------------------- relations


def test_relation_table():
    assert HEAD_RELATION == "02"
    assert RELATIONS["02"] == "户主"
    assert RELATIONS["10"] == "配偶"
    assert RELATIONS["28"] == "女婿"
    assert RELATIONS["38"] == "儿媳"
    assert RELATIONS["53"] == "公公"
    assert RELATIONS["65"] == "配偶的祖父母或外祖父母"
    assert RELATIONS["97"] == "其他亲属"
    assert RELATIONS["99"] == "非亲属"
    assert "98" not in RELATIONS
    # 01, 02, 10-12, 20-29, 30-39, ..., 90-97, 99
    assert len(RELATIONS) == 2 + 3 + 10 * 7 + 8 + 1
    assert len(set(RELATIONS.values())) == len(RELATIONS)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("02", "02"), ("2", "02"), (2, "02"), ("户主", "02"), ("户主本人", "02"),
        ("本人", "01"), ("配偶", "10"), ("夫", "11"), ("丈夫", "11"), ("妻", "12"),
        ("妻子", "12"), ("子", "20"), ("儿子", "20"), ("长子", "22"), ("女", "30"),
        ("女儿", "30"), ("儿媳", "38"), ("儿媳妇", "38"), ("孙子", "41"), ("孙女", "42"),
        ("父", "51"), ("父亲", "51"), ("母", "52"), ("母亲", "52"), ("哥哥", "71"),
        ("兄", "71"), ("姐", "75"), ("姐姐", "75"), ("弟弟", "73"), ("妹", "77"),
        ("其他", "80"), ("其它", "80"), ("其他亲属", "97"), ("非亲属", "99"),
        ("堂兄弟、堂姐妹", "91"), ("９９", "99"),
        (None, None), ("", None),
    ],
)
def test_parse_relation(value, expected):
    assert parse_relation(value) == expected


@pytest.mark.parametrize("value", ["98", "3", "03", "朋友", 100, True])
def test_parse_relation_unknown(value):
    err = raises("relation.unknown", parse_relation, value)
    assert err.field == "relation_to_head"


# --------------------------------------------------------------------- pinyin


@pytest.mark.parametrize(
    "name, expected",
    [
        ("张建国", ("zhangjianguo", "zjg")),
        ("吕小明", ("lvxiaoming", "lxm")),
        ("买买提·艾力", ("maimaitiaili", "mmtal")),
        ("买买提•艾力", ("maimaitiaili", "mmtal")),
        ("Maria Lopez", ("marialopez", "ml")),
        ("单雄信", ("shanxiongxin", "sxx")),
        ("曾国藩", ("zengguofan", "zgf")),
        ("尉迟恭", ("yuchigong", "ycg")),
        ("\U00020BB7田", ("tian", "t")),
        ("", ("", "")),
    ],
)
def test_name_pinyin(name, expected):
    assert name_pinyin(name) == expected


# ---------------------------------------------------------------------- grams


def test_name_grams():
    assert name_grams("张建国") == "张 建 国 张建 建国"
    assert name_grams("张三") == "张 三 张三"
    assert name_grams("张") == "张"
    assert name_grams("") == ""


def test_name_grams_distinct_and_dot_ignored():
    assert name_grams("买买提·艾力") == "买 提 艾 力 买买 买提 提艾 艾力"
    assert name_grams("丽丽丽") == "丽 丽丽"


def test_search_grams():
    assert search_grams("张") == ["张"]
    assert search_grams("张建") == ["张建"]
    assert search_grams("张建国") == ["张建", "建国"]
    assert search_grams("丽丽丽") == ["丽丽"]
    assert search_grams("提·艾") == ["提艾"]
    assert search_grams("") == []
    assert search_grams(" ") == []


def test_search_grams_are_in_name_grams():
    index = set(name_grams("欧阳娜娜").split())
    assert set(search_grams("阳娜娜")) <= index


# ---------------------------------------------------------------------- masks


def test_mask_id_number():
    assert mask_id_number("62070219900101123X") == "620702********123X"
    assert mask_id_number(ZHANGYE_M) == "620702********1236"
    assert mask_id_number("110105491231002") == "110105*****1002"
    assert mask_id_number("123456789") == "*********"
    assert mask_id_number("1234567890") == "**********"
    assert mask_id_number("") == ""
    assert mask_id_number(None) == ""


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0936-8212345") == "0936-****345"
    assert mask_phone("010-62345678") == "010-*****678"
    assert mask_phone("0931-88212345") == "0931-*****345"
    assert mask_phone("") == ""
    assert mask_phone(None) == ""
    assert mask_phone("12345") == "*****"


# --------------------------------------------------------------------- search


@pytest.mark.parametrize(
    "q, expected",
    [
        ("", ("", "")),
        ("  \u3000", ("", "")),
        ("11010519491231002X", ("id_number", "11010519491231002X")),
        ("11010519491231002x", ("id_number", "11010519491231002X")),
        ("１１０１０５１９４９１２３１００２Ｘ", ("id_number", "11010519491231002X")),
        ("110105194912310025", ("id_number", "110105194912310025")),  # checksum not verified
        ("110105491231002", ("id_number", "11010519491231002X")),
        ("13812345678", ("phone", "13812345678")),
        ("138 1234 5678", ("phone", "13812345678")),
        ("+86 13812345678", ("phone", "13812345678")),
        ("0936-8212345", ("phone", "0936-8212345")),
        ("1234", ("id_tail", "1234")),
        ("002X", ("id_tail", "002X")),
        ("002x", ("id_tail", "002X")),
        ("31002X", ("id_tail", "31002X")),
        ("123456", ("id_tail", "123456")),
        ("zjg", ("pinyin", "zjg")),
        ("ZhangJianGuo", ("pinyin", "zhangjianguo")),
        ("zhang jian guo", ("pinyin", "zhangjianguo")),
        ("张建国", ("name", "张建国")),
        ("张", ("name", "张")),
        ("买买提•艾力", ("name", "买买提·艾力")),
        ("12345", ("name", "12345")),
        ("12812345678", ("name", "12812345678")),
    ],
)
def test_classify_query(q, expected):
    assert classify_query(q) == expected


# ------------------------------------------------------------------- purity


def test_module_is_pure():
    import ast
    import pathlib

    tree = ast.parse(pathlib.Path(rules.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "django" not in imported
    allowed = {"__future__", "dataclasses", "datetime", "numbers", "re", "unicodedata", "pypinyin"}
    assert imported <= allowed


def test_area_code_must_name_a_province():
    # 000000 is no GB/T 2260 address code: the first two digits must be a province
    # (11–65, 71, 81, 82, 83). Check character computed so only the area code is wrong.
    first17 = "00000019900101001"
    with pytest.raises(rules.RuleError) as exc:
        rules.parse_id_number(first17 + rules.id_check_char(first17))
    assert exc.value.code == "id_number.area_code"
    assert "000000" in exc.value.message


def test_clean_free_text_keeps_chinese_punctuation_and_narrows_digits():
    """Regression (new-user test): a proposal's "需求突出，群众期盼；" came back as
    "需求突出,群众期盼;" — NFKC turned the full-width punctuation of Chinese prose into
    ASCII. It is kept as typed (GB/T 15834); full-width digits, letters and the
    ideographic space are still narrowed, as for names and numbers."""
    typed = "经初审，成员均为本社区居民；章程（草案）齐全：同意！是否上报？９：００～１７：００　Ａ栋"
    assert rules.clean_free_text(typed) == "经初审，成员均为本社区居民；章程（草案）齐全：同意！是否上报？9：00～17：00 A栋"
    assert rules.clean_free_text("第一段，\n第二段。", multiline=True) == "第一段，\n第二段。"
    assert rules.clean_free_text("ｅ\u0301，") == "é，"     # composed across a kept mark's neighbour


def test_clean_free_text_drops_control_characters():
    assert rules.clean_free_text("甘州区\x00东街  12号\t") == "甘州区东街 12号"
    assert rules.clean_free_text("第一行\n第二行\x07", multiline=True) == "第一行\n第二行"
    assert rules.clean_free_text(12) == "12"
    with pytest.raises(TypeError):
        rules.clean_free_text(["a"])
