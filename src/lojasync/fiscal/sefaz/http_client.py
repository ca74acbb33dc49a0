"""The httpx client SEFAZ (or its simulator) is reached with: httpx's own, but reading a response's cookies
only when it sets some.

httpx hands every response to urllib's cookie jar, which wraps the request and the response and looks for
Set-Cookie headers: ~50 us of CPU an NF-e (benchmarks/invoice_throughput.py), for an answer that sets none. The
web services carry no session, so a cookie is never needed; one a load balancer in front of SEFAZ sets
(stickiness) is still kept and sent back, as httpx would.
"""

from __future__ import annotations

from typing import Any

import httpx


class _CookiesWhenSet(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class SoapHttpClient(httpx.Client):
    """`httpx.Client` whose cookie store skips the jar for responses without Set-Cookie."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self._sefaz_cookies = _CookiesWhenSet(super().cookies)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._sefaz_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._sefaz_cookies = _CookiesWhenSet(cookies)
