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


# Names no public DNS resolves: a machine's name on a LAN, mDNS, a cloud's internal zone.
_LOCAL_SUFFIXES = (".local", ".lan", ".internal", ".intranet", ".home", ".corp", ".localdomain")


def is_local_network(host: str) -> bool:
    """A private, link-local or shared (CGNAT) address, or a name only a local network resolves (no dot, .local,
    .lan...): reachable from the merchant's office, not from the internet. Loopback is `is_loopback`'s."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        name = host.lower().rstrip(".")
        return "." not in name or name.endswith(_LOCAL_SUFFIXES)
    shared = address.version == 4 and address in ipaddress.ip_network("100.64.0.0/10")
    return (address.is_private or address.is_link_local or shared) and not address.is_loopback
