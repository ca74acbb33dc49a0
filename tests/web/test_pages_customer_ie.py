"""The order page's customer block: the inscrição estadual shown with what the NF-e will make of it, and the
small form that sets or clears it (CSRF, refusals in Portuguese with the typed value kept)."""

from __future__ import annotations

from lojasync.sales.views import show_order
from tests.factories import cnpj
from tests.web import documents_setup as setup
from tests.web.documents_setup import imported, post, text_of

store_id = setup.store_id

BUYER = cnpj("998887770001")
RIO = {"customer": {"id": 70001, "name": "Papelaria Boa Vista Ltda", "identification": BUYER,
                    "default_address": {"address": "Av. Atlântica", "number": "500", "locality": "Copacabana",
                                        "zipcode": "22010-000", "city": "Rio de Janeiro",
                                        "province": "Rio de Janeiro", "country": "BR"}},
       # The sale billed to the company's address, as its checkout says (the NF-e and the IE's check read it).
       "billing_address": "Av. Atlântica", "billing_number": "500", "billing_floor": "", "billing_locality": "Copacabana",
       "billing_zipcode": "22010-000", "billing_city": "Rio de Janeiro", "billing_province": "Rio de Janeiro"}


def order_of_company(app, store_id, order_id: int) -> int:
    (number,) = imported(app, store_id, {"id": order_id, "identification": BUYER, **RIO})
    return number


def test_the_page_shows_the_ie_and_the_form_sets_and_clears_it(app, logged_in, store_id):
    number = order_of_company(app, store_id, 2300000001)
    page = text_of(logged_in.get(f"/pedidos/{number}").text)
    assert "Inscrição estadual: não informada — não contribuinte do ICMS" in page
    assert "Alterar inscrição estadual" in page

    done = post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/cliente/ie", cpf_cnpj=BUYER, ie="78.890.169")
    assert done.status_code == 303 and done.headers["location"] == f"/pedidos/{number}#cliente"
    after = text_of(logged_in.get(f"/pedidos/{number}").text)
    # Shown as Rio de Janeiro writes it; stored as digits.
    assert "Inscrição estadual: 78.890.16-9 — contribuinte do ICMS" in after
    assert "Papelaria Boa Vista Ltda: inscrição estadual 78.890.16-9 gravada (contribuinte do ICMS)." in after
    assert show_order(app.uow(), number)["customer"]["state_registration"] == "78890169"

    exempt = post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/cliente/ie", cpf_cnpj=BUYER, ie="isento")
    assert exempt.status_code == 303
    assert "Inscrição estadual: ISENTO — contribuinte isento de inscrição estadual" in text_of(
        logged_in.get(f"/pedidos/{number}").text)

    cleared = post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/cliente/ie", cpf_cnpj=BUYER, ie="")
    assert cleared.status_code == 303
    assert "inscrição estadual apagada (não contribuinte do ICMS)" in text_of(logged_in.get(f"/pedidos/{number}").text)
    assert show_order(app.uow(), number)["customer"]["state_registration"] is None
    # The order's history says who changed it and what the NF-e makes of it, never the number itself.
    changes = [e for e in show_order(app.uow(), number)["log"] if e["event"] == "customer_registration"]
    assert [e["message"] for e in changes] == [
        "Inscrição estadual do cliente Papelaria Boa Vista Ltda alterada: era não contribuinte do ICMS, agora "
        "contribuinte do ICMS.",
        "Inscrição estadual do cliente Papelaria Boa Vista Ltda alterada: era contribuinte do ICMS, agora "
        "contribuinte isento de inscrição estadual.",
        "Inscrição estadual do cliente Papelaria Boa Vista Ltda alterada: era contribuinte isento de inscrição "
        "estadual, agora não contribuinte do ICMS."]
    assert {e["actor_name"] for e in changes} == {logged_in.user_email}
    with app.read_uow() as uow:   # what is stored: references and kinds only
        stored = [e.params for e in uow.order_history.for_order(number) if e.type == "customer_registration"]
    assert stored[0] == {"customer_id": show_order(app.uow(), number)["customer"]["id"],
                         "before": "non_contributor", "after": "contributor"}


