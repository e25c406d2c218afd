"""GB 32100-2015 check characters, worked by hand.

Weights 3ⁱ mod 31 for positions 1–17: 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28.
Character values: digits 0–9, then A=10 B=11 C=12 D=13 E=14 F=15 G=16 H=17 J=18 K=19
L=20 M=21 N=22 P=23 Q=24 R=25 T=26 U=27 W=28 X=29 Y=30.
"""

import pytest

from jiayuan.organizations.rules import WEIGHTS, check_uscc, uscc_check_character
from jiayuan.people.rules import RuleError


def test_weights_are_the_powers_of_three_modulo_31_printed_in_the_standard():
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_check_character_of_the_first_public_example_worked_by_hand():
    # 9 1 3 5 0 1 0 0 M(21) 0 0 0 1 0 0 Y(30) 4
    # 9·1 + 1·3 + 3·9 + 5·27 + 0 + 1·26 + 0 + 0 + 21·20 + 0 + 0 + 0 + 1·8 + 0 + 0 + 30·30 + 4·28
    # = 9 + 3 + 27 + 135 + 26 + 420 + 8 + 900 + 112 = 1640; 1640 mod 31 = 28; (31 − 28) mod 31 = 3
    assert uscc_check_character("91350100M000100Y4") == "3"
    assert check_uscc("91350100M000100Y43") == "91350100M000100Y43"


def test_check_character_of_the_second_public_example_worked_by_hand():
    # 9·1 + 1·3 + 1·9 + 1·27 + 0·19 + … + 6·20 + 0 + 0 + 3·8 + 7·24 + 3·10 + 4·30 + 1·28
    # = 9 + 3 + 9 + 27 + 120 + 24 + 168 + 30 + 120 + 28 = 538; 538 mod 31 = 11; 31 − 11 = 20 → L
    assert uscc_check_character("91110000600037341") == "L"


def test_a_wrong_check_character_is_refused_naming_the_right_one():
    with pytest.raises(RuleError) as err:
        check_uscc("91350100M000100Y44")
    assert err.value.code == "uscc.checksum"
    assert err.value.params == {"expected": "3"}
    assert err.value.field == "uscc"


@pytest.mark.parametrize("raw", ["91350100M000100Y4", "91350100M000100Y433", "91350100M000100I43"])
def test_a_code_of_wrong_length_or_with_a_letter_the_standard_leaves_out_is_a_format_error(raw):
    with pytest.raises(RuleError) as err:
        check_uscc(raw)
    assert err.value.code == "uscc.format"


def test_spaces_dashes_lower_case_and_full_width_characters_are_normalised():
    assert check_uscc(" 9135-0100m000100y４３ ") == "91350100M000100Y43"


def test_a_civil_affairs_social_group_code_must_start_with_51():
    # 51 + 620702 (甘州区) + organization code 50000001X → check character by hand:
    # 5·1 + 1·3 + 6·9 + 2·27 + 0 + 7·26 + 0 + 2·17 + 5·20 + 0 + 0 + 0 + 0 + 0 + 0 + 1·30 + X(29)·28
    # = 5 + 3 + 54 + 54 + 182 + 34 + 100 + 30 + 812 = 1274; 1274 mod 31 = 3; 31 − 3 = 28 → W
    code = "51" + "620702" + "50000001X" + "W"
    assert uscc_check_character(code[:17]) == "W"
    assert check_uscc(code, "social_group") == code
    with pytest.raises(RuleError) as err:
        check_uscc(code, "foundation")
    assert err.value.code == "uscc.kind_mismatch"
    with pytest.raises(RuleError) as err:
        check_uscc("91350100M000100Y43", "social_group")
    assert err.value.code == "uscc.kind_mismatch"
    assert check_uscc("91350100M000100Y43", "enterprise") == "91350100M000100Y43"
