"""Categories at the boundaries of the policy texts, and visit due dates, worked by hand.

Child born 2012-03-10: the 16th birthday is 2028-03-10 (国发〔2016〕13号 不满十六周岁: on
2028-03-09 the child is 15, on 2028-03-10 16 and no longer left behind).
"""

import datetime

import pytest

from jiayuan.children import rules
from jiayuan.children.rules import ChildFacts, ParentFacts
from jiayuan.people.rules import RuleError

BORN = datetime.date(2012, 3, 10)
D = datetime.date


def parent(role, *situations):
    return ParentFacts(role, frozenset(situations))


def codes(**kw):
    kw.setdefault("birth_date", BORN)
    kw.setdefault("on", D(2026, 6, 1))
    kw.setdefault("registration", "rural")
    kw.setdefault("region_name", "六坝村")
    return [c.code for c in rules.derive_categories(ChildFacts(**kw))]


def test_both_parents_working_away_makes_a_rural_child_left_behind():
    assert codes(father=parent("father", "working_away"), mother=parent("mother", "working_away")) == ["left_behind"]


def test_the_day_before_the_16th_birthday_the_child_is_still_left_behind():
    away = dict(father=parent("father", "working_away"), mother=parent("mother", "working_away"))
    assert codes(on=D(2028, 3, 9), **away) == ["left_behind"]


def test_on_the_16th_birthday_the_child_is_no_longer_left_behind():
    away = dict(father=parent("father", "working_away"), mother=parent("mother", "working_away"))
    assert codes(on=D(2028, 3, 10), **away) == []


def test_one_parent_away_and_the_other_seriously_ill_is_left_behind_only():
    # 13号: 一方外出务工另一方无监护能力 (重病); 62号 needs both parents unsupporting — working
    # away is not one of its situations, so not de facto unsupported.
    cats = rules.derive_categories(ChildFacts(
        birth_date=BORN, on=D(2026, 6, 1), registration="rural", region_name="六坝村",
        father=parent("father", "working_away"), mother=parent("mother", "seriously_ill")))
    assert [c.code for c in cats] == ["left_behind"]
    facts = cats[0].as_dict()["facts"]
    assert {"code": "parent", "params": {"role": "father", "situations": ["working_away"]}} in facts
    assert {"code": "parent", "params": {"role": "mother", "situations": ["seriously_ill"]}} in facts
    assert facts[0] == {"code": "age", "params": {"age": 14, "birth_date": "2012-03-10"}}


def test_one_parent_away_and_the_other_at_home_and_well_is_not_left_behind():
    assert codes(father=parent("father", "working_away"), mother=parent("mother")) == []


def test_urban_registration_is_never_left_behind():
    assert codes(registration="urban", father=parent("father", "working_away"),
                 mother=parent("mother", "working_away")) == []


def test_unknown_registration_is_not_left_behind():
    assert codes(registration="", father=parent("father", "working_away"),
                 mother=parent("mother", "working_away")) == []


def test_one_deceased_and_the_other_declared_missing_is_an_orphan_in_difficulty_not_de_facto_unsupported():
    # 62号: 父母一方死亡或失踪，另一方符合重残、重病、服刑在押、强制隔离戒毒、失联 — 失踪 is not
    # in the second list; both parents gone is 孤儿, a child in difficulty (36号, 监护缺失).
    cats = rules.derive_categories(ChildFacts(
        birth_date=BORN, on=D(2026, 6, 1), registration="urban", region_name="交通巷社区",
        father=parent("father", "deceased"), mother=parent("mother", "missing")))
    assert [c.code for c in cats] == ["in_difficulty"]
    assert cats[0].kinds == ("guardianship",)
    assert {"code": "orphan", "params": {}} in cats[0].as_dict()["facts"]


def test_one_deceased_and_the_other_lost_contact_six_months_is_de_facto_unsupported():
    # 失联 since 2025-12-01: six months reached on 2026-06-01.
    cats = codes(registration="urban", father=parent("father", "deceased"),
                 mother=ParentFacts("mother", rules.parent_situations(lost_contact_since=D(2025, 12, 1),
                                                                      on=D(2026, 6, 1))))
    assert cats == ["in_difficulty", "de_facto_unsupported"]


