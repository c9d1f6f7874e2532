"""API tokens in the Authorization header: `Authorization: Token <secret>` (or `Bearer <secret>`).

Listed before session authentication so that an anonymous request gets 401 with a
WWW-Authenticate challenge, not 403.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from tasks_app.models import AccessToken

from .tokens import access_token_find, access_token_touch

SCHEMES = ("token", "bearer")


class AccessTokenAuthentication(authentication.BaseAuthentication):
    """A per-user, revocable API token (tasks_app.models.AccessToken of kind "api")."""

    keyword = "Token"

    def authenticate(self, request: Request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower().decode("latin-1") not in SCHEMES:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Authorization 请求头格式应为“Token <令牌>”。"))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("令牌无效或已吊销。")) from None
        token = access_token_find(secret, AccessToken.Kind.API)
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效或已吊销。"))
        access_token_touch(token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
