"""Where each UF's NF-e web services live, per environment: the URL table nfelib 3.2.0 ships.

Ten UFs run their own authoriser (AM, BA, GO, MG, MS, MT, PE, PR, RS, SP); the others use a SEFAZ
Virtual: SVAN (the national one, for MA) or SVRS (Rio Grande do Sul's, for the remaining sixteen). The
UF -> authoriser split follows the national portal's list as software houses publish it in 2025; nfelib's
own client maps PA to SVAN, which is out of date. The cancellation event goes to the same authoriser as
the NF-e (the national AN RecepcaoEvento is for the recipient's events). Contingency (SVC-AN, SVC-RS) is
not used here.
"""

from __future__ import annotations

from enum import StrEnum

from nfelib.nfe.client.v4_0.servers import Endpoint, servers

from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.municipalities import UF_CODES  # cUF: the first two digits of every access key


class Service(StrEnum):
    """The 4.00 web services lojasync calls, by their WSDL names (also the simulator's paths)."""

    AUTHORISATION = "NFeAutorizacao4"
    RECEIPT = "NFeRetAutorizacao4"
    QUERY = "NFeConsultaProtocolo4"
    EVENTS = "NFeRecepcaoEvento4"
    VOID = "NFeInutilizacao4"
    STATUS = "NFeStatusServico4"

    @property
    def namespace(self) -> str:
        return f"http://www.portalfiscal.inf.br/nfe/wsdl/{self.value}"

    @property
    def action(self) -> str:
        """The operation's SOAPAction, sent as the `action` parameter of SOAP 1.2's Content-Type."""
        return f"{self.namespace}/{_OPERATIONS[self]}"


_OPERATIONS = {
    Service.AUTHORISATION: "nfeAutorizacaoLote",
    Service.RECEIPT: "nfeRetAutorizacaoLote",
    Service.QUERY: "nfeConsultaNF",
    Service.EVENTS: "nfeRecepcaoEvento",
    Service.VOID: "nfeInutilizacaoNF",
    Service.STATUS: "nfeStatusServicoNF",
}
_NFELIB_ENDPOINT = {
    Service.AUTHORISATION: Endpoint.NFEAUTORIZACAO,
    Service.RECEIPT: Endpoint.NFERETAUTORIZACAO,
    Service.QUERY: Endpoint.NFECONSULTAPROTOCOLO,
    Service.EVENTS: Endpoint.RECEPCAOEVENTO,
    Service.VOID: Endpoint.NFEINUTILIZACAO,
    Service.STATUS: Endpoint.NFESTATUSSERVICO,
}

OWN_AUTHORISER = frozenset({"AM", "BA", "GO", "MG", "MS", "MT", "PE", "PR", "RS", "SP"})
SVAN_USERS = frozenset({"MA"})


def uf_code(uf: str) -> str:
    """The IBGE code of a UF given as "SP" or "35"; ValueError for anything else."""
    value = uf.strip().upper()
    if value in UF_CODES:
        return UF_CODES[value]
    if value in UF_CODES.values():
        return value
    raise ValueError(f"UF desconhecida: {uf!r}")


def uf_abbreviation(uf: str) -> str:
    code = uf_code(uf)
    return next(abbreviation for abbreviation, number in UF_CODES.items() if number == code)


def authoriser(uf: str) -> str:
    """The authoriser that receives the UF's NF-e: the UF itself, "SVAN" or "SVRS"."""
    abbreviation = uf_abbreviation(uf)
    if abbreviation in OWN_AUTHORISER:
        return abbreviation
    return "SVAN" if abbreviation in SVAN_USERS else "SVRS"


def service_url(uf: str, environment: Environment, service: Service, base_url: str | None = None) -> str:
    """The URL to POST `service` to; with `base_url` (the simulator) it is `{base_url}/{authoriser}/{service}`:
    the simulator then answers as that authoriser, refusing (226) an NF-e of a UF it does not serve, as SEFAZ
    does when a document reaches another UF's web service."""
    if base_url:
        return f"{base_url.rstrip('/')}/{authoriser(uf)}/{service.value}"
    table = servers[authoriser(uf)]
    endpoints = table["prod_endpoints"] if environment is Environment.PRODUCTION else table["dev_endpoints"]
    url = endpoints.get(_NFELIB_ENDPOINT[service])
    if url is None:
        raise ValueError(f"sem URL de {service.value} para {authoriser(uf)}")
    # Some entries are the WSDL's address ("...?wsdl"); the service itself is at the bare path.
    return url.split("?", 1)[0]
