"""`/api/v1` as an integrator's script meets it: a document a call has just changed reads the same as when it is
read back, downloads named so that they do not overwrite each other, and refusals that say what to send."""

from __future__ import annotations

from tests.web.test_api_documents import REASON, api, imported, simulator  # noqa: F401 - the fixtures used here

MOMENTS = ("issued_at", "authorised_at", "cancelled_at")


def test_a_document_just_changed_carries_the_same_moments_as_when_read_back(app, api):  # noqa: F811
    """dogfood: POST .../nfe answered "issued_at": "...T09:34:46-03:00" and GET the same NF-e "...T12:34:46Z":
    a script comparing them (or storing the first) saw two moments."""
    number = imported(app, 2100000301)
    created = api.post(f"/api/v1/orders/{number}/nfe").json()
    approved = api.post(f"/api/v1/invoices/{created['id']}/approve").json()["invoice"]
    cancelled = api.post(f"/api/v1/invoices/{created['id']}/cancel", json={"reason": REASON}).json()["invoice"]
    read_back = api.get(f"/api/v1/invoices/{created['id']}").json()

    assert created["issued_at"] == read_back["issued_at"] and created["issued_at"].endswith("Z")
    assert approved["authorised_at"] == read_back["authorised_at"] and approved["authorised_at"].endswith("Z")
    assert {k: cancelled[k] for k in MOMENTS} == {k: read_back[k] for k in MOMENTS}
    batch = api.post("/api/v1/invoices/batch", json={"orders": [number]}).json()["items"][0]["invoice"]
    assert batch["authorised_at"] == api.get(f"/api/v1/invoices/{batch['id']}").json()["authorised_at"]


def test_the_xml_the_cancellation_and_the_danfe_download_under_names_of_their_own(app, api):  # noqa: F811
    """dogfood: the NF-e's XML and its cancellation's both came as "nfe-1.xml" (the second download overwrote the
    first); the NF-e page names them by the access key."""
    number = imported(app, 2100000302)
    invoice = api.post(f"/api/v1/orders/{number}/nfe").json()
    api.post(f"/api/v1/invoices/{invoice['id']}/approve")
    key = invoice["access_key"]
    danfe = api.get(f"/api/v1/invoices/{invoice['id']}/danfe")
    api.post(f"/api/v1/invoices/{invoice['id']}/cancel", json={"reason": REASON})
    xml = api.get(f"/api/v1/invoices/{invoice['id']}/xml")
    cancellation = api.get(f"/api/v1/invoices/{invoice['id']}/xml", params={"cancellation": "true"})

    for answer, media_type, name in [(xml, "application/xml", f"{key}-nfe.xml"),
                                     (cancellation, "application/xml", f"{key}-cancelamento.xml"),
                                     (danfe, "application/pdf", f"{key}-danfe.pdf")]:
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == media_type
        assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
        assert answer.headers["cache-control"] == "no-store"   # the customer's CPF and address are in them
    assert b"<procEventoNFe" in cancellation.content and b"<nfeProc" in xml.content


def test_the_signed_xml_of_an_nfe_sefaz_never_authorised_is_named_so(app, api):  # noqa: F811
    """review: a pending NF-e's signed XML downloaded as "<chave>-nfe.xml", the authorised file's name, under the same
    button; an accountant could not tell one from the other."""
    number = imported(app, 2100000303)
    invoice = api.post(f"/api/v1/orders/{number}/nfe").json()
    assert invoice["status"] == "pending", invoice
    signed = api.get(f"/api/v1/invoices/{invoice['id']}/xml")
    assert signed.headers["content-disposition"] == f'attachment; filename="{invoice["access_key"]}-nfe-assinada.xml"'
    assert b"<nfeProc" not in signed.content and b"<NFe" in signed.content
    api.post(f"/api/v1/invoices/{invoice['id']}/approve")
    authorised = api.get(f"/api/v1/invoices/{invoice['id']}/xml")
    assert authorised.headers["content-disposition"] == f'attachment; filename="{invoice["access_key"]}-nfe.xml"'


