"""The CFOPs a product may carry for its sales: the rule the NF-e applies (`fiscal.tax_rules`) and the product's
fiscal data checks when it is typed (`stock.fiscal_data`), so a code every NF-e would refuse is refused at once."""

from __future__ import annotations

import re

# The sales a product's CFOP may name: x101 to x124 ("vendas de produção própria ou de terceiros"), taxed as the
# company's regime says; and 5405, goods whose ICMS was retained earlier by substitution (the merchant is the
# "substituído"): CSOSN 500 / CST 60, no ICMS of its own. Any other CFOP (a substitute's 5401-5403, a gift's
# 5910, a consignment...) needs tax groups lojasync does not build: refused, never sent under the wrong ones.
SALE_CFOP = re.compile(r"[56]1(0[1-9]|1\d|2[0-4])")
ICMS_RETAINED_CFOPS = frozenset({"5405"})


def is_sale_cfop(cfop: str) -> bool:
    """Whether a product may carry `cfop` for its sales (5xxx or 6xxx: each NF-e checks its first digit against the
    sale's destination, `fiscal.tax_rules.cfop_problem`)."""
    return bool(SALE_CFOP.fullmatch(cfop)) or cfop in ICMS_RETAINED_CFOPS
