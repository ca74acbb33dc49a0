"""The marketplace an order was sold on, as the NF-e declares it (`fiscal.intermediaries`)."""

from __future__ import annotations

from types import SimpleNamespace

from lojasync.fiscal.intermediaries import intermediary_of
from lojasync.sales.marketplaces import MERCADO_LIVRE


def test_a_seller_id_kept_before_the_form_refused_it_is_a_listed_problem_not_an_xsd_failure():
    """review: "販売者", kept by an earlier version, was cut to nothing in idCadIntTran and the NF-e failed the XSD
    ("XML fora do leiaute") with nothing to say which field; now it is a problem that names the fix."""
    for kept in ("販売者", "Loja販売", "🛒🛒"):
        found, (problem,) = intermediary_of(SimpleNamespace(mercado_livre_seller=kept), MERCADO_LIVRE)
        assert found is None and f"({kept}) tem caracteres que a NF-e não aceita" in problem
        assert "lojasync company set --mercado-livre-seller APELIDO" in problem
        # On a line of its own in the terminal ("No terminal: ..."), as the other refusals give their commands.
        assert problem.terminal == "lojasync company set --mercado-livre-seller APELIDO"
    _, (missing,) = intermediary_of(SimpleNamespace(mercado_livre_seller=None), MERCADO_LIVRE)
    assert missing.terminal == "lojasync company set --mercado-livre-seller APELIDO"
    found, problems = intermediary_of(SimpleNamespace(mercado_livre_seller="Loja Ação"), MERCADO_LIVRE)
    assert problems == [] and (found.cnpj, found.seller_id) == ("03007331000141", "Loja Ação")
    assert intermediary_of(SimpleNamespace(mercado_livre_seller=None), None) == (None, [])
    # Written as the layout writes them (review): not a problem.
    for kept in ("JOA\u0303O", "Loja – Oficial"):
        assert intermediary_of(SimpleNamespace(mercado_livre_seller=kept), MERCADO_LIVRE)[1] == []
