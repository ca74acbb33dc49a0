"""The marketplaces a sale can be intermediated by, as the NF-e names them (infIntermed, NT 2020.006): the
platform's CNPJ and the merchant's seller id there (idCadIntTran), which only the merchant knows.

An NF-e of a marketplace sale that says "indIntermed 0" (the merchant's own site) is a false statement, and one
that names the marketplace without the seller id is refused by the schema: an order sold on a marketplace the
company has no seller id for is a listed problem, not a guess.
"""

from __future__ import annotations

from lojasync.fiscal import nfe_format as fmt
from lojasync.fiscal.company import Company
from lojasync.fiscal.nfe_data import Intermediary
from lojasync.sales.marketplaces import MERCADO_LIVRE, marketplace_name
from lojasync.shared.errors import Gap

SET_SELLER = "lojasync company set --mercado-livre-seller APELIDO"
# Ebazar.com.br Ltda., the company behind Mercado Livre in Brazil.
_CNPJ = {MERCADO_LIVRE: "03007331000141"}


def intermediary_of(company: Company, marketplace: str | None) -> tuple[Intermediary | None, list[str]]:
    """The infIntermed of a sale on `marketplace` (None: the merchant's own store), or why there is none."""
    if marketplace is None:
        return None, []
    name = marketplace_name(marketplace)
    cnpj = _CNPJ.get(marketplace)
    if cnpj is None:
        return None, [f"pedido vendido em {name}, um marketplace que esta versão do lojasync não sabe declarar "
                      "na NF-e (intermediador): emita esta NF-e em outro emissor"]
    seller = company.mercado_livre_seller if marketplace == MERCADO_LIVRE else None
    if not seller:
        # The command as the other refusals give it, on a line of its own (README review: only inline here).
        return None, [Gap(f"pedido vendido no {name}: informe a identificação da empresa como vendedora no {name} "
                          "(nome de usuário), que a NF-e de uma venda por intermediador leva (Configurações → "
                          "Empresa, ou lojasync company set --mercado-livre-seller APELIDO)", SET_SELLER)]
    if fmt.drops_characters(seller):
        # Kept before the company's form refused it (`services.company`): cut to nothing, it failed the XSD.
        return None, [Gap(f"a identificação da empresa como vendedora no {name} ({seller}) tem caracteres que a NF-e "
                          "não aceita (emoji ou letras de outros alfabetos): corrija-a em Configurações → Empresa "
                          "(ou lojasync company set --mercado-livre-seller APELIDO)", SET_SELLER)]
    return Intermediary(cnpj, seller), []
