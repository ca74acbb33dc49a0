"""The SEFAZ client's addresses (UF -> authoriser -> URL, per environment) and its configuration errors."""

from __future__ import annotations

import pytest

from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.sefaz import SefazConfigurationError, SefazSoapClient, Service, authoriser, service_url, uf_code
from lojasync.fiscal.sefaz.endpoints import UF_CODES


def test_every_uf_has_an_authoriser() -> None:
    groups: dict[str, list[str]] = {}
    for uf in UF_CODES:
        groups.setdefault(authoriser(uf), []).append(uf)
    own = {name: ufs for name, ufs in groups.items() if name not in ("SVRS", "SVAN")}
    assert sorted(own) == ["AM", "BA", "GO", "MG", "MS", "MT", "PE", "PR", "RS", "SP"]
    assert all(ufs == [name] for name, ufs in own.items())
    assert groups["SVAN"] == ["MA"]
    assert sorted(groups["SVRS"]) == ["AC", "AL", "AP", "CE", "DF", "ES", "PA", "PB", "PI", "RJ", "RN", "RO", "RR",
                                      "SC", "SE", "TO"]


@pytest.mark.parametrize("environment", list(Environment))
@pytest.mark.parametrize("service", list(Service))
def test_every_uf_has_an_https_url_for_every_service(environment: Environment, service: Service) -> None:
    for uf in UF_CODES:
        url = service_url(uf, environment, service)
        assert url.startswith("https://") and "?" not in url


def test_known_urls() -> None:
    assert service_url("SP", Environment.HOMOLOGATION, Service.AUTHORISATION) == \
        "https://homologacao.nfe.fazenda.sp.gov.br/ws/nfeautorizacao4.asmx"
    assert service_url("35", Environment.PRODUCTION, Service.EVENTS) == "https://nfe.fazenda.sp.gov.br/ws/nferecepcaoevento4.asmx"
    assert service_url("RJ", Environment.PRODUCTION, Service.QUERY) == \
        "https://nfe.svrs.rs.gov.br/ws/NfeConsulta/NfeConsulta4.asmx"
    # nfelib lists some services by their WSDL address; the service is at the bare path.
    assert service_url("GO", Environment.PRODUCTION, Service.STATUS) == \
        "https://nfe.sefaz.go.gov.br/nfe/services/NFeStatusServico4"
    assert service_url("MA", Environment.HOMOLOGATION, Service.RECEIPT).startswith("https://hom.sefazvirtual.fazenda.gov.br/")


def test_base_url_replaces_the_table_keeping_the_authoriser() -> None:
    # The simulator answers as the authoriser in the path (226 for another UF's NF-e), as SEFAZ's own addresses do.
    assert service_url("SP", Environment.PRODUCTION, Service.QUERY, "http://127.0.0.1:9/") == \
        "http://127.0.0.1:9/SP/NFeConsultaProtocolo4"
    assert service_url("RJ", Environment.HOMOLOGATION, Service.AUTHORISATION, "http://127.0.0.1:9") == \
        "http://127.0.0.1:9/SVRS/NFeAutorizacao4"
    assert service_url("21", Environment.HOMOLOGATION, Service.QUERY, "http://127.0.0.1:9") == \
        "http://127.0.0.1:9/SVAN/NFeConsultaProtocolo4"


def test_uf_codes() -> None:
    assert (uf_code("sp"), uf_code(" 35 "), uf_code("DF")) == ("35", "35", "53")
    with pytest.raises(ValueError):
        uf_code("XX")


def test_service_actions_are_the_wsdl_operations() -> None:
    assert Service.AUTHORISATION.action == "http://www.portalfiscal.inf.br/nfe/wsdl/NFeAutorizacao4/nfeAutorizacaoLote"
    assert Service.RECEIPT.action.endswith("NFeRetAutorizacao4/nfeRetAutorizacaoLote")
    assert Service.QUERY.action.endswith("NFeConsultaProtocolo4/nfeConsultaNF")
    assert Service.EVENTS.action.endswith("NFeRecepcaoEvento4/nfeRecepcaoEvento")
    assert Service.STATUS.action.endswith("NFeStatusServico4/nfeStatusServicoNF")


def test_configuration_errors_are_not_retryable() -> None:
    with pytest.raises(SefazConfigurationError) as unknown_uf:
        SefazSoapClient("XX", base_url="http://127.0.0.1:9")
    assert not unknown_uf.value.retryable and "UF desconhecida" in str(unknown_uf.value)
    with pytest.raises(SefazConfigurationError) as no_certificate:
        SefazSoapClient("SP", Environment.PRODUCTION)
    assert str(no_certificate.value) == ("Não é possível falar com a SEFAZ: a SEFAZ exige o certificado digital A1 "
                                         "da empresa na conexão.")


def test_keys_and_receipts_are_checked_before_they_go_into_xml() -> None:
    with SefazSoapClient("SP", base_url="http://127.0.0.1:9") as client:
        with pytest.raises(ValueError):
            client.query_nfe("3520<injected/>")
        with pytest.raises(ValueError):
            client.query_receipt("12")