def test_a_method_an_api_address_does_not_take_says_which_it_does(api):  # noqa: F811
    """dogfood: DELETE /api/v1/orders/1 answered "Use o botão ou o formulário da página" to a program."""
    answer = api.delete("/api/v1/orders/1")
    assert answer.status_code == 405 and answer.headers["allow"] == "GET, HEAD"
    body = answer.json()
    assert body["codigo"] == "web.http_405" and "DELETE" in body["erro"]
    assert "Use GET ou HEAD" in body["resolucao"] and "botão" not in body["resolucao"]
    # An address two routes share names both (review: PUT /number-voids said "Allow: POST", and GET works there).
    both = api.put("/api/v1/number-voids")
    assert both.status_code == 405 and both.headers["allow"] == "GET, HEAD, POST"
    assert "Use GET ou HEAD ou POST" in both.json()["resolucao"]


def test_head_is_answered_as_get_without_a_body(api, web):  # noqa: F811
    """HEAD (uptime monitors, link checkers) got 405 from the API and a redirect from the pages, though GET
    worked there: now the GET's status and headers, no body."""
    for client, path in ((api, "/api/v1/orders"), (web, "/healthz"), (web, "/static/app.css")):
        got, head = client.get(path), client.head(path)
        assert (head.status_code, head.content) == (got.status_code, b""), path
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == str(len(got.content))
    assert web.head("/pedidos").status_code == 303   # a page behind the login: to the login, as its GET
    assert api.head("/api/v1/orders/999999").status_code == 404
    refused = api.post("/api/v1/orders")   # only GET (and so HEAD) there
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, HEAD"


def test_a_refused_field_says_what_it_takes(api):  # noqa: F811
    """dogfood: GET /invoices?status=authorised (the value the API itself answers) said only "Dados inválidos em:
    status."; the integrator had to guess the Portuguese values. Now either is taken, and a value that is
    neither lists both."""
    for value in ("authorised", "autorizada"):
        assert api.get("/api/v1/invoices", params={"status": value}).status_code == 200
    for value in ("confirmed", "confirmada"):
        assert api.get("/api/v1/sales", params={"status": value}).status_code == 200
    status = api.get("/api/v1/invoices", params={"status": "aprovada"})
    assert status.status_code == 422
    assert "'pendente'" in status.json()["erro"] and "'autorizada'" in status.json()["erro"]
    assert "'authorised'" in status.json()["erro"]
    assert " or " not in status.json()["erro"]

    page = api.get("/api/v1/orders", params={"per_page": 500, "page": "x"}).json()["erro"]
    assert "per_page (no máximo 200)" in page and "page (número inteiro)" in page
    missing = api.post("/api/v1/invoices/1/cancel", json={}).json()["erro"]
    assert missing == "Dados inválidos em: reason (obrigatório)."


def test_a_retried_generation_creates_nothing_and_points_at_the_document_that_stands(app, api):  # noqa: F811
    """A POST .../nfe retried after a timeout (the first one did create the NF-e) is a 409 with a stable code, no
    second document, and Location naming the one there is; the same for a venda simples."""
    number = imported(app, 2100000303)
    created = api.post(f"/api/v1/orders/{number}/nfe")
    first = created.json()
    assert (created.status_code, created.headers["location"]) == (201, f"/api/v1/invoices/{first['id']}")
    for path in ("nfe", "simple-sale"):
        again = api.post(f"/api/v1/orders/{number}/{path}")
        assert (again.status_code, again.json()["codigo"]) == (409, "fiscal.order_has_document")
        assert again.headers["location"] == f"/api/v1/invoices/{first['id']}"
        assert api.get(again.headers["location"]).json()["id"] == first["id"]
        # What to call, as the CLI prints its command and the page its link (its resolution spoke of pages).
        assert again.json()["na_api"] == (f"GET /api/v1/invoices/{first['id']} (o documento que o pedido tem); "
                                          f"para gerar outro, cancele-o: POST /api/v1/invoices/{first['id']}/cancel")
    assert [i["id"] for i in api.get(f"/api/v1/orders/{number}").json()["documents"]["invoices"]] == [first["id"]]

    other = imported(app, 2100000304)
    created = api.post(f"/api/v1/orders/{other}/simple-sale")
    sale = created.json()
    assert (created.status_code, created.headers["location"]) == (201, f"/api/v1/sales/{sale['id']}")
    assert api.post(f"/api/v1/orders/{other}/nfe").headers["location"] == f"/api/v1/sales/{sale['id']}"


