"""The back office's sections: the menu lists them, and a refused page leads back to the one it belongs to."""

from __future__ import annotations

from typing import NamedTuple


class Section(NamedTuple):
    href: str
    label: str     # in the menu
    back: str      # the button of an error page under it


SECTIONS = (
    Section("/pedidos", "Pedidos/Orçamentos", "Voltar para Pedidos/Orçamentos"),
    Section("/nfe", "NF-e", "Voltar para as NF-e"),
    Section("/vendas", "Vendas simples", "Voltar para as vendas simples"),
    Section("/estoque", "Estoque", "Voltar para o Estoque"),
    Section("/financeiro", "Financeiro", "Voltar para o Financeiro"),
    Section("/integracao", "Integração", "Voltar para a Integração"),
    Section("/configuracoes", "Configurações", "Voltar para as Configurações"),
)


def section_of(path: str) -> Section | None:
    """The section a page's path is under ("/nfe/5" is NF-e's; "/pedidos/nfe-em-lote" is Pedidos')."""
    return next((s for s in SECTIONS if path == s.href or path.startswith(s.href + "/")), None)
