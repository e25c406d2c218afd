"""The pure rules of tips: the workflow's steps and what each needs."""

from jiayuan.governance.tips import rules


def codes(errors):
    return [e.code for e in errors]


def test_a_tip_goes_collected_verified_transferred_concluded():
    assert rules.next_state("collected", "verify") == "verified"
    assert rules.next_state("verified", "transfer") == "transferred"
    assert rules.next_state("transferred", "conclude") == "concluded"


def test_a_collected_tip_cannot_be_transferred_before_it_is_verified():
    assert codes(rules.check_step("collected", "transfer", recipient="police")) == ["tip.action_not_allowed"]


def test_a_transfer_names_the_recipient():
    assert codes(rules.check_step("verified", "transfer")) == ["tip.recipient_required"]
    assert rules.check_step("verified", "transfer", recipient="discipline") == []


def test_a_transferred_tip_is_concluded_with_the_feedback_received_not_as_unfounded():
    assert codes(rules.check_step("transferred", "conclude", outcome="unfounded", note="x")) == [
        "tip.unfounded_after_transfer"]
    assert codes(rules.check_step("transferred", "conclude", outcome="feedback")) == ["tip.note_required"]
    assert rules.check_step("transferred", "conclude", outcome="feedback", note="已立案侦查") == []


def test_a_verified_tip_found_unfounded_is_concluded_with_the_reason_and_without_feedback():
    assert codes(rules.check_step("verified", "conclude", outcome="feedback", note="x")) == [
        "tip.feedback_before_transfer"]
    assert rules.check_step("verified", "conclude", outcome="unfounded", note="查无实据") == []


def test_a_concluded_tip_takes_no_further_step():
    assert rules.actions_from("concluded") == []
    assert codes(rules.check_step("concluded", "verify")) == ["tip.action_not_allowed"]


def test_an_informant_is_named_unless_anonymous():
    assert codes(rules.check_new_tip(category="organized_crime", content="x", anonymous=False,
                                     informant_name=" ")) == ["tip.informant_required"]
    assert rules.check_new_tip(category="organized_crime", content="x", anonymous=True, informant_name="") == []


def test_handlers_are_county_officers_of_that_county_designated_at_county_level():
    assert rules.check_designation("county_officer", "620702", "620702") == []
    assert codes(rules.check_designation("township_officer", "620702001", "620702")) == ["tip.handler_role"]
    assert codes(rules.check_designation("county_officer", "620722", "620702")) == ["tip.handler_role"]
    assert codes(rules.check_designation("county_officer", "620702001", "620702001")) == ["tip.handler_county"]


def test_the_number_names_the_year_and_a_serial_only():
    assert rules.tip_number(2026, 12) == "XS2026-000012"
