"""TLS for SEFAZ: the company's A1 certificate as the client certificate, the server always verified.

`ssl.SSLContext.load_cert_chain` only reads files, so the certificate and its key are written to a
private temporary folder (0700, files 0600), loaded, and deleted before this function returns: the
context keeps them in memory, and the key spends milliseconds on disk, readable by no other user.

SEFAZ's servers present ICP-Brasil certificates (or, some of them, ones of public CAs), and most systems do
not trust ICP-Brasil's roots: the server is checked against the system's roots plus the ICP-Brasil chain
shipped in `fiscal/data/icp_brasil.pem` (roots v5 and v10, the ones TLS certificates chain to, and the CAs
under them; see the README there). `ca_bundle` adds a PEM file of the operator's (a newer chain from ITI).
"""

from __future__ import annotations

import functools
import os
import ssl
import tempfile
from importlib.resources import files
from pathlib import Path
from typing import Protocol


class ClientCertificate(Protocol):
    def pem_pair(self) -> tuple[bytes, bytes]:
        """(certificate with its chain, unencrypted private key), both PEM."""


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


@functools.cache
def icp_brasil_chain() -> str:
    """The shipped ICP-Brasil CAs, PEM (read once: a context is built once per company and process)."""
    return files("lojasync.fiscal").joinpath("data/icp_brasil.pem").read_text(encoding="ascii")


def tls_context(certificate: ClientCertificate | None = None, *, verify: bool = True,
                ca_bundle: str | Path | None = None) -> ssl.SSLContext:
    """A client context (TLS 1.2 or later) presenting `certificate`; `verify=False` is for tests only."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if verify:
        context.load_verify_locations(cadata=icp_brasil_chain())
    if ca_bundle is not None:
        context.load_verify_locations(cafile=str(ca_bundle))
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if certificate is not None:
        chain, key = certificate.pem_pair()
        with tempfile.TemporaryDirectory(prefix="lojasync-tls-") as folder:  # created 0700
            cert_path, key_path = Path(folder, "cert.pem"), Path(folder, "key.pem")
            _write_private(cert_path, chain)
            _write_private(key_path, key)
            context.load_cert_chain(cert_path, key_path)
        # A server on TLS 1.3 may ask for the certificate after the handshake (IIS does, when it asks lazily): the
        # context must allow it, as the standard library's and urllib3's do with a client certificate, or the A1
        # is never presented and SEFAZ's refusal reads as a bad certificate (review).
        context.post_handshake_auth = True
    return context