def test_the_nfe_and_sale_lists_go_past_their_first_page_and_filter_denied_ones(app, api, simulator):  # noqa: F811
    """dogfood: GET /invoices took only `limit` (the newest up to 1000): an integrator could never read the 1001st;
    and status=denegada, which the CLI takes, was a 422 (an NF-e the SEFAZ denied could not be listed alone)."""
    numbers = [imported(app, 2100000310 + i) for i in range(3)]
    ids = [api.post(f"/api/v1/orders/{n}/nfe").json()["id"] for n in numbers]
    pages = [[i["id"] for i in api.get("/api/v1/invoices", params={"limit": 2, "offset": offset}).json()]
             for offset in (0, 2, 4)]
    assert pages == [ids[:0:-1], ids[:1], []]
    sales = [api.post(f"/api/v1/orders/{imported(app, 2100000320 + i)}/simple-sale").json()["id"] for i in range(2)]
    assert [s["id"] for s in api.get("/api/v1/sales", params={"limit": 1, "offset": 1}).json()] == sales[:1]
    # How many in all, to know when to stop without asking for an empty page (the body stays a bare list).
    assert api.get("/api/v1/invoices", params={"limit": 2}).headers["x-total-count"] == "3"
    assert api.get("/api/v1/invoices", params={"status": "autorizada"}).headers["x-total-count"] == "0"
    assert api.get("/api/v1/sales", params={"limit": 1, "offset": 5}).headers["x-total-count"] == "2"
    documented = api.get("/api/v1/openapi.json").json()["paths"]["/api/v1/invoices"]["get"]["responses"]["200"]
    assert "X-Total-Count" in documented["headers"]

    simulator.simulator.set_switches(reject_with="301")    # Uso Denegado
    api.post(f"/api/v1/invoices/{ids[0]}/approve")
    denied = api.get("/api/v1/invoices", params={"status": "denegada"})
    assert denied.status_code == 200, denied.text
    assert [(i["id"], i["status"]) for i in denied.json()] == [(ids[0], "denied")]
    # No DANFE, and no advice to transmit it (review: "Transmita a NF-e", then the approval was refused).
    danfe = api.get(f"/api/v1/invoices/{ids[0]}/danfe")
    assert danfe.status_code == 409 and "Uso denegado pela SEFAZ" in danfe.text, danfe.text
    assert "approve" not in danfe.text


def test_stock_rows_carry_what_the_store_is_sent_as_the_cli_does(app, api):  # noqa: F811
    """dogfood: `stock list --format json` gave reserved and available (what is written to the store); the API
    dropped them, and an integrator syncing another channel had only the balance."""
    from lojasync.stock.counts import count_stock
    from lojasync.stock.views import stock_levels

    imported(app, 2100000330)
    count_stock(app.uow(), "CAM-ALG-P", 7)
    rows = {row["sku"]: row for row in api.get("/api/v1/stock").json()}
    assert rows == {row["sku"]: row for row in stock_levels(app.read_uow())}   # the CLI's JSON, key for key
    assert (rows["CAM-ALG-P"]["managed"], rows["CAM-ALG-P"]["available"]) == (True, 7)
    assert (rows["CAN-CER"]["managed"], rows["CAN-CER"]["reserved"], rows["CAN-CER"]["available"]) == (False, 0, None)


