"""Who may use the page: Streamlit's built-in OIDC login (`st.login`) plus resqa's allow-list.

Login is on when `.streamlit/secrets.toml` has an `[auth]` section (Streamlit's own OIDC
settings: redirect_uri, cookie_secret, client_id, client_secret, server_metadata_url). resqa's
policy sits beside it:

    [resqa]
    allowed_emails = ["ana@example.org"]      # these people …
    allowed_domains = ["example.org"]         # … and anyone whose e-mail ends @example.org
    admins = ["it-desk@example.org"]          # may upload and re-index (if empty: every allowed user)

With no `[auth]` section the page is open (for local use) and says so. Nothing here reads or
returns a secret: the policy only sees e-mail addresses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Policy:
    login_required: bool
    allowed_emails: frozenset[str] = frozenset()
    allowed_domains: frozenset[str] = frozenset()
    admins: frozenset[str] = frozenset()

    @classmethod
    def from_secrets(cls, secrets: Mapping[str, Any]) -> Policy:
        def names(key: str) -> frozenset[str]:
            value = (secrets.get("resqa") or {}).get(key) or []
            if isinstance(value, str):
                value = [value]
            return frozenset(str(v).strip().lower().lstrip("@") for v in value if str(v).strip())

        return cls(login_required="auth" in secrets, allowed_emails=names("allowed_emails"),
                   allowed_domains=names("allowed_domains"), admins=names("admins"))


@dataclass(frozen=True)
class Access:
    allowed: bool
    admin: bool
    user: str  # e-mail, or "" when nobody is logged in
    message: str


def decide(policy: Policy, user: Mapping[str, Any]) -> Access:
    if not policy.login_required:
        return Access(True, True, "", "Open access: no login is configured on this server (local use).")
    if not user.get("is_logged_in"):
        return Access(False, False, "", "Staff only: log in with your organisation account.")
    email = str(user.get("email") or "").strip().lower()
    verified = user.get("email_verified", True) is not False
    domain = email.rpartition("@")[2]
    listed = not policy.allowed_emails and not policy.allowed_domains
    ok = bool(email) and verified and (listed or email in policy.allowed_emails or domain in policy.allowed_domains)
    if not ok:
        return Access(False, False, email, f"{email or 'This account'} is not on this server's list of staff. "
                      "Ask the administrator to add you, or log out and use another account.")
    admin = email in policy.admins if policy.admins else True
    return Access(True, admin, email, f"Signed in as {email}.")
