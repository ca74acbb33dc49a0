"""What Configurações shows of the carriers: the list, and the form filled with the one the operator chose to
change (`?transportadora=CODIGO`, the list's "Alterar": no script needed). Read by settings.py, written through
settings_carriers.py."""

from __future__ import annotations

from lojasync.entrypoints.cli import formats
from lojasync.fiscal.carriers import carrier_code
from lojasync.fiscal.services.carriers import CarrierView, list_carriers


def carrier_typed(view: CarrierView | None) -> dict[str, str]:
    """The form's fields with a carrier as kept (its documents punctuated as people read them), or none."""
    if view is None:
        return {}
    return {"transportadora_codigo": view.code, "transportadora_nome": view.name,
            "transportadora_documento": formats.tax_id(view.tax_id) if view.tax_id else "",
            "transportadora_ie": formats.ie(view.ie, view.uf) if view.ie else "",
            "transportadora_endereco": view.address or "", "transportadora_cidade": view.city or "",
            "transportadora_uf": view.uf or ""}


def carriers_context(container, chosen: str | None) -> dict[str, object]:
    carriers = list_carriers(container.read_uow())
    picked = next((c for c in carriers if chosen and c.code == carrier_code(chosen)), None)
    return {"carriers": carriers, "carrier_typed": carrier_typed(picked), "carrier_editing": picked is not None}