def test_try_again_later_says_when_and_statuses_are_listed_in_the_schema(app, api, simulator):  # noqa: F811
    """dogfood: SEFAZ out of service answered 503 with no Retry-After; the schema described the NF-e status as
    "pending, awaiting, ..." while the API answers "awaiting_sefaz"."""
    number = imported(app, 2100000340)
    invoice = api.post(f"/api/v1/orders/{number}/nfe").json()
    simulator.simulator.set_switches(out_of_service="108")
    answer = api.post(f"/api/v1/invoices/{invoice['id']}/approve")
    assert (answer.status_code, answer.headers["retry-after"]) == (503, "60")
    shown = api.get(f"/api/v1/invoices/{invoice['id']}").json()["status"]
    # No answer at all: SEFAZ may hold it, and it is neither sent nor asked again for five minutes; Retry-After
    # said 60, and a client that obeyed got the same 503 for four more minutes (integrator's review).
    simulator.simulator.set_switches(out_of_service=None, drop_answers=1)
    lost = api.post(f"/api/v1/invoices/{invoice['id']}/approve")
    assert (lost.status_code, lost.headers["retry-after"]) == (503, "300"), lost.text
    assert lost.json()["na_api"] == f"POST /api/v1/invoices/{invoice['id']}/approve"
    again = api.post(f"/api/v1/invoices/{invoice['id']}/approve")
    assert again.json()["codigo"] == "fiscal.invoice_being_sent" and int(again.headers["retry-after"]) in (240, 300)

    schemas = api.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert shown in schemas["InvoiceStatus"]["enum"]
    assert set(schemas["InvoiceStatus"]["enum"]) >= {"awaiting_sefaz", "denied", "authorised"}
    assert schemas["SaleStatus"]["enum"] == ["pending", "confirmed", "cancelled"]
    assert schemas["ReceivableStatus"]["enum"] == ["open", "received", "cancelled"]


def test_the_schema_declares_the_headers_scripts_rely_on(api):  # noqa: F811
    """Review: Retry-After (every 503) and Location (a new document, a repeated generation's 409, a batch in the
    background) were sent but not declared: a client generated from the schema did not expose them."""
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    approve = paths["/api/v1/invoices/{invoice_id}/approve"]["post"]["responses"]
    assert "Retry-After" in approve["503"]["headers"]
    for path in ("/api/v1/orders/{number}/nfe", "/api/v1/orders/{number}/simple-sale"):
        responses = paths[path]["post"]["responses"]
        assert "Location" in responses["201"]["headers"] and "Location" in responses["409"]["headers"], path
    assert "Location" in paths["/api/v1/invoices/batch"]["post"]["responses"]["202"]["headers"]


