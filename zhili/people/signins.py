"""Sign-ins, sign-outs, failed sign-ins and lockouts, in the audit log (等保: 登录失败、登录成功与退出均须审计).

Django's auth signals and django-axes' lockout signal call these; each writes one entry in its own transaction
(a failed sign-in has no action around it). The entry names the login name tried — an unknown one too, cut to the
field's length — and never the password. The address is kept as its network (IPv4 /24, IPv6 /48) and a short
keyed fingerprint of the full address (HMAC-SHA256 under a key derived from SECRET_KEY): an auditor sees that
failures came from one place and where roughly, without the log holding staff's exact addresses.

A known person's entries carry their region, so that region's audit administrators read them; an unknown login
name's carry none, read by the installation's audit administrators (bound at a root region) and superusers.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from django.conf import settings
from django.db import transaction

from zhili.core import audit
from zhili.people.models import Person

USERNAME_MAX = 150


def _address(request) -> tuple[str, str]:
    """(the network the address lies in, a fingerprint of the address) — ("", "") without one."""
    raw = (getattr(request, "META", None) or {}).get("REMOTE_ADDR", "") if request is not None else ""
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return "", ""
    prefix = 24 if ip.version == 4 else 48
    network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    key = hashlib.sha256(("zhili-signin-address:" + settings.SECRET_KEY).encode()).digest()
    fingerprint = hmac.new(key, ip.packed, hashlib.sha256).hexdigest()[:12]
    return str(network), fingerprint


def _changes(username: str, request) -> dict:
    network, fingerprint = _address(request)
    changes: dict = {"username": [None, username[:USERNAME_MAX]]}
    if network:
        changes["address"] = [None, network]
        changes["address_key"] = [None, fingerprint]
    return changes


def _person(username: str) -> Person | None:
    if not username:
        return None
    return Person.objects.filter(username__iexact=username[:USERNAME_MAX]).select_related("region").first()


def _record(action: str, username: str, request, *, actor: Person | None, reason: str = "") -> None:
    """One entry about the person signing in (or, for an unknown login name, about nobody: the entry has no
    region and its object is the login name tried)."""
    person = _person(username)
    changes = _changes(username, request)
    with transaction.atomic():
        if person is not None:
            audit.record(actor, action, person, changes=changes, reason=reason)
        else:
            audit.record_many(
                None,
                action,
                Person,
                [("", username[:USERNAME_MAX] or "—", "", changes)],
                reason=reason,
            )


def on_logged_in(sender, request, user, **kwargs) -> None:
    if not (getattr(request, "META", None) or {}).get("REMOTE_ADDR"):
        return  # no client at a door: a test's force_login or a script's login(), not a sign-in
    _record("auth.login", user.username, request, actor=user)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None and getattr(user, "pk", None):
        _record("auth.logout", user.username, request, actor=user)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """A wrong password, an unknown login name, or a wrong old password on 我的账号 (PasswordChangeForm)."""
    username = str((credentials or {}).get("username") or "")
    _record("auth.login_failed", username, request, actor=None)


def on_locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    """django-axes locked an account (from one address) after ZHILI_LOGIN_FAILURE_LIMIT failures."""
    _record("auth.lockout", str(username or ""), request, actor=None)


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_logged_in, dispatch_uid="zhili-audit-login")
    user_logged_out.connect(on_logged_out, dispatch_uid="zhili-audit-logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="zhili-audit-login-failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="zhili-audit-lockout")
