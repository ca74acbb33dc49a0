"""The process's HTTP connections to SEFAZ (or its simulator), kept between transmissions.

A `SefazSoapClient` per transmission used to open its own httpx client: for the real SEFAZ that meant a
TLS context built per NF-e (the A1's key written to a private temporary file and read back each time) and
a new TCP + TLS handshake with the client certificate per NF-e; against the simulator, ~0.8 ms of a
~18 ms NF-e (benchmarks/invoice_throughput.py). Here one httpx client (its TLS context and its idle
connections) is kept per TLS identity: the certificate presented, the server check and the timeout.
httpx clients are thread safe, so the web, the worker's threads and a batch may share them.

An idle connection is dropped after `KEEPALIVE_SECONDS`, below the 5 s the simulator's server keeps it:
the client, not the server, closes an idle connection, so a request is not sent down one the server is
closing. Should a send still fail on a connection the server dropped, it is the usual "no answer" of a
transmission: the NF-e stays "aguardando SEFAZ" and is settled by asking SEFAZ by key, never resent blind.
"""

from __future__ import annotations

import hashlib
import os
import ssl
import threading
from collections import OrderedDict
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import hashes

from lojasync.fiscal.sefaz.http_client import SoapHttpClient
from lojasync.fiscal.sefaz.tls import ClientCertificate, tls_context

KEEPALIVE_SECONDS = 4.0
# Companies (certificates) whose clients are kept at once; one is the usual case, a renewal makes two.
MAX_CLIENTS = 4


def certificate_identity(certificate: ClientCertificate | None) -> str | None:
    """What tells two certificates apart: the SHA-256 of the certificate presented (no secret in it)."""
    if certificate is None:
        return None
    x509 = getattr(certificate, "x509", None)
    if x509 is not None:
        return x509.fingerprint(hashes.SHA256()).hex()
    return hashlib.sha256(certificate.pem_pair()[0]).hexdigest()


def _bundle_key(ca_bundle: str | Path | None) -> tuple | None:
    """The CA bundle by path and what the file is now (modification time, size, inode: a copy that kept the old time
    still differs in one of the others): a new chain written over the file (the ITI's renewed roots) is read by the
    next call, not at the process's restart (TLS review)."""
    if not ca_bundle:
        return None
    try:
        found = os.stat(ca_bundle)
    except OSError:
        return str(ca_bundle), None   # `tls_context` says what is wrong with it
    return str(ca_bundle), found.st_mtime_ns, found.st_size, found.st_ino


class SefazConnections:
    """httpx clients by TLS identity, created on first use and kept for the process (see the module)."""

    def __init__(self, keepalive_seconds: float = KEEPALIVE_SECONDS, max_clients: int = MAX_CLIENTS) -> None:
        self._limits = httpx.Limits(keepalive_expiry=keepalive_seconds)
        self._max_clients = max_clients
        self._clients: OrderedDict[tuple, httpx.Client] = OrderedDict()
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def client(self, certificate: ClientCertificate | None, *, secure: bool, verify: bool,
               ca_bundle: str | Path | None, timeout: float | httpx.Timeout) -> httpx.Client:
        """The shared client for this identity. Raises what `tls_context` raises (ssl.SSLError, OSError)."""
        key = (certificate_identity(certificate) if secure else None, secure, verify, _bundle_key(ca_bundle),
               repr(timeout))
        with self._lock:
            if self._pid != os.getpid():  # a forked child must not share its parent's sockets
                self._clients.clear()
                self._pid = os.getpid()
            found = self._clients.get(key)
            if found is not None:
                self._clients.move_to_end(key)
                return found
            tls: ssl.SSLContext | bool = tls_context(certificate, verify=verify, ca_bundle=ca_bundle) if secure \
                else False
            created = SoapHttpClient(verify=tls, timeout=timeout, limits=self._limits,
                                   headers={"User-Agent": "lojasync"})
            self._clients[key] = created
            while len(self._clients) > self._max_clients:
                # Not closed: another thread may be in the middle of a call on it; its connections go
                # when it is collected.
                self._clients.popitem(last=False)
            return created

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), OrderedDict()
        for kept in clients:
            kept.close()