def test_an_invalid_ie_is_refused_in_portuguese_with_the_typed_value_kept(app, logged_in, store_id):
    number = order_of_company(app, store_id, 2300000002)
    refused = post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/cliente/ie", cpf_cnpj=BUYER,
                   ie="110.042.490.114")   # São Paulo's, for a customer in Rio de Janeiro
    assert refused.status_code == 422
    words = text_of(refused.text)
    assert "Inscrição estadual não gravada" in words
    assert "Inscrição estadual 110.042.490.114 inválida para RJ." in words and "Resolução:" in words
    assert 'value="110.042.490.114"' in refused.text and 'aria-invalid="true"' in refused.text
    assert "Traceback" not in refused.text
    assert show_order(app.uow(), number)["customer"]["state_registration"] is None


def test_only_a_blank_field_clears_the_ie_a_typo_is_refused(app, logged_in, store_id):
    number = order_of_company(app, store_id, 2300000002)
    for typed in ("ISNETO", "abc", "N/A"):
        refused = post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/cliente/ie", cpf_cnpj=BUYER, ie=typed)
        assert refused.status_code == 422, typed
        assert f"Inscrição estadual {typed} não reconhecida: não tem números nem é ISENTO." in text_of(refused.text)
    assert show_order(app.uow(), number)["customer"]["state_registration"] is None   # nothing written
    assert post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/cliente/ie", cpf_cnpj=BUYER,
                ie="ISENTO").status_code == 303
    assert post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/cliente/ie", cpf_cnpj=BUYER,
                ie="  ").status_code == 303
    assert show_order(app.uow(), number)["customer"]["state_registration"] is None   # blank: cleared


def test_a_form_for_a_customer_no_longer_on_the_order_writes_nothing(app, logged_in, store_id):
    number = order_of_company(app, store_id, 2300000003)
    (other,) = imported(app, store_id, {"id": 2300000004})   # João, a CPF customer in São Paulo
    stale = post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/cliente/ie",
                 cpf_cnpj=show_order(app.uow(), other)["customer"]["tax_id"], ie="110042490114")
    assert stale.status_code == 409 and "não é o cliente atual do pedido" in text_of(stale.text)


def test_the_ie_form_needs_the_csrf_token(app, logged_in, store_id):
    number = order_of_company(app, store_id, 2300000005)
    answer = logged_in.post(f"/pedidos/{number}/cliente/ie", data={"cpf_cnpj": BUYER, "ie": "78890169"})
    assert answer.status_code == 403
    assert show_order(app.uow(), number)["customer"]["state_registration"] is None


def test_an_order_without_customer_shows_no_ie_form(app, logged_in, store_id):
    (number,) = imported(app, store_id, {"id": 2300000006, "identification": None})
    page = logged_in.get(f"/pedidos/{number}").text
    assert "Alterar inscrição estadual" not in page and 'data-testid="cliente-ie"' not in page


def test_the_contact_phone_and_an_sp_ie_read_as_brazilians_write_them(app, logged_in, store_id):
    """audit: the page showed 'Contato: joao@example.com.br, +5511987654321' and the IE as bare digits."""
    (number,) = imported(app, store_id, {"id": 2300000007})   # João, a CPF customer in São Paulo
    customer = show_order(app.uow(), number)["customer"]
    post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/cliente/ie", cpf_cnpj=customer["tax_id"],
         ie="110042490114")
    html = logged_in.get(f"/pedidos/{number}").text
    page = text_of(html)
    assert "Contato: joao@example.com.br, (11) 98765-4321" in page
    assert "Inscrição estadual: 110.042.490.114 — contribuinte do ICMS" in page
    assert 'name="ie" type="text" value="110.042.490.114"' in html   # the form shows it as the page does
    # Saved again as shown: the same IE, nothing changes.
    again = post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/cliente/ie", cpf_cnpj=customer["tax_id"],
                 ie="110.042.490.114")
    assert again.status_code == 303 and show_order(app.uow(), number)["customer"]["state_registration"] == (
        "110042490114")
    order = show_order(app.uow(), number)   # the records (and the API) keep what came
    assert (order["contact"]["phone"], order["customer"]["state_registration"]) == ("+5511987654321", "110042490114")
