"""The language of a request."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ServiceLocaleMiddleware(LocaleMiddleware):
    """The pages are Chinese unless the user chose English with the switch in the header (the
    language cookie): a browser set up in English does not turn the service English for staff who
    never asked. The API follows Accept-Language, as integrators expect (zh-hans by default)."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if request.path.startswith("/api/") or chosen:
            super().process_request(request)
            return
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
