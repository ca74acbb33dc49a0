"""How a person acts on an error from the browser: the page that fixes it, per the error's `action`.

The web's counterpart of the CLI's COMMANDS: an error speaks of the product ("cadastre a empresa"), each
interface adds its own way to act. Actions whose fix is the same button on the page the person is on
(try again, confirm) or outside the browser (environment variables, secrets) have no link.
"""

from __future__ import annotations

from lojasync.shared.errors import Action, LojasyncError

_LINKS = {
    Action.SYNC: ("Abrir Integração", "/integracao"),
    Action.RETRY_EVENT: ("Abrir Integração (notificações com erro)", "/integracao"),
    Action.CONNECT_STORE: ("Conectar loja", "/integracao"),
    Action.RECONNECT_STORE: ("Abrir Integração", "/integracao"),
    Action.DISABLE_STORE: ("Abrir Integração", "/integracao"),
    Action.ENABLE_STORE: ("Abrir Integração", "/integracao"),
    Action.SET_COMPANY: ("Abrir os dados da empresa", "/configuracoes#empresa"),
    Action.INSTALL_CERTIFICATE: ("Instalar o certificado", "/configuracoes#certificado"),
    Action.SEE_INVOICES: ("Ver as NF-e", "/nfe"),
    Action.SEE_SALES: ("Ver as vendas simples", "/vendas"),
    Action.APPROVE_INVOICE: ("Abrir a NF-e", "/nfe/{invoice_id}"),
    Action.DISCARD_INVOICE: ("Abrir a NF-e", "/nfe/{invoice_id}"),
}


def error_link(error: LojasyncError | None, current_path: str | None = None) -> tuple[str, str] | None:
    """(label, address) of the page that fixes `error`, or None (no such page, or the page shown now)."""
    if error is None or getattr(error, "action", None) not in _LINKS:
        return None
    label, address = _LINKS[error.action]
    try:
        address = address.format(**getattr(error, "params", {}))
    except (KeyError, IndexError):
        return None   # the error does not say which document: no link rather than a wrong one
    if current_path is not None and address.split("#")[0] == current_path:
        return None
    return label, address
