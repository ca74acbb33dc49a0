"""The SEFAZ SOAP client: lojasync's `SefazGateway` for SEFAZ's NF-e 4.00 web services."""

from lojasync.fiscal.sefaz.endpoints import Service, authoriser, service_url, uf_code
from lojasync.fiscal.sefaz.errors import (
    SefazConfigurationError,
    SefazInvalidAnswer,
    SefazReceiptRefused,
    SefazUnreachable,
)
from lojasync.fiscal.sefaz.soap_client import DEFAULT_TIMEOUT, SefazSoapClient
from lojasync.fiscal.sefaz.tls import tls_context

__all__ = ["DEFAULT_TIMEOUT", "SefazConfigurationError", "SefazInvalidAnswer", "SefazReceiptRefused", "SefazSoapClient",
           "SefazUnreachable", "Service", "authoriser", "service_url", "tls_context", "uf_code"]
