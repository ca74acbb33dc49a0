"""Whether the store moved an order's delivery to another UF than its NF-e was built for."""

from __future__ import annotations

from types import SimpleNamespace

from lojasync.fiscal.delivery_place import delivery_moved, delivery_uf_of_xml
from lojasync.shared.address import Address

XML_WITH_ENTREGA = ("<NFe><infNFe><dest><enderDest><xLgr>Rua</xLgr><UF>SP</UF></enderDest></dest>"
                    "<entrega><CPF>1</CPF><UF>MG</UF></entrega><det/></infNFe></NFe>")
XML_WITHOUT = "<NFe><infNFe><dest><enderDest><UF>SP</UF></enderDest></dest><det/></infNFe></NFe>"


def order(state: str | None, pickup: bool = False):
    place = Address(street="Rua", city="Cidade", state=state) if state is not None else None
    return SimpleNamespace(shipping_address=place, shipping=SimpleNamespace(pickup=pickup))


def test_the_nfe_says_where_the_goods_go_by_entrega_else_by_the_recipient():
    assert (delivery_uf_of_xml(XML_WITH_ENTREGA), delivery_uf_of_xml(XML_WITHOUT), delivery_uf_of_xml("<x/>")) == (
        "MG", "SP", None)


def test_a_move_is_another_uf_and_nothing_to_compare_is_no_move():
    assert delivery_moved(XML_WITHOUT, order("Minas Gerais"))
    assert delivery_moved(XML_WITH_ENTREGA, order("SP"))
    assert not delivery_moved(XML_WITH_ENTREGA, order("mg"))
    assert not delivery_moved(XML_WITHOUT, order("São Paulo"))
    assert not delivery_moved(XML_WITHOUT, order("MG", pickup=True))      # collected at the store
    assert not delivery_moved(XML_WITHOUT, order(None))                   # no shipping address
    assert not delivery_moved(XML_WITHOUT, order("Atlântida"))            # a state nobody can read
    assert not delivery_moved(None, order("MG"))
