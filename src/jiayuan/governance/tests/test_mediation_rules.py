"""Pure rules of people's mediation (人民调解法)."""

from datetime import date, timedelta

from jiayuan.governance.mediation import rules


def codes(errors):
    return [e.code for e in errors]


PARTIES = [{"name": "张大山", "role": "applicant", "stance": "applied"},
           {"name": "李小河", "role": "respondent", "stance": "agreed"}]


def test_an_application_with_two_parties_opens():
    assert rules.check_opening("application", PARTIES, "neighbour", "院墙漏水") == []


def test_a_party_who_clearly_refused_is_never_mediated_even_on_the_committees_initiative():
    refused = [PARTIES[0], {**PARTIES[1], "stance": "refused"}]
    for mode in ("application", "initiative"):
        errors = rules.check_opening(mode, refused, "neighbour", "院墙漏水")
        assert codes(errors) == ["mediation.party_refused"] and errors[0].params == {"name": "李小河"}


def test_an_application_needs_a_party_who_applied():
    agreed = [{**p, "stance": "agreed"} for p in PARTIES]
    assert codes(rules.check_opening("application", agreed, "neighbour", "x")) == ["mediation.no_applicant"]
    assert rules.check_opening("initiative", agreed, "neighbour", "x") == []


def test_one_party_is_no_dispute():
    assert codes(rules.check_opening("application", PARTIES[:1], "neighbour", "x")) == ["mediation.parties"]


def _calendar_2025(day: date) -> bool:
    """The 2025 official arrangement around National Day (国办发明电〔2024〕12号): 10-01 to
    10-08 off, Sunday 09-28 and Saturday 10-11 worked; otherwise Monday–Friday."""
    if date(2025, 10, 1) <= day <= date(2025, 10, 8):
        return False
    if day in (date(2025, 9, 28), date(2025, 10, 11)):
        return True
    return day.weekday() < 5


def test_the_court_confirmation_deadline_is_thirty_days_after_the_agreement_takes_effect():
    # signed Monday 2025-0310: the day is not counted; 30 days later is Wednesday 2025-04-09
    assert rules.court_confirmation_deadline(date(2025, 3, 10), _calendar_2025) == date(2025, 4, 9)


def test_a_deadline_falling_in_the_national_day_holiday_moves_to_the_first_working_day_after():
    # signed 2025-09-01: 30 days later is 2025-10-01, in the holiday 10-01…10-08 → Thursday 2025-10-09
    assert rules.court_confirmation_deadline(date(2025, 9, 1), _calendar_2025) == date(2025, 10, 9)


def test_a_deadline_on_a_saturday_moves_to_monday():
    # signed Thursday 2025-05-15: +30 = Saturday 2025-06-14 → Monday 2025-06-16
    assert date(2025, 5, 15) + timedelta(days=30) == date(2025, 6, 14)
    assert rules.court_confirmation_deadline(date(2025, 5, 15), _calendar_2025) == date(2025, 6, 16)


def test_an_agreement_states_facts_terms_manner_and_deadline_of_performance():
    errors = rules.check_agreement(facts_and_issues="", terms="", performance_manner="", performance_deadline=None,
                                   signed_on=None, today=date(2025, 1, 1))
    assert codes(errors) == ["mediation.facts_and_issues_required", "mediation.terms_required",
                             "mediation.performance_manner_required", "mediation.signed_on_required",
                             "mediation.deadline_required"]


def test_a_committee_has_three_to_nine_members():
    assert codes(rules.check_committee_size(2)) == ["mediation.committee_size"]
    assert rules.check_committee_size(3) == [] and rules.check_committee_size(9) == []
    assert codes(rules.check_committee_size(10)) == ["mediation.committee_size"]
