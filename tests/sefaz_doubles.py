"""SEFAZ as the tests need it to misbehave, around a real gateway (the simulator's): what one test alone needs stays
in that test."""

from __future__ import annotations

from lojasync.fiscal.sefaz import SefazUnreachable
from lojasync.fiscal.services.invoices import Sefaz


class QueriesUnanswered:
    """The gateway, but SEFAZ takes every question by key and never answers it (the send goes through)."""

    def __init__(self, gateway) -> None:
        self.gateway = gateway

    def __getattr__(self, name):
        return getattr(self.gateway, name)

    def query_nfe(self, key):
        raise SefazUnreachable(service="NFeConsultaProtocolo4", reason="tempo esgotado esperando a resposta")


def queries_unanswered(sefaz: Sefaz) -> Sefaz:
    """`sefaz`, each of its gateways wrapped in `QueriesUnanswered`."""
    return Sefaz(lambda uf, env, cert, deadline=None: QueriesUnanswered(sefaz.connect(uf, env, cert, deadline=deadline)),
                 simulated=sefaz.simulated)
