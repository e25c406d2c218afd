"""Names that come from declared data (case types' states, actions, comment and field
labels) are shown in English on the pages when the language cookie asks for it; the
stored texts, the declarations and the API stay Chinese. The names are marked ``N_`` in
the case_types modules so that ``make messages`` extracts them."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from jiayuan.cases import declarations

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff]")


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def declared_names(raw: dict) -> list[str]:
    """Every name a page may show of one declaration."""
    decl = declarations.parse_declaration(raw)
    names = [decl.name]
    for s in decl.states:
        names += [s.name] + ([s.public_name] if s.public_name else [])
    for t in decl.transitions:
        names += [t.name, t.comment_label]
        for f in t.fields:
            names += [f.label] + [label for _code, label in f.choices]
    return names


def test_every_declared_name_of_every_case_type_has_an_english_translation():
    registered = declarations.registered()
    # the three case types of this project are declared (grid, servicecenter, assistance)
    assert {"grid_event", "service_request", "assistance_application"} <= set(registered)
    missing = []
    for code, raw in registered.items():
        for name in declared_names(raw):
            with translation.override("en"):
                english = translation.gettext(name)
            if english == name or CJK.search(english):
                missing.append((code, name, english))
            with translation.override("zh-hans"):
                assert translation.gettext(name) == name  # Chinese stays the declared text
    assert not missing, missing


@pytest.fixture
def client_for(more_users):
    def make(who: str, lang: str = "") -> Client:
        c = Client()
        c.force_login(more_users[who])
        if lang:
            c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        return c
    return make


def test_case_page_shows_the_state_and_actions_in_english_with_the_cookie(client_for, report_event, act):
    case = report_event()   # a grid event: state 已上报, the township's actions 立案 / 退回上报人 / 作废（不予立案）
    r = client_for("township", "en").get(f"/cases/{case.number}/")
    assert r.status_code == 200
    html, text = r.content.decode(), text_of(r)
    assert re.search(r'data-testid="state">\s*Reported\s*<', html)
    for s in ("Grid event", "Register", "Return to reporter", "Void (not registered)", "Reason for return"):
        assert s in text, s
    for s in ("已上报", "立案", "退回上报人", "作废（不予立案）", "退回原因"):
        assert s not in text, s

    # after 立案 the timeline names the step and the states in English too
    act("township", case, "accept", comment="情况属实")
    text = text_of(client_for("township", "en").get(f"/cases/{case.number}/"))
    assert "Reported → Registered" in text and "Dispatch" in text
    assert "已上报 → 已立案" not in text
    assert "情况属实" in text   # what people wrote is not translated


def test_case_page_stays_chinese_without_the_cookie(client_for, report_event):
    case = report_event()
    r = client_for("township").get(f"/cases/{case.number}/")
    html, text = r.content.decode(), text_of(r)
    assert re.search(r'data-testid="state">\s*已上报\s*<', html)
    for s in ("网格事件", "立案", "退回上报人", "作废（不予立案）"):
        assert s in text, s
    for s in ("Reported", "Return to reporter"):
        assert s not in text, s


def test_the_api_keeps_the_chinese_names_with_the_english_cookie(api_client, report_event):
    case = report_event()
    c = api_client("township")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = c.get(f"/api/v1/cases/{case.number}")
    assert r.status_code == 200, r.content
    assert r.json()["state_name"] == "已上报"   # the data contract: declared names as declared


def test_refusals_name_the_state_and_action_in_the_users_language(more_users, report_event, act):
    """A refusal is a message to the user, not data: with English the declared names in it
    are English too (not an English sentence around Chinese names)."""
    from jiayuan.audit.services import Actor
    from jiayuan.cases import services
    from jiayuan.errors import Conflict

    case = report_event()                       # 已上报 (Reported)
    stale = case.version
    act("township", case, "accept", comment="情况属实")  # now 已立案 (Registered)
    case.refresh_from_db()
    actor = Actor(more_users["township"], "page")
    with translation.override("en"):
        with pytest.raises(Conflict) as lost:
            services.transition(actor, case, "accept", version=stale)
        with pytest.raises(Conflict) as wrong_state:
            services.transition(actor, case, "accept", version=case.version)
    assert "“Registered”" in lost.value.message and not CJK.search(lost.value.message)
    assert "“Registered”" in wrong_state.value.message and "“Accept”" in wrong_state.value.message  # 立案: Accept
    assert not CJK.search(wrong_state.value.message)
