"""The flash cookie is written by the browser's side too: a crafted one must never break the pages."""

from __future__ import annotations

import base64
import json

from lojasync.entrypoints.web.templating import FLASH_COOKIE, MAX_FLASH_COOKIE


def encoded(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode()


def test_a_deeply_nested_flash_cookie_is_ignored_not_a_500(web):
    nested = encoded("[" * 3000)                   # past Python's recursion limit when decoded
    assert len(nested) <= MAX_FLASH_COOKIE         # so it is the decoding, not the size check, that copes
    web.cookies.set(FLASH_COOKIE, nested)
    page = web.get("/login")
    assert page.status_code == 200 and 'name="password"' in page.text
    assert FLASH_COOKIE in page.headers.get("set-cookie", "")  # and deleted, so the next page is clean


def test_an_oversized_flash_cookie_is_ignored(web):
    message = [{"text": "Aviso forjado", "level": "info"}] * 100
    big = encoded(json.dumps(message))
    assert len(big) > MAX_FLASH_COOKIE
    web.cookies.set(FLASH_COOKIE, big)
    page = web.get("/login")
    assert page.status_code == 200 and "Aviso forjado" not in page.text


def test_a_normal_flash_cookie_is_still_shown(web):
    web.cookies.set(FLASH_COOKIE, encoded(json.dumps([{"text": "Pedido salvo.", "level": "success"}])))
    page = web.get("/login")
    assert page.status_code == 200 and "Pedido salvo." in page.text
