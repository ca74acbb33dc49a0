"""A refused form is shown at its action's address, which the browser's address bar keeps. Opened again from
there with GET (typed, bookmarked, another tab) it leads to the page the form is on, never to a 405 or a
"endereço inválido"."""

from __future__ import annotations

import pytest

from tests.web import documents_setup as setup
from tests.web.documents_setup import imported, post, text_of

store_id = setup.store_id
company = setup.company


def refused_then_opened(client, page: str, action: str, **data):
    """POST the form of `page` with `data` (refused: 422), then GET the address the browser shows."""
    refused = post(client, page, action, **data)
    assert refused.status_code == 422, text_of(refused.text)
    assert "Resolução" in refused.text or "inválid" in text_of(refused.text)
    return client.get(action, follow_redirects=True)


@pytest.mark.parametrize(("action", "data"), [
    ("/configuracoes/empresa", {"legal_name": "Loja", "cnpj": "123"}),
    ("/configuracoes/tributos", {"icms_rate": "dezoito"}),
    ("/configuracoes/transportadoras", {"transportadora_codigo": "correios", "transportadora_documento": "123"}),
    ("/configuracoes/numeracao", {"series": "dois", "next_number": "150"}),
    ("/configuracoes/ambiente", {"environment": "teste"}),
    ("/configuracoes/certificado", {"senha": ""}),
    ("/configuracoes/conferencia", {"reconcile_minutes": "zero"}),
    ("/configuracoes/sku-desconhecido", {"unknown_sku": "ignore"}),
    ("/configuracoes/usuarios", {"email": "sem-arroba", "senha": "x", "confirmacao": "x"}),
    ("/configuracoes/usuarios/senha", {"usuario": "ninguem@loja.com.br", "senha": "x", "confirmacao": "y"}),
], ids=lambda value: value if isinstance(value, str) else "")
def test_settings_forms_refused_then_opened_again_show_the_settings_page(logged_in, company, action, data):
    page = refused_then_opened(logged_in, "/configuracoes", action, **data)
    assert page.status_code == 200 and str(page.url).endswith("/configuracoes")
    assert f'action="{action}"' in page.text   # the form, ready to be filled again


def test_order_page_forms_refused_then_opened_again_show_the_order(app, logged_in, store_id):
    (number,) = imported(app, store_id, {"id": 2400000001})
    order = f"/pedidos/{number}"
    for action, data in [(f"{order}/rastreio", {"codigo": "", "link": ""}),
                         (f"{order}/cliente/ie", {"cpf_cnpj": "529.982.247-25", "ie": "123"}),
                         (f"{order}/cliente", {"cpf_cnpj": "111.111.111-11"})]:
        page = refused_then_opened(logged_in, order, action, **data)
        assert page.status_code == 200 and str(page.url).endswith(order), action
        assert f'action="{action}"' in page.text


def test_stock_forms_refused_then_opened_again_show_the_product(app, logged_in, store_id):
    imported(app, store_id, {"id": 2400000002})   # creates the product CAN-CER
    for action, data in [("/estoque/CAN-CER/contagem", {"quantidade": "doze"}),
                         ("/estoque/CAN-CER/dados-fiscais", {"ncm": "12"})]:
        page = refused_then_opened(logged_in, "/estoque/CAN-CER", action, **data)
        # The SKU pattern of the product page would read ".../contagem" as a SKU: "Nenhum produto" before.
        assert page.status_code == 200 and str(page.url).endswith("/estoque/CAN-CER"), action
        assert f'action="{action}"' in page.text


def test_an_unknown_product_is_still_not_found(app, logged_in, store_id):
    assert logged_in.get("/estoque/NAO-EXISTE").status_code == 404
    # A form's address under an unknown product: that product's page, which says it does not exist.
    missing = logged_in.get("/estoque/NAO-EXISTE/contagem", follow_redirects=True)
    assert missing.status_code == 404 and "Nenhum produto com o SKU NAO-EXISTE" in text_of(missing.text)


def test_the_batch_forms_address_opened_again_is_the_list_of_batches(app, logged_in, store_id):
    answer = logged_in.get("/pedidos/nfe-em-lote")
    assert answer.status_code == 200 and "Lotes de NF-e" in answer.text


def test_other_post_only_addresses_lead_to_their_page_and_the_api_keeps_its_405(logged_in):
    for action, page in [("/integracao/conectar", "/integracao"), ("/nfe/7/cancelar", "/nfe/7"),
                         ("/financeiro/3/receber", "/financeiro"), ("/logout", "/pedidos")]:
        answer = logged_in.get(action)
        assert answer.status_code == 303 and answer.headers["location"] == page, action
    webhook = logged_in.get("/webhooks/nuvemshop")   # the platform's address: an integrator learns it is POST
    assert webhook.status_code == 405 and "Método não permitido" in text_of(webhook.text)
    api = logged_in.get("/api/v1/events/retry")   # a program is told the methods, not sent to a page
    assert api.status_code == 405 and api.json()["codigo"] == "web.http_405"
