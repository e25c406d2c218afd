"""English is available by explicit choice only: the language cookie (set by the switch)
selects it; without the cookie everything is Chinese, whatever Accept-Language says, for
pages and the API alike. The English catalog is complete and its compiled .mo matches.

The catalog is src/jiayuan/locale/en/LC_MESSAGES/django.po (msgids are the Chinese
texts); scripts/update-translations re-extracts it and lists what is left to translate.
"""

import ast
import gettext
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from jiayuan.conftest import OWNER_COMMUNITY

from .conftest import text_of

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")

# An ID number whose check character should be X (the standard's example, 1949-12-31, female).
BAD_CHECKSUM = {"name": "李秀英", "id_number": "110105194912310021", "region": OWNER_COMMUNITY}
MESSAGE_ZH = "公民身份号码校验位错误：第18位应为 X，实为 1，请核对号码"
MESSAGE_EN = "Citizen ID number check digit is wrong: the 18th character should be X but is 1; please check the number"


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- pages ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_login_page_in_english_with_the_cookie():
    r = english(Client()).get("/login/")
    assert r.status_code == 200
    html, text = r.content.decode(), text_of(r)
    assert '<html lang="en">' in html
    assert "<title>Sign in · Jiayuan Community Governance Platform</title>" in html
    for s in ("Urban and Rural Community Governance and Service Platform", "Username", "Password",
              "After 5 wrong passwords in a row from one network address, signing in to the account from that address is blocked for 15 minutes."):
        assert s in text
    # Nothing left in Chinese but the switch's own "中文" button.
    assert not CJK.findall(text.replace("中文", "")), text


@pytest.mark.django_db
def test_login_page_in_chinese_without_the_cookie_even_if_the_browser_asks_for_english():
    r = Client(headers={"Accept-Language": "en-US,en;q=0.9"}).get("/login/")
    html, text = r.content.decode(), text_of(r)
    assert '<html lang="zh-CN">' in html
    assert "登录" in text and "城乡社区治理与服务平台" in text and "密码" in text
    assert "Sign in" not in text and "Password" not in text


def test_home_of_a_community_worker_in_english_with_the_cookie(page_client):
    r = english(page_client("community")).get("/")
    assert r.status_code == 200
    html, text = r.content.decode(), text_of(r)
    assert '<html lang="en">' in html
    for s in ("Hello, community", "Community worker", "Registered residents (living)",
              "Key groups (tags in effect)", "Common tasks", "Resident search", "Register resident",
              "New household", "Regions and grids", "Sign out"):
        assert s in text, s
    assert 'placeholder="Name, pinyin or ID number"' in html
    for s in ("您好", "常用功能", "居民查询", "退出"):
        assert s not in text, s


def test_home_in_chinese_without_the_cookie_even_if_the_browser_asks_for_english(page_client):
    c = page_client("community")
    r = c.get("/", headers={"Accept-Language": "en"})
    html, text = r.content.decode(), text_of(r)
    assert '<html lang="zh-CN">' in html
    for s in ("您好，community", "社区工作者", "常用功能", "居民查询", "退出"):
        assert s in text, s
    assert "Hello" not in text and "Common tasks" not in text


def test_an_unsupported_cookie_value_falls_back_to_chinese(page_client):
    c = page_client("community")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "常用功能" in text_of(c.get("/"))


# --- API --------------------------------------------------------------------------------

def _post_person(client: Client, **headers):
    return client.post("/api/v1/persons", json.dumps(BAD_CHECKSUM), content_type="application/json",
                       headers=headers)


def test_api_messages_are_chinese_by_default_even_with_accept_language_english(api_client):
    r = _post_person(api_client("community"), **{"Accept-Language": "en"})
    assert r.status_code == 422
    body = r.json()["error"]
    assert body["code"] == "id_number.checksum"
    assert body["message"] == MESSAGE_ZH
    assert body["fields"]["id_number"][0]["message"] == MESSAGE_ZH


