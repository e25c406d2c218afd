"""Content-Security-Policy on every page, HTTPS (redirect, HSTS, secure cookies) in
production only, and ``check --deploy`` clean with production settings (issue 11,
finding 10). The browser half (no CSP violation on the main pages) is
test_csp_browser.py."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

import jiayuan

PACKAGE = Path(jiayuan.__file__).resolve().parent

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def _policy(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _production_env(tmp_path, **extra) -> dict:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process (Playwright's loop);
    # a deployment does not (check --deploy reports it as async.E001).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JIAYUAN_", "DATABASE_URL")) and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "jiayuan.settings",
        "JIAYUAN_ENV": "production",
        "JIAYUAN_SECRET_KEY": secrets.token_urlsafe(50),
        "JIAYUAN_FIELD_KEY": secrets.token_urlsafe(40),
        "JIAYUAN_ALLOWED_HOSTS": "jiayuan.example.cn",
        "JIAYUAN_VAR_DIR": str(tmp_path),
        **extra,
    })
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    jiayuan_cmd = Path(sys.executable).with_name("jiayuan")
    proc = subprocess.run([str(jiayuan_cmd), "check", "--deploy", "--fail-level", "WARNING"],
                          env=_production_env(tmp_path), capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "System check identified no issues" in out
    assert not re.search(r"\b[A-Za-z_]+\.[WE]\d{3}\b", out), out


PROBE = r"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
c = Client(HTTP_HOST="jiayuan.example.cn")
plain = c.get("/login/")
secure = c.get("/login/", secure=True)
proxied = c.get("/login/", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "secure": [secure.status_code, secure.get("Strict-Transport-Security", ""),
               secure.get("Content-Security-Policy", "")],
    "proxied": [proxied.status_code, proxied.get("Location", "")],
    "cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
}))
"""


def _probe(env) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_production_redirects_plain_http_and_sends_hsts(tmp_path):
    out = _probe(_production_env(tmp_path))
    assert out["plain"] == [301, "https://jiayuan.example.cn/login/"]
    status, hsts, csp = out["secure"]
    assert status == 200
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert _policy(csp) == EXPECTED_CSP
    assert out["cookies"] == [True, True]
    # Without a configured proxy header, X-Forwarded-Proto from anybody is not believed.
    assert out["proxied"] == [301, "https://jiayuan.example.cn/login/"] and out["proxy_header"] is None


def test_behind_a_tls_proxy_its_header_marks_the_request_secure(tmp_path):
    out = _probe(_production_env(tmp_path, JIAYUAN_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https"))
    assert out["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert out["proxied"] == [200, ""]
    assert out["plain"][0] == 301


def test_a_malformed_proxy_header_setting_refuses_to_start(tmp_path):
    env = _production_env(tmp_path, JIAYUAN_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    proc = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "JIAYUAN_SECURE_PROXY_SSL_HEADER" in proc.stderr


@pytest.mark.django_db
def test_the_demo_serves_plain_http_with_the_policy(settings):
    assert settings.ENVIRONMENT == "demo"
    r = Client().get("/login/")
    assert r.status_code == 200
    assert "Strict-Transport-Security" not in r
    assert _policy(r["Content-Security-Policy"]) == EXPECTED_CSP
    assert "unsafe-inline" not in r["Content-Security-Policy"] and "unsafe-eval" not in r["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_plain_500_page_keeps_to_the_policy():
    from django.template import loader

    html = loader.get_template("web/500.html").render()
    assert "<style" not in html and "style=" not in html and "/static/web/500.css" in html


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|hx-on|javascript:",
                    re.IGNORECASE)


def test_no_template_has_an_inline_script_style_or_handler():
    found = []
    for path in sorted(PACKAGE.glob("*/templates/**/*.html")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if INLINE.search(line):
                found.append(f"{path.relative_to(PACKAGE)}:{n}: {line.strip()[:100]}")
    assert found == []
