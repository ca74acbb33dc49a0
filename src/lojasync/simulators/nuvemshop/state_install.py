"""The app's side of the simulator: its settings (redirect and LGPD URLs), installation by OAuth, uninstall."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping

from lojasync.simulators.nuvemshop.clock import Clock
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.errors import api_error, invalid
from lojasync.simulators.nuvemshop.oauth import SCOPE, CodeBook, TokenError, with_query
from lojasync.simulators.nuvemshop.state_common import id_value
from lojasync.simulators.nuvemshop.webhooks import url_problem

LGPD_EVENTS = ("store/redact", "customers/redact", "customers/data_request")


class InstallMixin:
    """Part of Simulator, which sets these attributes up and provides `store`, `_send` and `_emit`."""

    config: SimulatorConfig
    clock: Clock
    lock: threading.RLock
    redirect_url: str | None
    lgpd_urls: dict[str, str]
    _codes: CodeBook

    def app_settings(self) -> dict:
        c = self.config
        with self.lock:
            return {"app_id": c.app_id, "client_id": c.client_id, "client_secret": c.client_secret,
                    "redirect_url": self.redirect_url, "lgpd_urls": dict(self.lgpd_urls), "scope": SCOPE}

    def set_redirect_url(self, url: str | None) -> None:
        if url is not None and url_problem(url):
            raise invalid("redirect_url", url_problem(url))
        with self.lock:
            self.redirect_url = url

    def set_lgpd_urls(self, urls: Mapping[str, str | None]) -> None:
        """Set (or, with None, remove) the URLs of store/redact, customers/redact, customers/data_request."""
        for event, url in urls.items():
            if event not in LGPD_EVENTS:
                raise invalid("lgpd_urls", f"unknown event {event}; expected one of {', '.join(LGPD_EVENTS)}")
            if url is not None and url_problem(url):
                raise invalid("lgpd_urls", f"{event}: {url_problem(url)}")
        with self.lock:
            for event, url in urls.items():
                if url is None:
                    self.lgpd_urls.pop(event, None)
                else:
                    self.lgpd_urls[event] = url

    def authorize(self, state: str | None = None, store_id: str | None = None) -> str:
        """The merchant approves the app: the redirect URL with a fresh `code` (and `state`)."""
        with self.lock:
            store = self.store(store_id)
            if not self.redirect_url:
                raise api_error(400, "The app has no redirect URL configured")
            code = self._codes.issue(store.store_id, self.clock())
            return with_query(self.redirect_url, code=code, state=state)

    def exchange_code(self, client_id: str | None, client_secret: str | None, code: str | None,
                      grant_type: str | None = "authorization_code") -> dict:
        """The token answer; raises oauth.TokenError. The new token replaces the store's previous ones."""
        c = self.config
        if not client_id or not client_secret or not code or not grant_type:
            raise TokenError(400, "invalid_request",
                             "client_id, client_secret, grant_type and code are required")
        if client_id != c.client_id or client_secret != c.client_secret:
            raise TokenError(401, "invalid_client", "Client authentication failed")
        if grant_type != "authorization_code":
            raise TokenError(400, "unsupported_grant_type", "grant_type must be authorization_code")
        with self.lock:
            store = self.store(self._codes.redeem(code, self.clock()))
            token = secrets.token_hex(20)
            store.tokens = {token}
            store.installed = True
        return {"access_token": token, "token_type": "bearer", "scope": SCOPE,
                "user_id": id_value(store.store_id)}

    def uninstall_app(self, store_id: str | None = None) -> bool:
        """Revoke the store's tokens, send app/uninstalled, then drop its webhooks; False if not installed."""
        with self.lock:
            store = self.store(store_id)
            if not store.installed:
                return False
            store.installed = False
            store.tokens.clear()
            # Collected before the webhooks are dropped: app/uninstalled still reaches its subscribers.
            urls = [h["url"] for h in store.webhooks.values() if h["event"] == "app/uninstalled"]
            store.webhooks.clear()
        sid = store.store_id
        self._send("webhook", sid, "app/uninstalled", id_value(sid), urls,
                   {"store_id": id_value(sid), "event": "app/uninstalled", "id": id_value(sid)})
        self._emit(sid, "app/uninstalled", int(sid) if sid.isdigit() else 0)
        return True
