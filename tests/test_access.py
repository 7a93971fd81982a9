"""Staff-only access: Streamlit's OIDC login (st.login) with resqa's allow-list and admin list,
tested with AppTest's simulated users; and no secret ever reaches the page."""

from __future__ import annotations

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from resqa.access import Policy, decide

APP = str(ROOT / "app.py")
OIDC_SECRET = "oidc-client-secret-DO-NOT-SHOW-8841"
COOKIE_SECRET = "cookie-secret-DO-NOT-SHOW-1177"
LLM_KEY = "sk-llm-key-DO-NOT-SHOW-5521"
SECRETS = {
    "auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": COOKIE_SECRET,
             "client_id": "resqa", "client_secret": OIDC_SECRET,
             "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration"},
    "resqa": {"allowed_domains": ["example.org"], "allowed_emails": ["guest@partner.net"],
              "admins": ["admin@example.org"]},
}


def everything(at) -> str:
    out = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "subheader", "text", "code"):
        out += [str(getattr(e, "value", "")) for e in getattr(at, kind)]
    out += [str(b.label) for b in at.button]
    return "\n".join(out)


def run_app(seed_index_dir, monkeypatch, user: dict | None, secrets: dict | None = SECRETS):
    monkeypatch.setenv("RESQA_INDEX", str(seed_index_dir))
    monkeypatch.setenv("RESQA_LLM_API_KEY", LLM_KEY)
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (secrets or {}).items():
        at.secrets[k] = v
    if user is not None:
        for k, v in user.items():
            at.user[k] = v
    at.run()
    assert not at.exception
    return at


def test_policy_unit():
    p = Policy.from_secrets(SECRETS)
    assert decide(p, {"is_logged_in": True, "email": "Ana@Example.org"}).allowed
    assert decide(p, {"is_logged_in": True, "email": "guest@partner.net"}).allowed
    assert not decide(p, {"is_logged_in": True, "email": "eve@evil.org"}).allowed
    assert not decide(p, {"is_logged_in": True, "email": "eve@example.org.evil.net"}).allowed
    assert not decide(p, {"is_logged_in": True, "email": "ana@example.org", "email_verified": False}).allowed
    assert not decide(p, {"is_logged_in": False}).allowed
    assert decide(p, {"is_logged_in": True, "email": "admin@example.org"}).admin
    assert not decide(p, {"is_logged_in": True, "email": "ana@example.org"}).admin
    assert decide(Policy.from_secrets({}), {}).allowed  # no [auth]: open for local use


def test_logged_out_user_sees_only_the_login(seed_index_dir, monkeypatch):
    at = run_app(seed_index_dir, monkeypatch, {"is_logged_in": False})
    assert "Log in" in [b.label for b in at.button]
    assert "Staff only" in everything(at)
    assert not at.chat_input  # no question box, no documents
    assert "GA-2021-89-RES-09" not in everything(at)


def test_stranger_is_refused(seed_index_dir, monkeypatch):
    at = run_app(seed_index_dir, monkeypatch, {"is_logged_in": True, "email": "eve@evil.org"})
    assert not at.chat_input and "not on this server's list" in everything(at)
    assert "Log out" in [b.label for b in at.button]


@pytest.mark.parametrize(("email", "can_upload"), [("ana@example.org", False), ("admin@example.org", True)])
def test_staff_can_ask_and_only_admins_upload(seed_index_dir, monkeypatch, email, can_upload):
    at = run_app(seed_index_dir, monkeypatch, {"is_logged_in": True, "email": email, "name": "X"})
    assert at.chat_input
    assert f"Signed in as {email}" in everything(at)
    has_uploader = bool(at.get("file_uploader"))
    assert has_uploader == can_upload
    if not can_upload:
        assert "Only administrators" in everything(at)
    at.chat_input[0].set_value("What does the resolution urge member countries to do?").run()
    assert not at.exception and "DEMANDE INSTAMMENT" in everything(at)


def test_open_mode_says_so(seed_index_dir, monkeypatch):
    at = run_app(seed_index_dir, monkeypatch, None, secrets=None)
    assert at.chat_input and "Open access: no login is configured" in everything(at)


def test_no_secret_reaches_the_page_or_the_export(seed_index_dir, monkeypatch):
    at = run_app(seed_index_dir, monkeypatch, {"is_logged_in": True, "email": "admin@example.org"})
    at.chat_input[0].set_value("What does the resolution urge member countries to do?").run()
    at.chat_input[0].set_value("What budget is allocated?").run()
    page = everything(at)
    exports = [str(getattr(d, "proto", "")) for d in at.get("download_button")]
    for secret in (OIDC_SECRET, COOKIE_SECRET, LLM_KEY):
        assert secret not in page
        assert all(secret not in e for e in exports)
