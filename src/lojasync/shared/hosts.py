"""Whether a host named in an address is this machine."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """localhost (and names under .localhost), 127.0.0.0/8 or ::1: the host as `urlsplit(...).hostname` gives it."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