def test_api_messages_follow_the_language_cookie_like_the_pages(api_client):
    r = _post_person(english(api_client("community")))
    assert r.status_code == 422
    body = r.json()["error"]
    assert body["code"] == "id_number.checksum"  # codes never change with the language
    assert body["message"] == MESSAGE_EN
    assert body["fields"]["id_number"][0]["message"] == MESSAGE_EN


# --- the catalog --------------------------------------------------------------------------

def read_po(path: Path) -> list[dict]:
    """The live (non-obsolete) entries of a .po file, header excluded: ``flags`` (set),
    ``msgid``, ``msgid_plural`` (or None), ``msgctxt`` (or None), ``msgstr`` (list of the
    translation forms)."""
    out = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        flags, fields, key = set(), {}, None
        for line in block.splitlines():
            if line.startswith("#~"):
                fields = {}
                break
            if line.startswith("#,"):
                flags.update(f.strip() for f in line[2:].split(","))
            elif line.startswith('"'):
                fields[key] += ast.literal_eval(line)
            elif line and not line.startswith("#"):
                key, _, value = line.partition(" ")
                fields[key] = ast.literal_eval(value)
        if fields.get("msgid"):
            out.append({
                "flags": flags, "msgid": fields["msgid"], "msgid_plural": fields.get("msgid_plural"),
                "msgctxt": fields.get("msgctxt"),
                "msgstr": [v for k, v in sorted(fields.items()) if k.startswith("msgstr")],
            })
    return out


@pytest.fixture(scope="module")
def catalog() -> list[dict]:
    return read_po(LC_MESSAGES / "django.po")


def test_every_entry_of_the_english_catalog_is_translated_and_none_is_fuzzy(catalog):
    assert len(catalog) > 700
    untranslated = [e["msgid"] for e in catalog if not e["msgstr"] or not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in catalog if "fuzzy" in e["flags"]]
    assert untranslated == [], "untranslated (run scripts/update-translations): %r" % untranslated
    assert fuzzy == [], "fuzzy (check the translation, then remove the flag): %r" % fuzzy
    plurals = [e for e in catalog if e["msgid_plural"]]
    assert plurals and all(len(e["msgstr"]) == 2 for e in plurals)
    # Translated means English: no Chinese characters outside quoted values that users
    # must type as they are (column headers, code-table names) in a few messages, and
    # document numbers (文号 such as 民发〔2020〕20号), proper names quoted as issued.
    chinese = [e["msgid"] for e in catalog for s in e["msgstr"]
               if CJK.search(re.sub(r"“[^”]*”|\d+年\d+月\d+日|[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号", "", s))]
    assert chinese == []


def test_translations_keep_every_placeholder(catalog):
    for e in catalog:
        for s in e["msgstr"]:
            if "python-format" in e["flags"]:
                assert sorted(PLACEHOLDER.findall(s)) == sorted(PLACEHOLDER.findall(e["msgid"])), e["msgid"]
            if "python-brace-format" in e["flags"]:
                assert sorted(re.findall(r"\$\{\w+\}", s)) == sorted(re.findall(r"\$\{\w+\}", e["msgid"])), e["msgid"]


def test_the_compiled_catalog_matches_the_po_file(catalog):
    """The .mo is committed (no gettext needed at run time): it must be compiled from the
    current .po (`scripts/update-translations` compiles it)."""
    with (LC_MESSAGES / "django.mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = []
    for e in catalog:
        if e["msgid_plural"]:
            if mo.ngettext(e["msgid"], e["msgid_plural"], 1) != e["msgstr"][0]:
                stale.append(e["msgid"])
        elif e["msgctxt"]:   # a msgid with a context (GB/T 4761 relation 女, beside the sex 女)
            if mo.pgettext(e["msgctxt"], e["msgid"]) != e["msgstr"][0]:
                stale.append(e["msgid"])
        elif mo.gettext(e["msgid"]) != e["msgstr"][0]:
            stale.append(e["msgid"])
    assert stale == [], "the .mo is older than the .po: run scripts/update-translations"