def test_a_body_that_is_no_json_says_how_to_send_it(app, api):  # noqa: F811
    """Integrator's review: `curl -d` (a form) got "corpo (objeto JSON)" with nothing of the header, and a body
    out of UTF-8 got Starlette's English "There was an error parsing the body" with no resolution."""
    form = api.post("/api/v1/invoices/1/cancel", content=b"reason=Cliente+desistiu+da+compra",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 422
    assert "Content-Type: application/json" in form.json()["resolucao"]
    assert "application/x-www-form-urlencoded" in form.json()["resolucao"]
    broken = api.post("/api/v1/invoices/1/cancel", content='{"reason": "Cliente desistiu, é"}'.encode("latin-1"),
                      headers={"Content-Type": "application/json"})
    body = broken.json()
    assert broken.status_code == 422 and "There was" not in body["erro"]   # as any body that is no JSON (was 400)
    assert body["codigo"] == "web.invalid_request"
    assert "UTF-8" in body["erro"] and "Content-Type: application/json" in body["resolucao"]


def test_a_body_a_route_has_no_use_for_is_refused_not_dropped(app, api, web):  # noqa: F811
    """Integrator's review: {"amount": "1.00"} on .../receive received the whole installment; {"approve": true}
    on .../nfe gave a pending NF-e; both answered 2xx. Now 422, nothing done; no body, {} or null still work."""
    number = imported(app, 2100000330)
    refused = api.post(f"/api/v1/orders/{number}/nfe", json={"approve": True, "series": 9})
    assert refused.status_code == 422 and refused.json()["codigo"] == "web.unexpected_body"
    assert "nada foi feito" in refused.json()["resolucao"]
    assert api.get(f"/api/v1/orders/{number}").json()["documents"] == {"invoices": [], "sales": []}
    for body in (b"[" * 100_000, b'{"a": 1', b"\xff{}"):   # nested past any parser, broken, not UTF-8: no 500
        answer = api.post("/api/v1/events/retry", content=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 422 and answer.json()["codigo"] == "web.unexpected_body", body[:10]
    for nothing in (b"", b"{}", b" { } ", b"null"):   # what some clients send with every POST: still taken
        answer = api.post("/api/v1/events/retry", content=nothing, headers={"Content-Type": "application/json"})
        assert answer.status_code == 200, (nothing, answer.text)
    assert api.post(f"/api/v1/orders/{number}/nfe", content=b"null",
                    headers={"Content-Type": "application/json"}).status_code == 201
    forged = web.post(f"/api/v1/orders/{number}/nfe", json={"x": 1}, headers={"Authorization": "Bearer falso"})
    assert forged.status_code == 401   # who calls, first


def test_numbers_and_yes_no_fields_take_only_numbers_and_true_false(app, api):  # noqa: F811
    """Integrator's review: {"quantity": true} set the stock to 1 and {"orders": [true], "approve": "no"} invoiced
    order 1 (pydantic's lax mode)."""
    imported(app, 2100000331)
    for body in ({"sku": "CAN-CER", "quantity": True}, {"sku": "CAN-CER", "quantity": "10"}):
        refused = api.post("/api/v1/stock/counts", json=body)
        assert refused.status_code == 422 and refused.json()["codigo"] == "web.invalid_request", body
        assert "quantity" in refused.json()["erro"]
    assert api.get("/api/v1/stock/movements", params={"sku": "CAN-CER"}).json() == []   # nothing counted
    assert api.post("/api/v1/stock/counts", json={"sku": "CAN-CER", "quantity": 10}).status_code == 200
    # Who counted: the token, by its name.
    counted = api.get("/api/v1/stock/movements", params={"sku": "CAN-CER"}).json()
    assert [m["made_by"] for m in counted] == ["operador token de API integracao-testes"]
    for body in ({"orders": [True]}, {"orders": ["1"]}, {"orders": [1], "approve": "no"}):
        refused = api.post("/api/v1/invoices/batch", json=body)
        assert refused.status_code == 422 and refused.json()["codigo"] == "web.invalid_request", body
    assert api.get("/api/v1/invoices").json() == []   # no batch ran


def test_an_unknown_query_parameter_is_refused_not_ignored(api):  # noqa: F811
    """Integrator's review: ?status= on /receivables (the CLI's option; the API's is `situation`) answered every
    receivable, cancelled ones included; ?page= on /invoices answered the first page again and again."""
    for path, wrong in (("/api/v1/receivables", {"status": "recebida"}), ("/api/v1/invoices", {"page": "2"}),
                        ("/api/v1/orders", {"limit": "2"})):
        answer = api.get(path, params=wrong)
        assert answer.status_code == 422, (path, answer.text)
        body = answer.json()
        assert body["codigo"] == "web.unknown_parameter" and f"Parâmetro desconhecido: {next(iter(wrong))}." == body["erro"]
    assert "situation" in api.get("/api/v1/receivables", params={"status": "x"}).json()["resolucao"]
    assert api.get("/api/v1/orders/1", params={"x": "1"}).json()["resolucao"].startswith("Este endereço não aceita")
    assert api.get("/api/v1/receivables", params={"situation": "recebida"}).status_code == 200


def test_a_repeated_query_parameter_is_refused_not_narrowed_to_its_last_value(api):  # noqa: F811
    """review: ?status=em-aberto&status=cancelado answered the cancelled orders alone, with their total."""
    for name, query in (("status", "orders?status=em-aberto&status=cancelado"), ("limit", "invoices?limit=5&limit=9")):
        answer = api.get(f"/api/v1/{query}")
        assert answer.status_code == 422, answer.text
        body = answer.json()
        assert body["codigo"] == "web.repeated_parameter" and body["erro"] == f"Parâmetro repetido: {name}."
    assert api.get("/api/v1/orders?status=em-aberto").status_code == 200
    assert api.get("/api/v1/invoices?limit=5&offset=0").status_code == 200


def test_operation_ids_name_the_resource_and_the_action(api):  # noqa: F811
    """A client generated from the schema named its methods after FastAPI's ids ("list__api_v1_orders_get")."""
    import re

    schema = api.get("/api/v1/openapi.json").json()
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-z]+(_[a-z]+)+", i) for i in ids), ids
    assert {"orders_list", "invoices_approve", "stock_count", "receivables_receive"} <= set(ids)
    # Schema names are names, not module paths (lojasync__entrypoints__web__api__orders__Situation: review).
    assert not [name for name in schema["components"]["schemas"] if "__" in name]


def test_every_write_documents_the_csrf_refusal_and_the_body_limit(api):  # noqa: F811
    """review: a session's write without X-CSRF-Token (403) and a body over the limit (413) were answered by every
    write, and listed by none: a client generated from the schema met statuses it did not know."""
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    operations = [(method, op) for ops in paths.values() for method, op in ops.items()]
    writes = [op for method, op in operations if method in ("post", "put", "patch", "delete")]
    assert writes and all({"403", "413"} <= set(op["responses"]) for op in writes)
    assert all(op["responses"]["403"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiErrorBody")
               for op in writes)
    assert not [op["operationId"] for method, op in operations if method == "get" and "403" in op["responses"]]


def test_the_schema_bounds_numbers_with_json_schema_keywords(api):  # noqa: F811
    """review: every id, page and limit said its bounds as pydantic's "ge"/"le", which generators and validators do
    not read: `?limit=0`, valid by the schema, was refused with 422."""
    schema = api.get("/api/v1/openapi.json").json()

    def numeric(node):
        if isinstance(node, dict):
            if node.get("type") in ("integer", "number"):
                yield node
            for value in node.values():
                yield from numeric(value)
        elif isinstance(node, list):
            for value in node:
                yield from numeric(value)

    numbers = list(numeric(schema))
    assert numbers and not [n for n in numbers if {"ge", "le", "gt", "lt"} & set(n)], numbers
    (limit,) = [p for p in schema["paths"]["/api/v1/invoices"]["get"]["parameters"] if p["name"] == "limit"]
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 1000)
    assert api.get("/api/v1/invoices?limit=0").status_code == 422   # as the schema now says


def test_stock_and_receivable_refusals_name_the_api_call_that_resolves_them(app, api):  # noqa: F811
    """API journey: an entrada of a product never counted (409 stock.product_not_counted), a saída past the stock
    (409 stock.adjustment_beyond_stock) and cancelling a received receivable (409 finance.receivable_received)
    answered resolutions naming the product's page, "Desfazer recebimento, na lista do Financeiro", and no
    `na_api`, though POST /stock/counts and POST /receivables/N/undo-receipt are what resolves each."""
    number = imported(app, 2100000350)
    uncounted = api.post("/api/v1/stock/adjustments", json={"sku": "CAN-CER", "quantity": 5}).json()
    assert uncounted["codigo"] == "stock.product_not_counted"
    assert uncounted["na_api"].startswith('POST /api/v1/stock/counts com {"sku": "CAN-CER", "quantity": N}')
    api.post("/api/v1/stock/counts", json={"sku": "CAN-CER", "quantity": 2})
    beyond = api.post("/api/v1/stock/adjustments", json={"sku": "CAN-CER", "quantity": -30}).json()
    assert beyond["codigo"] == "stock.adjustment_beyond_stock"
    assert beyond["na_api"].startswith('POST /api/v1/stock/counts com {"sku": "CAN-CER", "quantity": N}')

    sale = api.post(f"/api/v1/orders/{number}/simple-sale").json()
    api.post(f"/api/v1/sales/{sale['id']}/confirm")
    (row, *_) = api.get("/api/v1/receivables", params={"order": number}).json()["items"]
    api.post(f"/api/v1/receivables/{row['id']}/receive")
    refused = api.post(f"/api/v1/receivables/{row['id']}/cancel", json={"reason": "cliente desistiu"}).json()
    assert refused["codigo"] == "finance.receivable_received"
    assert refused["na_api"] == (f"POST /api/v1/receivables/{row['id']}/undo-receipt (com o motivo), depois "
                                 f"POST /api/v1/receivables/{row['id']}/cancel")


def test_the_call_a_refusal_names_carries_the_sku_as_json_writes_it():
    """Review of cbe67733: the SKU went into the body's JSON between quotes as it was; one with a quote or a
    backslash gave a body no JSON reader takes."""
    import json

    from lojasync.entrypoints.web.api.routing import api_call
    from lojasync.stock.adjustments import ProductNotCounted

    call = api_call(ProductNotCounted(sku='CAM "P" 1\\2', count_command="lojasync stock count"))
    body = call.removeprefix("POST /api/v1/stock/counts com ").split(" (N:")[0].replace("N}", "1}")
    assert json.loads(body) == {"sku": 'CAM "P" 1\\2', "quantity": 1}


def test_an_address_with_a_trailing_slash_says_the_one_without_it(api, web):  # noqa: F811
    """API journey: POST /api/v1/orders/44/nfe/ answered an empty-bodied 307 to an absolute http:// address; a
    client that follows no redirect (httpx's default, curl without -L) met no words, and behind a TLS proxy the
    address pointed at plain http. The API says the address to use; a person's browser is sent on, relatively."""
    answer = api.post("/api/v1/orders/44/nfe/", follow_redirects=False)
    assert answer.status_code == 404
    assert answer.json() == {"erro": "Endereço com barra no fim: /api/v1/orders/44/nfe/.", "codigo": "web.not_found",
                             "resolucao": "Use /api/v1/orders/44/nfe, sem a barra no fim."}
    listed = api.get("/api/v1/orders/?page=2", follow_redirects=False)
    assert listed.status_code == 404 and "Use /api/v1/orders," in listed.json()["resolucao"]
    assert api.get("/api/v1/nada/", follow_redirects=False).json()["erro"] == "Recurso não encontrado."
    # Review: DELETE /api/v1/orders/ was told to use /api/v1/orders, which then answered 405: said at once.
    deleted = api.delete("/api/v1/orders/", follow_redirects=False)
    assert deleted.status_code == 404
    assert deleted.json()["resolucao"] == ("Use /api/v1/orders, sem a barra no fim. Nesse endereço, DELETE não é "
                                           "permitido: use GET ou HEAD.")
    assert api.delete("/api/v1/orders").headers["allow"] == "GET, HEAD"
    # Three methods read as a list in Portuguese ("GET, HEAD ou POST"), not "GET ou HEAD ou POST".
    voided = api.put("/api/v1/number-voids/", follow_redirects=False)
    assert voided.json()["resolucao"].endswith("Nesse endereço, PUT não é permitido: use GET, HEAD ou POST.")

    page = web.get("/pedidos/?pagina=2", follow_redirects=False)
    assert page.status_code == 307 and page.headers["location"] == "/pedidos?pagina=2"
    assert web.get("/nao-existe/", follow_redirects=False).status_code == 404
