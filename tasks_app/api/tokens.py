"""Making, finding and revoking access tokens (tasks_app.models.AccessToken).

A secret is `<prefix>_<random>`; only its SHA-256 digest is stored, so a leaked database does not
leak working tokens, and lookup is one indexed equality (no timing side channel on the secret).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from tasks_app.errors import InvalidInput
from tasks_app.models import AccessToken

Kind = AccessToken.Kind
SECRET_PREFIX = {Kind.API: "dbk", Kind.CALENDAR: "dbc"}
# Writing last_used_at on every request would turn every read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_secret(kind: str) -> str:
    return f"{SECRET_PREFIX[kind]}_{secrets.token_urlsafe(32)}"


def access_token_create(*, user: User, kind: str, name: str = "") -> tuple[AccessToken, str]:
    """A new token for `user` and its secret (shown once). A new calendar token revokes the old."""
    secret = _new_secret(kind)
    with transaction.atomic():
        if kind == Kind.CALENDAR:
            AccessToken.objects.filter(
                user=user, kind=Kind.CALENDAR, revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
        try:
            token = AccessToken.objects.create(
                user=user,
                kind=kind,
                name=name.strip()[:100],
                key_digest=_digest(secret),
                prefix=secret[:12],
            )
        except IntegrityError:  # two calendar URLs made at once: the other one won
            raise InvalidInput(_("请求冲突，请重试。")) from None
    return token, secret


def access_token_revoke(*, token: AccessToken) -> AccessToken:
    """End the token's use at once; revoking twice changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def access_tokens_of(user: User, kind: str) -> QuerySet[AccessToken]:
    """The user's own tokens of one kind, newest first (revoked ones included, for the record)."""
    return AccessToken.objects.filter(user_id=user.pk, kind=kind).order_by("-created_at", "-id")


def access_token_find(secret: str, kind: str) -> AccessToken | None:
    """The live token with this secret and its active user, or None (unknown, revoked, wrong
    kind, user deactivated)."""
    if not secret or len(secret) > 200 or not secret.startswith(SECRET_PREFIX[kind] + "_"):
        return None
    token = (
        AccessToken.objects.select_related("user")
        .filter(key_digest=_digest(secret), kind=kind, revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token


def access_token_touch(token: AccessToken) -> None:
    """Record use, at most once per LAST_USED_RESOLUTION."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
