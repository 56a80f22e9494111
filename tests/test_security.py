"""Security: argon2, lockout after failed logins, CSRF, headers and CSP, session expiry, the health check."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher, make_password
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.test import Client, override_settings
from django.utils import timezone

import zhili.settings as production
from tests.conftest import person
from zhili.core import views as core_views
from zhili.people.models import ApiToken

PASSWORD = "zhili-demo"


def login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


# ---- passwords ------------------------------------------------------------------------------------------


def test_argon2_is_the_production_password_hasher():
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "MD5PasswordHasher" not in " ".join(production.PASSWORD_HASHERS)


def test_a_password_set_under_the_production_hashers_is_argon2(db):
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        encoded = make_password("一个足够长的密码-123")
        assert encoded.startswith("argon2$")
        assert identify_hasher(encoded).algorithm == "argon2"


def test_password_rules_ask_for_ten_characters():
    validators = {v["NAME"].rsplit(".", 1)[1]: v for v in production.AUTH_PASSWORD_VALIDATORS}
    assert validators["MinimumLengthValidator"]["OPTIONS"]["min_length"] == 10
    assert "CommonPasswordValidator" in validators and "NumericPasswordValidator" in validators


# ---- sign-in and lockout -----------------------------------------------------------------------------


def test_the_demo_login_works(db):
    client = Client()
    response = login(client, "demo-village", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_is_told_in_chinese(db):
    response = login(Client(), "demo-village", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_login_does_not_redirect_off_site(db):
    client = Client()
    response = client.post(
        "/login/", {"username": "demo-village", "password": PASSWORD, "next": "https://evil.example.com/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_five_failures_lock_the_account_and_say_when_to_retry(db):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = login(client, "demo-village", "wrong-password")
        assert response.status_code == 200
    response = login(client, "demo-village", "wrong-password")
    assert response.status_code == 429
    html = response.content.decode()
    assert "登录失败次数过多，该账号已被暂时锁定" in html
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"请在 {minutes} 分钟后" in html
    assert re.search(r"（\d{2}:\d{2} 以后）再试", html), html

    # Even the right password is refused while locked; nobody is signed in.
    response = login(client, "demo-village", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_wrong_old_passwords_on_my_account_lock_out_like_failed_sign_ins(db):
    """Guessing the old password from a session left open is throttled as guessing at the login page is."""
    client = Client()
    client.force_login(person("demo-village"))
    wrong = {"form": "password", "old_password": "wrong-password", "new_password": "新的密码-abc-123"}
    codes = [client.post("/account/", wrong).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert codes[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1) and codes[-1] == 429
    # locked: even the right old password changes nothing now, and says when to try again
    right = {**wrong, "old_password": PASSWORD}
    response = client.post("/account/", right)
    assert response.status_code == 429 and "原密码错误次数过多" in response.content.decode()
    assert re.search(r"（\d{2}:\d{2} 以后）再试", response.content.decode())
    assert person("demo-village").check_password(PASSWORD)
    # … and so is signing in to that account from this address
    assert login(Client(), "demo-village", PASSWORD).status_code == 429


def test_the_lock_is_per_account_and_address(db):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "demo-village", "wrong-password")
    assert login(Client(), "demo-grid", PASSWORD).status_code == 302
    assert login(Client(REMOTE_ADDR="10.1.2.3"), "demo-village", PASSWORD).status_code == 302


def test_a_success_resets_the_count(db):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "demo-village", "wrong-password")
    assert login(client, "demo-village", PASSWORD).status_code == 302
    other = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(other, "demo-village", "wrong-password").status_code == 200


def test_an_archived_person_cannot_sign_in(db):
    from zhili.people.actions import do_archive_person
    from zhili.people.scope import scope_for

    leader = person("demo-leader")
    do_archive_person(person("demo-village"), actor=leader, scope=scope_for(leader), reason="离职")
    client = Client()
    response = login(client, "demo-village", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_pages_need_a_signed_in_person(db):
    response = Client().get("/regions/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_logout_is_post_only(as_persona):
    client = as_persona("village")
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


# ---- CSRF ------------------------------------------------------------------------------------------------


def test_login_without_csrf_token_is_refused(db):
    client = Client(enforce_csrf_checks=True)
    response = login(client, "demo-village", PASSWORD)
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_with_the_csrf_token_works(db):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post("/login/", {"username": "demo-village", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_page_posts_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person("demo-leader"))
    response = client.post(f"/regions/{world.kong.code}/edit/", {"name": "被伪造的名字"})
    assert response.status_code == 403
    world.kong.refresh_from_db()
    assert world.kong.name == "孔家坊村"


def test_api_posts_on_a_browser_session_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person("demo-village"))
    before = ApiToken.objects.count()
    response = client.post("/api/v1/tokens", json.dumps({"name": "跨站"}), content_type="application/json")
    assert response.status_code == 403
    assert ApiToken.objects.count() == before


# ---- headers and the Content-Security-Policy ---------------------------------------------------------------


@pytest.fixture
def login_page(db):
    return Client().get("/login/")


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_the_csp_forbids_inline_scripts(login_page):
    csp = csp_directives(login_page)
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp.get("style-src", [])


def test_security_headers(login_page):
    assert login_page["X-Frame-Options"] == "DENY"
    assert login_page["X-Content-Type-Options"] == "nosniff"
    assert login_page["Referrer-Policy"] == "same-origin"
    assert login_page["Cross-Origin-Opener-Policy"] == "same-origin"


def test_signed_in_pages_carry_the_headers_too(as_persona, world):
    response = as_persona("village").get(f"/regions/{world.kong.code}/")
    assert response.status_code == 200
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


class _Inline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.problems.append("inline <script>")
        if "style" in attrs:
            self.problems.append(f"style attribute on <{tag}>")
        self.problems += [f"{k} on <{tag}>" for k in attrs if k.startswith("on")]
        if tag == "link" and (attrs.get("href") or "").startswith(("http://", "https://", "//")):
            self.problems.append(f"remote asset {attrs['href']}")
        if tag == "script" and (attrs.get("src") or "").startswith(("http://", "https://", "//")):
            self.problems.append(f"remote script {attrs['src']}")


@pytest.mark.parametrize("url", ["/", "/regions/", "/account/", "/people/", "/audit/", "/people/new/"])
def test_pages_have_no_inline_script_nor_remote_assets(as_persona, world, url):
    if url == "/audit/":  # the audit administrator's (三员分立), not the leader's
        from tests.security_personas import admin_persona

        client = Client()
        client.force_login(admin_persona(world, "auditor"))
    else:
        client = as_persona("leader")
    response = client.get(url, follow=True)
    assert response.status_code == 200
    parser = _Inline()
    parser.feed(response.content.decode())
    assert parser.problems == []


def test_the_login_page_has_no_inline_script(login_page):
    parser = _Inline()
    parser.feed(login_page.content.decode())
    assert parser.problems == []


def test_the_pages_assets_are_served_from_our_own_origin(login_page):
    html = login_page.content.decode()
    assets = re.findall(r'<(?:link[^>]*href|script[^>]*src)="([^"]+)"', html)
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    client = Client()
    for asset in assets:
        assert asset.startswith("/static/"), asset
        response = client.get(asset)
        assert response.status_code == 200, asset


# ---- sessions ----------------------------------------------------------------------------------------------


def test_session_settings():
    assert settings.SESSION_COOKIE_AGE == 120 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_the_session_cookie_is_httponly_and_ends_with_the_browser(db):
    client = Client()
    login(client, "demo-village", PASSWORD)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["max-age"] and not cookie["expires"]  # a browser-session cookie


def test_an_expired_session_sends_back_to_login(as_persona):
    client = as_persona("village")
    assert client.get("/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_each_request_extends_the_session(as_persona):
    client = as_persona("village")
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timezone.timedelta(minutes=1))
    client.get("/")
    remaining = Session.objects.get(session_key=key).expire_date - timezone.now()
    assert remaining.total_seconds() > 110 * 60


# ---- /healthz ----------------------------------------------------------------------------------------------


def test_healthz_is_ok_without_signing_in(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_fails(db, monkeypatch):
    class BrokenConnection:
        vendor = "broken"

        def cursor(self):
            raise OperationalError("could not connect to server")

    monkeypatch.setattr(core_views, "connection", BrokenConnection())
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "unavailable"
    assert "could not connect" not in json.dumps(body)  # no internals leak to the public


def test_healthz_answers_get_only(db):
    assert Client().post("/healthz").status_code == 405