def test_lost_contact_for_less_than_six_months_does_not_count():
    lost = rules.parent_situations(lost_contact_since=D(2025, 12, 2), on=D(2026, 6, 1))
    assert lost == frozenset()
    assert codes(registration="urban", father=parent("father", "deceased"), mother=ParentFacts("mother", lost)) == []


def test_both_parents_imprisoned_and_severely_disabled_is_de_facto_unsupported_and_in_difficulty():
    assert codes(registration="urban", father=parent("father", "imprisoned"),
                 mother=parent("mother", "severely_disabled")) == ["in_difficulty", "de_facto_unsupported"]


def test_de_facto_unsupported_ends_at_18_not_16():
    kw = dict(registration="urban", father=parent("father", "drug_rehab"), mother=parent("mother", "seriously_ill"))
    assert codes(on=D(2030, 3, 9), **kw) == ["in_difficulty", "de_facto_unsupported"]
    assert codes(on=D(2030, 3, 10), **kw) == []


def test_poverty_and_own_disability_are_kinds_of_difficulty_with_their_facts():
    cats = rules.derive_categories(ChildFacts(birth_date=BORN, on=D(2026, 6, 1), registration="rural",
                                              poverty_program="低保", own_disability_grade="智力残疾二级"))
    assert [c.code for c in cats] == ["in_difficulty"]
    assert cats[0].kinds == ("poverty", "disability_illness")
    assert {"code": "poverty", "params": {"program": "低保"}} in cats[0].as_dict()["facts"]


def test_severe_disability_is_grade_one_or_two_or_three_four_mental_or_intellectual():
    assert rules.severe_disability(4, 2) and rules.severe_disability(6, 4) and rules.severe_disability(5, 3)
    assert not rules.severe_disability(4, 3) and not rules.severe_disability(1, 4)


def test_a_date_before_birth_is_refused():
    with pytest.raises(RuleError) as e:
        codes(on=D(2012, 3, 9))
    assert e.value.code == "child.not_born"


def test_compare_names_added_removed_and_changed_categories():
    before = [{"code": "left_behind", "kinds": [], "facts": [1]}, {"code": "in_difficulty", "kinds": ["poverty"],
                                                                   "facts": []}]
    after = [{"code": "in_difficulty", "kinds": ["poverty", "guardianship"], "facts": []},
             {"code": "de_facto_unsupported", "kinds": [], "facts": []}]
    assert rules.compare(before, after) == [{"code": "left_behind", "change": "removed"},
                                            {"code": "in_difficulty", "change": "changed"},
                                            {"code": "de_facto_unsupported", "change": "added"}]
    assert rules.compare(after, after) == []


# --- visits --------------------------------------------------------------------------------

GRADES = rules.DEFAULT_RISK_GRADES


def test_red_is_due_one_month_after_the_visit():
    assert rules.next_visit_due(GRADES, "red", D(2026, 5, 15), D(2026, 1, 1)) == D(2026, 6, 15)


def test_green_is_due_a_quarter_after_the_visit():
    assert rules.next_visit_due(GRADES, "green", D(2026, 5, 15), D(2026, 1, 1)) == D(2026, 8, 15)


def test_yellow_is_due_two_months_after_and_clamped_to_the_month_end():
    assert rules.next_visit_due(GRADES, "yellow", D(2025, 12, 31), D(2025, 1, 1)) == D(2026, 2, 28)
    assert rules.next_visit_due(GRADES, "red", D(2028, 1, 31), D(2025, 1, 1)) == D(2028, 2, 29)


def test_without_a_visit_the_due_date_counts_from_the_opening():
    assert rules.next_visit_due(GRADES, "blue", None, D(2026, 11, 30)) == D(2027, 2, 28)


def test_an_unknown_grade_is_refused():
    with pytest.raises(RuleError) as e:
        rules.next_visit_due(GRADES, "purple", None, D(2026, 1, 1))
    assert e.value.code == "risk.unknown"


def test_a_grade_configuration_without_months_is_refused():
    with pytest.raises(RuleError):
        rules.check_risk_grades([{"code": "red", "name": "红", "color": "#ff0000", "months": 0}])


def test_a_grade_code_that_is_not_a_css_name_is_refused():
    with pytest.raises(RuleError):
        rules.check_risk_grades([{"code": "red}body{x", "name": "红", "color": "#ff0000", "months": 1}])


def test_text_on_yellow_is_black_and_on_red_white():
    assert rules.text_color("#ffc107") == "#000000" and rules.text_color("#dc3545") == "#ffffff"
