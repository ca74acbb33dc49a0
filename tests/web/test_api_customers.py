"""`PUT /api/v1/customers/{document}/ie`: the same service as the order page and `customers ie`; errors as the
API's JSON with the status of their kind; a session call needs the CSRF header, a token does not."""

from __future__ import annotations

from tests.factories import cnpj
from tests.web import documents_setup as setup
from tests.web.conftest import csrf_of
from tests.web.documents_setup import imported

store_id = setup.store_id
BUYER = cnpj("998887770001")
SP_IE = "110042490114"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_sets_and_clears_the_ie(app, web, api_token, store_id):
    imported(app, store_id, {"id": 2300001001, "identification": BUYER})   # address in São Paulo
    answer = web.put(f"/api/v1/customers/{BUYER}/ie", json={"state_registration": "110.042.490.114"},
                     headers=bearer(api_token))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["tax_id"], body["state_registration"], body["contributor"], body["changed"]) == (
        BUYER, SP_IE, "contributor", True)
    same = web.put(f"/api/v1/customers/{BUYER}/ie", json={"state_registration": SP_IE}, headers=bearer(api_token))
    assert same.json()["changed"] is False
    cleared = web.put(f"/api/v1/customers/{BUYER}/ie", json={"state_registration": None}, headers=bearer(api_token))
    assert (cleared.json()["state_registration"], cleared.json()["contributor"]) == (None, "non_contributor")


def test_refusals_have_the_status_of_their_kind(app, web, api_token, store_id):
    imported(app, store_id, {"id": 2300001002, "identification": BUYER})
    invalid = web.put(f"/api/v1/customers/{BUYER}/ie", json={"state_registration": "110042490115"},
                      headers=bearer(api_token))
    assert invalid.status_code == 422
    assert invalid.json()["codigo"] == "fiscal.invalid_state_registration"
    assert invalid.json()["erro"] == "Inscrição estadual 110042490115 inválida para SP."
    exempt = web.put(f"/api/v1/customers/{BUYER}/ie", json={"state_registration": "ISENTO"},
                     headers=bearer(api_token))
    assert exempt.status_code == 422 and exempt.json()["codigo"] == "fiscal.exempt_not_admitted"
    unknown = web.put(f"/api/v1/customers/{cnpj('445556660001')}/ie", json={"state_registration": SP_IE},
                      headers=bearer(api_token))
    assert unknown.status_code == 404 and unknown.json()["codigo"] == "sales.customer_not_found"
    typo = web.put(f"/api/v1/customers/{BUYER}/ie", json={"state_registration": "ISETO"}, headers=bearer(api_token))
    assert typo.status_code == 422   # it cleared the IE (a non-contributor from then on)
    assert typo.json()["erro"] == "Inscrição estadual ISETO não reconhecida: não tem números nem é ISENTO."
    bad_document = web.put("/api/v1/customers/12345678901/ie", json={"state_registration": SP_IE},
                           headers=bearer(api_token))
    assert bad_document.status_code == 422 and bad_document.json()["codigo"] == "sales.invalid_tax_id"
    dots = web.put("/api/v1/customers/.........../ie", json={"state_registration": SP_IE}, headers=bearer(api_token))
    assert dots.status_code == 422   # it said "Cliente sem CPF/CNPJ na loja.", the import's words
    assert dots.json()["erro"] == "Documento ........... não é CPF nem CNPJ."


def test_needs_a_caller_and_with_a_session_the_csrf_header(app, web, logged_in, store_id):
    imported(app, store_id, {"id": 2300001003, "identification": BUYER})
    assert web.put(f"/api/v1/customers/{BUYER}/ie", json={"state_registration": SP_IE},
                   headers={"Cookie": ""}).status_code == 401
    assert logged_in.put(f"/api/v1/customers/{BUYER}/ie", json={"state_registration": SP_IE}).status_code == 403
    token = csrf_of(logged_in.get("/pedidos").text)
    answer = logged_in.put(f"/api/v1/customers/{BUYER}/ie", json={"state_registration": SP_IE},
                           headers={"X-CSRF-Token": token})
    assert answer.status_code == 200 and answer.json()["state_registration"] == SP_IE
