"""LGPD: the platform's privacy webhooks (store/redact, customers/redact, customers/data_request) and the
data exports they produce."""

from lojasync.nuvemshop.errors import LgpdRequestError
from lojasync.nuvemshop.services.lgpd.handle import handle_lgpd_event
from lojasync.sales.customers import ANONYMISED_NAME

__all__ = ["ANONYMISED_NAME", "LgpdRequestError", "handle_lgpd_event"]
