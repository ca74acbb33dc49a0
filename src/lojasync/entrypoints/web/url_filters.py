"""Values put into a link's path. Jinja's `urlencode` keeps "/" (and "." is never encoded), so a SKU like
"A/../../x" became a link the browser rewrites into another page; `sku_path` makes the whole SKU one path
segment ("/" is %2F), which the `{sku:path}` routes read back as it was."""

from __future__ import annotations

from urllib.parse import quote


def sku_path(sku: object) -> str:
    """The SKU as one segment of a path: every character but letters, digits and "-._~" percent-encoded."""
    return quote(str(sku), safe="")
